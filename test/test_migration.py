"""A warehouse made by cbh 0.1 (test/data/warehouse-0.1: EXPORT DATABASE of 0.1 after ingesting test/data/cur)
moves to the current layout on first use, without losing or changing a cent."""
import os
from decimal import Decimal

import pytest

from conftest import LAYOUT, REPO

WAREHOUSE_01 = os.path.join(REPO, "test", "data", "warehouse-0.1")


@pytest.fixture
def old_warehouse(connect, tmp_path, ext):
    path = str(tmp_path / "w.duckdb")
    con = connect(path, load=False)  # cbh creates (or moves) the warehouse when it is loaded: import first
    cwd = os.getcwd()
    os.chdir(REPO)  # load.sql names its CSV files relative to the repository
    try:
        con.execute(f"IMPORT DATABASE '{WAREHOUSE_01}'")
    finally:
        os.chdir(cwd)
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'cbh' AND table_name = 'meta'"
                       ).fetchone()[0] == 0
    con.execute(f"LOAD '{ext}'")
    return con


def test_a_0_1_warehouse_is_moved_on_first_read(old_warehouse):
    con = old_warehouse
    zombies = sorted(con.execute("SELECT billing_period::VARCHAR, resource_id, cost, provider, billing_account "
                                 "FROM cbh_zombies(rule := 'zero_usage', min_cost := 0)").fetchall())
    assert zombies == [
        ("2024-09-01", "nat-0aaa", Decimal("0.09"), "AWS", "999988887777"),
        ("2024-09-01", "vol-0idle", Decimal("1E-10"), "AWS", "999988887777"),
        ("2024-10-01", "eipalloc-0idle", Decimal("0.005"), "AWS", "999988887777"),
        ("2024-10-01", "nat-0aaa", Decimal("0.09"), "AWS", "999988887777"),
    ]
    silver = con.execute("SELECT billing_period::VARCHAR, billed_cost, files, line_items FROM cbh_silver() "
                         "ORDER BY 1").fetchall()
    assert silver == [("2024-09-01", Decimal("3.8504000001"), 1, 8), ("2024-10-01", Decimal("0.195"), 2, 4)]
    ledger = con.execute("SELECT format, provider, billing_account, status, len(deliveries) FROM cbh.ledger").fetchall()
    assert ledger == [("cur", "AWS", "999988887777", "ingested", 1)] * 3


def test_a_moved_warehouse_keeps_its_idempotence(old_warehouse):
    con = old_warehouse
    rows = con.execute(f"SELECT status FROM cbh_ingest('{REPO}/test/data/cur/sept.csv')").fetchall()
    assert rows == [("skipped",)]
    rows = con.execute(f"SELECT status FROM cbh_ingest('{REPO}/test/data/cur/sept_revised.csv')").fetchall()
    assert rows == [("replaced",)]
    assert con.execute("SELECT count(*) FROM cbh_silver()").fetchone()[0] == 2


def test_a_layout_2_warehouse_gets_rules_and_gold_usage(connect, tmp_path):
    """cbh 0.2/0.3 stored findings in cbh.gold_zombies; the first call moves the warehouse to rules as data."""
    path = str(tmp_path / "w.duckdb")
    con = connect(path)
    files = ", ".join(f"'{os.path.join(REPO, 'test', 'data', 'cur', f)}'" for f in ("sept.csv", "oct-part1.csv",
                                                                                     "oct-part2.csv"))
    con.execute(f"SELECT * FROM cbh_ingest([{files}])").fetchall()
    want = con.execute("SELECT * FROM cbh_zombies()").fetchall()
    silver = con.execute("SELECT * EXCLUDE (rebuilt, updated_at) FROM cbh_silver()").fetchall()
    # Back to layout 2, as cbh 0.3 left it.
    con.execute("""
        DROP TABLE cbh.rules; DROP TABLE cbh.exclusions; DROP TABLE cbh.gold_usage;
        CREATE TABLE cbh.gold_zombies (provider VARCHAR NOT NULL, billing_account VARCHAR NOT NULL,
            billing_period DATE NOT NULL, resource_id VARCHAR NOT NULL, rule VARCHAR NOT NULL,
            cost DECIMAL(38, 12) NOT NULL, effective_cost DECIMAL(38, 12) NOT NULL, usage_amount DECIMAL(38, 18) NOT NULL,
            service VARCHAR, usage_type VARCHAR, region VARCHAR, account VARCHAR);
        UPDATE cbh.meta SET schema_version = 2;
    """)
    assert con.execute("SELECT * FROM cbh_zombies()").fetchall() == want
    assert con.execute("SELECT schema_version FROM cbh.meta").fetchall() == [(LAYOUT,)]
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'cbh' AND table_name = 'gold_zombies'"
                       ).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM cbh.rules WHERE origin = 'cbh'").fetchone()[0] == 19
    assert con.execute("SELECT * EXCLUDE (rebuilt, updated_at) FROM cbh_silver()").fetchall() == silver


WAREHOUSE_06 = os.path.join(REPO, "test", "data", "warehouse-0.6")
KEPT = ["meta", "ledger", "periods", "bronze_cur", "silver_line_items", "silver_resources", "exclusions", "gold_daily"]


def test_a_layout_5_warehouse_moves_to_this_layout_with_every_value_kept(connect, tmp_path, ext):
    """cbh 0.6 made test/data/warehouse-0.6 (EXPORT DATABASE after the tour's bills, the example metrics and a Redshift
    cluster's by ARN, a rule tuned, one deleted, one added, an exclusion): the move adds rule kinds and the new rules,
    rebuilds Gold and the daily metrics, and keeps everything else as it was."""
    con = connect(str(tmp_path / "w.duckdb"), load=False)
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        con.execute(f"IMPORT DATABASE '{WAREHOUSE_06}'")
    finally:
        os.chdir(cwd)
    before = {t: sorted(con.execute(f"SELECT * FROM cbh.{t}").fetchall(), key=repr) for t in KEPT}
    rules = sorted(con.execute("SELECT * FROM cbh.rules").fetchall())
    metrics = sorted(con.execute("SELECT * EXCLUDE (resource_key) FROM cbh.metrics").fetchall(), key=repr)
    assert before["meta"] == [(5,)]
    con.execute(f"LOAD '{ext}'")
    assert con.execute("SELECT schema_version FROM cbh.meta").fetchall() == [(LAYOUT,)]
    for t in KEPT[1:]:
        assert sorted(con.execute(f"SELECT * FROM cbh.{t}").fetchall(), key=repr) == before[t], t
    # The rules are the user's: tuned, deleted and added ones stay so, each of kind waste; layout 6's are added.
    after = sorted(con.execute("SELECT * EXCLUDE (kind) FROM cbh.rules").fetchall())
    assert [r for r in after if r[0] in {r[0] for r in rules}] == rules
    assert "idle_vpc_endpoint" not in {r[0] for r in after}
    kinds = dict(con.execute("SELECT rule, kind FROM cbh.rules").fetchall())
    assert {r for r, k in kinds.items() if k == "saving"} == {"extended_support", "gp2_volume", "io1_volume",
                                                             "on_demand_steady", "previous_generation"}
    assert len(kinds) == len(rules) + 10
    assert con.execute("SELECT count(*) FROM cbh.instance_generations").fetchone()[0] > 10
    # ...and in the layout a lake catalog holds: no key, check or sequence left (test_warehouse_layout.py has more).
    assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE schema_name = 'cbh' "
                       "AND constraint_type <> 'NOT NULL'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM duckdb_sequences() WHERE schema_name = 'cbh'").fetchone()[0] == 0
    # Metrics: every point kept; a cluster's ARN is now its name, as CloudWatch names it, and counts as activity.
    assert sorted(con.execute("SELECT * EXCLUDE (resource_key) FROM cbh.metrics").fetchall(), key=repr) == metrics
    assert con.execute("SELECT resource_key, activity_max FROM cbh.metrics_daily WHERE activity_max IS NOT NULL "
                       "ORDER BY 1").fetchall() == [("analytics", 3.0), ("orders-idle", 0.0)]
    # Gold is rebuilt: the same findings as before the move, and the bill's rates.
    assert sorted(con.execute("SELECT billing_period::VARCHAR, resource_id, rule, cost FROM cbh_zombies()"
                              ).fetchall()) == [
        ("2024-09-01", "nat-0aaa", "big_zero_usage", Decimal("0.09")),
        ("2024-09-01", "nat-0aaa", "zero_usage", Decimal("0.09")),
        ("2024-10-01", "nat-0aaa", "big_zero_usage", Decimal("0.09")),
        ("2024-10-01", "nat-0aaa", "zero_usage", Decimal("0.09")),
    ]
    assert con.execute("SELECT count(*) FROM cbh.gold_usage").fetchone()[0] > 0
    rows = con.execute(f"SELECT status FROM cbh_ingest('{REPO}/test/data/cur/sept.csv')").fetchall()
    assert rows == [("skipped",)]
