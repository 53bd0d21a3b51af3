"""cbh serializes its writes; readers never fail during an ingest."""
import shutil
import threading

import pytest


def test_two_threads_ingest_at_once(connect, generated, tmp_path):
    data, truths = generated
    con = connect(str(tmp_path / "w.duckdb"))
    results, errors = {}, []

    def ingest(name, pattern):
        try:
            cur = con.cursor()
            results[name] = cur.execute(f"SELECT status FROM cbh_ingest('{pattern}')").fetchall()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=ingest, args=(p, f"{data}/cur-{p}-*.csv")) for p in ("2024-09", "2024-10")]
    threads.append(threading.Thread(target=ingest, args=("dup", f"{data}/cur-2024-09-*.csv")))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    statuses = sorted(s for rows in results.values() for (s,) in rows)
    # each delivery lands exactly once; the duplicate call is skipped whichever thread won
    assert statuses == ["ingested"] * 4 + ["skipped"] * 2
    totals = dict(con.execute("SELECT billing_period::VARCHAR, billed_cost::VARCHAR FROM cbh_silver()").fetchall())
    for period, truth in truths.items():
        assert totals[period].rstrip("0") == truth["billed_cost"].rstrip("0")


def test_reader_during_ingest_never_errors(connect, generated, tmp_path):
    data, truths = generated
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute(f"SELECT * FROM cbh_ingest('{data}/cur-2024-09-*.csv')").fetchall()
    expected_before = len(truths["2024-09-01"]["zombies"])
    stop = threading.Event()
    seen, errors = set(), []

    def read():
        cur = con.cursor()
        while not stop.is_set():
            try:
                seen.add(cur.execute("SELECT count(*) FROM cbh_zombies(rule := 'zero_usage', min_cost := 0)").fetchone()[0])
                cur.execute("SELECT count(*) FROM cbh.silver_line_items").fetchone()
            except Exception as e:  # noqa: BLE001
                errors.append(e)
                return

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    writer = con.cursor()
    writer.execute(f"SELECT * FROM cbh_ingest('{data}/cur-2024-10-*.csv')").fetchall()
    stop.set()
    for t in readers:
        t.join(timeout=60)
    assert not errors, errors
    total = expected_before + len(truths["2024-10-01"]["zombies"])
    # readers saw the state before or after the ingest, never a half-applied one
    assert seen <= {expected_before, total}, seen
    assert con.execute("SELECT count(*) FROM cbh_zombies(rule := 'zero_usage', min_cost := 0)").fetchone()[0] == total
