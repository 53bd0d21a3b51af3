"""cbh_export: Silver and Gold as hive-partitioned Parquet that plain DuckDB reads with the same totals as
cbh_silver(), exactly; only the partitions that changed are written; a partition another warehouse wrote is left
alone; every write goes through DuckDB, so its lockdown applies."""
import os
import re
import subprocess
import sys
import time

import duckdb
import pytest

from conftest import REPO, real_file

CUR = os.path.join(REPO, "test", "data", "cur")
TABLES = ["silver_line_items", "silver_resources", "gold_usage", "gold_daily", "findings"]
# How a reader keeps the partition values as cbh wrote them (an account ID is text: 0123... must stay 0123...).
HIVE = "hive_partitioning = true, hive_types = {'provider': VARCHAR, 'billing_account': VARCHAR, " \
       "'billing_period': DATE}"


def read(con, folder, table, columns="*"):
    hive = HIVE.replace(", 'billing_period': DATE", "") if table == "silver_resources" else HIVE
    return f"SELECT {columns} FROM read_parquet('{folder}/{table}/**/data.parquet', {hive})"


def export(con, folder, **named):
    args = "".join(f", {k} := {v!r}" if isinstance(v, str) else f", {k} := {str(v).lower()}"
                   for k, v in named.items())
    rows = con.execute(f"SELECT table_name, provider, billing_account, billing_period::VARCHAR, status, rows "
                       f"FROM cbh_export('{folder}'{args})").fetchall()
    return {(t, p, a, d): (s, n) for t, p, a, d, s, n in rows}


def statuses(result):
    return sorted({s for s, _ in result.values()})


def totals_from_export(con, folder):
    return con.execute(read(con, folder, "silver_line_items",
                            "provider, billing_account, billing_period, BillingCurrency, count(*), sum(BilledCost), "
                            "sum(EffectiveCost)") + " GROUP BY ALL ORDER BY ALL").fetchall()


def totals_from_cbh(con):
    return con.execute("SELECT provider, billing_account, billing_period, currency, line_items, billed_cost, "
                       "effective_cost FROM cbh_silver() WHERE line_items > 0 ORDER BY ALL").fetchall()


@pytest.fixture
def warehouse(connect, generated, tmp_path):
    data, _ = generated
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute(f"SELECT * FROM cbh_ingest('{data}/*.csv')").fetchall()
    con.execute(f"SELECT * FROM cbh_ingest(['{CUR}/sept.csv', '{CUR}/oct-part1.csv', '{CUR}/oct-part2.csv'])"
                ).fetchall()
    out = tmp_path / "export"
    out.mkdir()
    return con, str(out)


def test_plain_duckdb_reads_the_same_totals_exactly(warehouse):
    con, out = warehouse
    result = export(con, out)
    periods = con.execute("SELECT count(*) FROM cbh_silver()").fetchone()[0]
    assert len(result) == 4 * periods + 2 and statuses(result) == ["written"]  # resources: one per account
    assert totals_from_export(con, out) == totals_from_cbh(con)
    # every row of every table, with money still DECIMAL(38, 18)
    for table, source in (("silver_line_items", "cbh.silver_line_items"), ("gold_usage", "cbh.gold_usage"),
                          ("gold_daily", "cbh.gold_daily"), ("silver_resources", "cbh.silver_resources")):
        assert con.execute(read(con, out, table, "count(*)")).fetchone()[0] == \
            con.execute(f"SELECT count(*) FROM {source}").fetchone()[0], table
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE {read(con, out, 'silver_line_items')}").fetchall()}
    assert types["BilledCost"] == types["EffectiveCost"] == "DECIMAL(38,18)"
    assert types["billing_account"] == "VARCHAR" and types["billing_period"] == "DATE"
    gold = con.execute(read(con, out, "gold_usage", "billing_period, sum(cost), sum(unused_commitment)")
                       + " GROUP BY ALL ORDER BY ALL").fetchall()
    assert gold == con.execute("SELECT billing_period, sum(cost), sum(unused_commitment) FROM cbh.gold_usage "
                               "GROUP BY ALL ORDER BY ALL").fetchall()
    findings = con.execute(read(con, out, "findings", "billing_period, resource_id, rule, cost, monthly_waste")
                           + " ORDER BY ALL").fetchall()
    assert findings == con.execute("SELECT billing_period, resource_id, rule, cost, monthly_waste FROM cbh_zombies("
                                   "min_cost := 0, excluded := true, no_metrics := true) UNION ALL "
                                   "SELECT billing_period, resource_id, rule, saving, monthly_saving FROM cbh_savings("
                                   "min_saving := 0, excluded := true) ORDER BY ALL").fetchall()
    # what a reader sees of the folder: the data files, and each folder's marker that names the warehouse
    names = {name for _, _, files in os.walk(out) for name in files}
    assert names == {"data.parquet", "_cbh0.csv"}
    assert [d for d in os.listdir(out) if d.startswith("_")] == [
        "_cbh_warehouse=" + con.execute("SELECT warehouse_id FROM cbh.meta").fetchone()[0]]


def test_only_what_changed_is_written_again(warehouse):
    con, out = warehouse
    export(con, out)
    mtimes = {os.path.join(r, f): os.stat(os.path.join(r, f)).st_mtime_ns
              for r, _, fs in os.walk(out) for f in fs if f == "data.parquet"}
    assert statuses(export(con, out)) == ["unchanged"]
    con.execute(f"SELECT * FROM cbh_ingest('{CUR}/sept_revised.csv')").fetchall()
    result = export(con, out)
    written = {k for k, (s, _) in result.items() if s == "written"}
    sept = ("AWS", "999988887777", "2024-09-01")
    assert {(t,) + sept for t in ("silver_line_items", "gold_usage", "gold_daily")} <= written
    assert ("silver_resources", "AWS", "999988887777", None) in written
    # the other account's partitions, and October's Silver, are untouched
    assert all(k[2] == "999988887777" for k in written)
    assert result[("silver_line_items", "AWS", "999988887777", "2024-10-01")][0] == "unchanged"
    changed = {p for p, m in mtimes.items() if os.stat(p).st_mtime_ns != m}
    assert len(changed) == len(written)
    assert totals_from_export(con, out) == totals_from_cbh(con)
    # a rule tuned changes the findings only
    con.execute("UPDATE cbh.rules SET enabled = false WHERE rule = 'zero_usage'")
    result = export(con, out)
    assert {k[0] for k, (s, _) in result.items() if s == "written"} == {"findings"}
    # a forgotten period's partitions are emptied: readers see no rows of it
    con.execute("SELECT * FROM cbh_forget(billing_period := '2024-10', billing_account := '999988887777')"
                ).fetchall()
    result = export(con, out)
    assert {k[0] for k, (s, n) in result.items() if s == "emptied" and n == 0} == {
        "silver_line_items", "gold_usage", "gold_daily", "findings"}
    assert totals_from_export(con, out) == totals_from_cbh(con)
    assert statuses(export(con, out)) == ["unchanged"]


def test_a_partition_another_warehouse_wrote_is_left_alone(connect, warehouse, tmp_path):
    con, out = warehouse
    export(con, out)
    other = connect(str(tmp_path / "other.duckdb"))  # the same bill in another warehouse
    other.execute(f"SELECT * FROM cbh_ingest('{CUR}/sept_revised.csv')").fetchall()
    result = export(other, out)
    assert statuses(result) == ["skipped: written by another warehouse"]
    assert totals_from_export(con, out) == totals_from_cbh(con)
    taken = export(other, out, force=True)
    assert statuses(taken) == ["written"]
    taken_sept = con.execute(read(con, out, "silver_line_items", "sum(BilledCost)")
                             + " WHERE billing_account = '999988887777' AND billing_period = DATE '2024-09-01'")
    assert taken_sept.fetchone()[0] == other.execute("SELECT billed_cost FROM cbh_silver()").fetchone()[0]
    # the first warehouse now sees those partitions as another's
    assert "skipped: written by another warehouse" in statuses(export(con, out))


def test_the_real_focus_sample_with_slashes_in_an_account(connect, tmp_path):
    path = real_file("focus-1.0-sample.csv")
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute(f"SELECT * FROM cbh_ingest('{path}')").fetchall()
    out = tmp_path / "export"
    out.mkdir()
    result = export(con, str(out))
    accounts = {k[2] for k in result}
    assert "/providers/Microsoft.Billing/billingAccounts/8611537" in accounts
    folders = {d for d in os.listdir(out / "silver_line_items" / "provider=Microsoft")}
    assert folders == {"billing_account=%2Fproviders%2FMicrosoft.Billing%2FbillingAccounts%2F8611537"}
    assert totals_from_export(con, str(out)) == totals_from_cbh(con)


def test_lockdown_binds_the_export(warehouse, tmp_path):
    con, out = warehouse
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    con.execute(f"SET allowed_directories = ['{allowed}/']")
    con.execute("SET enable_external_access = false")
    with pytest.raises(duckdb.InvalidInputException, match=r"cbh: .*Permission Error: Cannot access"):
        con.execute(f"SELECT * FROM cbh_export('{out}')").fetchall()
    assert os.listdir(out) == []
    assert statuses(export(con, str(allowed / "export"))) == ["written"]


def test_mistakes_fail_clearly(warehouse, tmp_path):
    con, _ = warehouse
    with pytest.raises(duckdb.InvalidInputException,
                       match=r"cbh_export\('.*/no/where'\): cannot create the folder '.*/no/where': its parent folder "
                             r"does not exist; create it first"):
        con.execute(f"SELECT * FROM cbh_export('{tmp_path}/no/where')").fetchall()
    assert not os.path.exists(tmp_path / "no")
    # a folder whose parent exists is created, with a record of who writes there
    assert statuses(export(con, str(tmp_path / "new"))) == ["written"]
    writers = con.execute(f"SELECT * FROM read_csv('{tmp_path}/new/_cbh_warehouse=*/_cbh0.csv')").fetchall()
    assert [w[0] for w in writers] == [con.execute("SELECT warehouse_id FROM cbh.meta").fetchone()[0]]
    with pytest.raises(duckdb.BinderException, match=r"path must name the export.s folder"):
        con.execute("SELECT * FROM cbh_export('')").fetchall()


def test_a_read_only_attached_warehouse_exports(connect, warehouse, tmp_path):
    con, out = warehouse
    expected = totals_from_cbh(con)
    con.close()
    reader = connect(str(tmp_path / "home.duckdb"))
    deadline = time.time() + 10
    while True:  # cbh lets the closed database go within a poll (docs/reliability.md, "Known gap")
        try:
            reader.execute(f"ATTACH '{tmp_path / 'w.duckdb'}' AS ro (READ_ONLY)")
            break
        except duckdb.Error:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    assert statuses(export(reader, out, warehouse="ro")) == ["written"]
    assert totals_from_export(reader, out) == expected


def test_the_athena_and_trino_definitions_follow_the_export(warehouse):
    """scripts/export_ddl.py reads the export's own schema; docs/lake.md shows lines of its output."""
    con, out = warehouse
    export(con, out)
    script = os.path.join(REPO, "scripts", "export_ddl.py")
    outputs = {}
    for engine in ("athena", "trino"):
        run = subprocess.run([sys.executable, script, out, "s3://bucket/prefix", "--engine", engine],
                             capture_output=True, text=True, check=True)
        outputs[engine] = run.stdout
    for table in TABLES:
        described = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet("
                                               f"'{out}/{table}/**/data.parquet', hive_partitioning = false)").fetchall()]
        block = outputs["athena"].split(f"CREATE EXTERNAL TABLE cbh.{table} (\n", 1)[1].split("\n)", 1)[0]
        assert [re.match(r"  `([^`]+)`", line).group(1) for line in block.splitlines()] == described, table
    assert "`BilledCost` decimal(38,18)" in outputs["athena"] and '"BilledCost" decimal(38,18)' in outputs["trino"]
    with open(os.path.join(REPO, "docs", "lake.md")) as f:
        doc = f.read()
    for engine, start in (("athena", "CREATE EXTERNAL TABLE cbh.silver_line_items"),
                          ("trino", "CREATE TABLE hive.cbh.silver_line_items")):
        shown = doc.split(start, 1)[1].split("```", 1)[0]
        lines = [line for line in (start + shown).splitlines() if line.strip() and line.strip() != "..."]
        full = next(b for b in outputs[engine].split("\n\n") if b.startswith(start)).splitlines()
        positions = [full.index(line) for line in lines]  # each shown line is the script's, in its order
        assert positions == sorted(positions), engine
