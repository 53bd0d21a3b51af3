"""A read-only warehouse: the reading functions work, cbh_ingest fails cleanly and changes nothing."""
import time

import duckdb
import pytest


def test_read_only_warehouse(connect, tmp_path):
    db = str(tmp_path / "w.duckdb")
    con = connect(db)
    con.execute("SELECT * FROM cbh_ingest('test/data/cur/sept.csv')").fetchall()
    con.close()
    time.sleep(0.5)  # cbh notices the close within a poll; see docs/reliability.md, "Known gap"
    ro = connect(db, access_mode="READ_ONLY")
    assert ro.execute("SELECT count(*) FROM cbh_zombies(min_cost := 0)").fetchone()[0] == 2
    assert ro.execute("SELECT line_items FROM cbh_silver()").fetchall() == [(8,)]
    assert ro.execute("SELECT periods FROM cbh_status()").fetchone()[0] == 1
    with pytest.raises(duckdb.Error, match=r"cbh: .*read-only"):
        ro.execute("SELECT * FROM cbh_ingest('test/data/cur/oct-part1.csv')").fetchall()
    assert ro.execute("SELECT count(*) FROM cbh.ledger").fetchone()[0] == 1


def test_read_only_database_without_warehouse_reads_empty(connect, tmp_path):
    db = str(tmp_path / "empty.duckdb")
    duckdb.connect(db).close()
    ro = connect(db, access_mode="READ_ONLY")
    assert ro.execute("SELECT count(*) FROM cbh_zombies()").fetchone()[0] == 0
    assert ro.execute("SELECT periods FROM cbh_status()").fetchone()[0] == 0
    with pytest.raises(duckdb.Error, match=r"cbh: cbh_ingest\(\) writes to the warehouse, but database 'empty' is open read-only"):
        ro.execute("SELECT * FROM cbh_ingest('test/data/cur/sept.csv')").fetchall()
