"""Apache Spark (local mode, pip pyspark on the machine's Java) reads cbh_export's Parquet and gets cbh_silver()'s
totals per account and period exactly, DECIMAL to DECIMAL; an account ID with slashes (Azure's) comes back whole.
`make spark` installs pyspark (test/requirements-spark.txt); CI runs it, elsewhere the test skips saying why."""
import os
import shutil

import pytest

from conftest import REPO, real_file
from test_export import warehouse  # noqa: F401 - a fixture

CUR = os.path.join(REPO, "test", "data", "cur")


def spark_session():
    reason = None
    if shutil.which("java") is None:
        reason = "no java on PATH (Spark needs Java 17: apt-get install openjdk-17-jre-headless)"
    else:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            reason = "pyspark is not installed: run `make spark` (test/requirements-spark.txt)"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the Spark test, but {reason}")
        pytest.skip(reason)
    from pyspark.sql import SparkSession
    return (SparkSession.builder.master("local[2]").appName("cbh-export")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            # partition values as cbh wrote them: text (an account ID keeps its leading zeros and slashes)
            .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
            .getOrCreate())


@pytest.fixture(scope="module")
def spark():
    session = spark_session()
    yield session
    session.stop()


def spark_totals(spark, folder):
    df = (spark.read.option("pathGlobFilter", "data.parquet").parquet(f"{folder}/silver_line_items"))
    assert dict(df.dtypes)["BilledCost"] == "decimal(38,18)"
    df.createOrReplaceTempView("line_items")
    rows = spark.sql("""
        SELECT provider, billing_account, billing_period, BillingCurrency, count(*) AS n, sum(BilledCost) AS billed,
               sum(EffectiveCost) AS effective
        FROM line_items GROUP BY ALL""").collect()
    return sorted((r.provider, r.billing_account, r.billing_period, r.BillingCurrency, r.n, r.billed, r.effective)
                  for r in rows)


def cbh_totals(con):
    return sorted(con.execute("SELECT provider, billing_account, billing_period::VARCHAR, currency, line_items, "
                              "billed_cost, effective_cost FROM cbh_silver() WHERE line_items > 0").fetchall())


def test_spark_reads_the_export_with_the_same_totals_exactly(warehouse, spark):
    con, out = warehouse  # test_export.py's: two accounts, two periods each
    con.execute(f"SELECT * FROM cbh_export('{out}')").fetchall()
    expected = cbh_totals(con)
    assert len(expected) == 4
    assert spark_totals(spark, out) == expected
    # Gold too: what each period's resources cost, as Spark sums it
    gold = spark.read.option("pathGlobFilter", "data.parquet").parquet(f"{out}/gold_usage")
    gold.createOrReplaceTempView("gold_usage")
    got = sorted(tuple(r) for r in spark.sql("SELECT billing_account, billing_period, sum(cost) FROM gold_usage "
                                              "GROUP BY ALL").collect())
    assert got == sorted(con.execute("SELECT billing_account, billing_period::VARCHAR, sum(cost) FROM cbh.gold_usage "
                                     "GROUP BY ALL").fetchall())
    # a revised bill exported again: Spark sees the new totals
    con.execute(f"SELECT * FROM cbh_ingest('{CUR}/sept_revised.csv')").fetchall()
    con.execute(f"SELECT * FROM cbh_export('{out}')").fetchall()
    assert spark_totals(spark, out) == cbh_totals(con)


def test_spark_reads_an_azure_account_with_slashes(connect, spark, tmp_path):
    path = real_file("focus-1.0-sample.csv")
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute(f"SELECT * FROM cbh_ingest('{path}')").fetchall()
    out = tmp_path / "export"
    out.mkdir()
    con.execute(f"SELECT * FROM cbh_export('{out}')").fetchall()
    totals = spark_totals(spark, out)
    assert totals == cbh_totals(con)
    assert "/providers/Microsoft.Billing/billingAccounts/8611537" in {t[1] for t in totals}
