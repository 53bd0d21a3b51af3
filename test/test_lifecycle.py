"""cbh lets go of the database when the user does (its own connections would otherwise keep it alive)."""
import os
import subprocess
import sys
import textwrap
import time

import duckdb

from conftest import REPO, run_cli


def run_python(code, timeout=120):
    """Runs code in a fresh Python host process, so each case starts from a clean instance cache."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def ingest_then_close(ext, db):
    """Host code: open `db`, load cbh, ingest September, close; leaves `duckdb` and `cfg` defined."""
    return f"""
        import duckdb
        cfg = {{"allow_unsigned_extensions": "true"}}
        con = duckdb.connect({str(db)!r}, config=cfg)
        con.execute("LOAD '{ext}'")
        con.execute("SELECT * FROM cbh_ingest('test/data/cur/sept.csv')").fetchall()
        con.close()
"""


def test_python_close_then_reopen_read_only_and_read_write(ext, tmp_path):
    db = tmp_path / "w.duckdb"
    r = run_python(f"""
{ingest_then_close(ext, db)}        import time
        time.sleep(0.5)  # cbh notices the close within one poll (0.2 s)
        t = time.time()
        ro = duckdb.connect({str(db)!r}, read_only=True)
        print("ro", round(time.time() - t, 3), ro.execute("SELECT count(*) FROM cbh.silver_line_items").fetchone()[0])
        ro.close()
        time.sleep(0.5)
        t = time.time()
        rw = duckdb.connect({str(db)!r}, config=cfg)
        print("rw", round(time.time() - t, 3), rw.execute("SELECT count(*) FROM cbh.bronze_cur").fetchone()[0])
        rw.execute("LOAD '{ext}'")
        print("status", rw.execute("SELECT status FROM cbh_ingest('test/data/cur/oct-part1.csv')").fetchone()[0])
        rw.close()
    """, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = dict(l.split(" ", 1) for l in r.stdout.splitlines())
    ro_seconds, ro_rows = lines["ro"].split()
    rw_seconds, rw_rows = lines["rw"].split()
    assert float(ro_seconds) < 2 and ro_rows == "8"
    assert float(rw_seconds) < 2 and rw_rows == "8"
    assert lines["status"] == "ingested"


def test_python_reopen_read_write_at_once_gets_a_working_cbh(ext, tmp_path):
    """Reopened before cbh noticed the close: DuckDB hands out the same instance, and cbh stays usable."""
    db = tmp_path / "w.duckdb"
    r = run_python(f"""
{ingest_then_close(ext, db)}        again = duckdb.connect({str(db)!r}, config=cfg)
        again.execute("LOAD '{ext}'")
        print(again.execute("SELECT count(*) FROM cbh_zombies(min_cost := 0)").fetchone()[0])
        again.close()
    """, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["2"]


def test_in_memory_cycles_do_not_leak(ext):
    r = run_python(f"""
        import duckdb, time
        def rss():
            for line in open("/proc/self/status"):
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        def cycle():
            con = duckdb.connect(config={{"allow_unsigned_extensions": "true"}})
            con.execute("LOAD '{ext}'")
            assert con.execute("SELECT status FROM cbh_ingest('test/data/cur/sept.csv')").fetchone()[0] == "ingested"
            con.close()
        for _ in range(5):
            cycle()
        time.sleep(0.5)
        start = rss()
        for _ in range(50):
            cycle()
            time.sleep(0.25)  # let cbh notice the close and release the instance
        time.sleep(0.5)
        import threading
        print(round(rss() - start, 1), threading.active_count())
    """, timeout=300)
    assert r.returncode == 0, r.stderr
    growth, threads = r.stdout.split()
    assert float(growth) < 100, f"resident memory grew by {growth} MB over 50 cycles"
    assert int(threads) < 5, f"{threads} threads left: lifecycle threads are not ending"


def test_cli_reopen_same_file_sees_data_and_one_instance(ext, tmp_path):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    script = tmp_path / "s.sql"
    script.write_text(textwrap.dedent(f"""
        .open {a}
        LOAD '{ext}';
        SELECT status FROM cbh_ingest('test/data/cur/sept.csv');
        .open {b}
        .open {a}
        LOAD '{ext}';
        SELECT status FROM cbh_ingest('test/data/cur/oct-part1.csv');
        SELECT count(*) AS periods FROM cbh.periods;
        SELECT count(*) AS zombies FROM cbh_zombies(rule := 'zero_usage', min_cost := 0);
    """))
    r = subprocess.run([os.path.join(os.path.dirname(sys.executable), "duckdb"), "-unsigned", "-csv", "-noheader",
                        "-f", str(script)], capture_output=True, text=True, timeout=60, cwd=REPO,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["ingested", "ingested", "2", "4"]
    # after the process ends, the file holds everything, and a new process sees one consistent warehouse
    con = duckdb.connect(str(a), read_only=True)
    assert con.execute("SELECT count(*) FROM cbh.periods").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM cbh.ledger").fetchone()[0] == 2


def test_cli_second_session_after_first_sees_everything(ext, tmp_path):
    db = tmp_path / "w.duckdb"
    for f in ["sept.csv", "oct-part1.csv"]:
        r = run_cli(["-unsigned", "-csv", "-noheader", str(db)],
                    f"LOAD '{ext}'; SELECT status FROM cbh_ingest('test/data/cur/{f}');")
        assert r.returncode == 0 and r.stdout.strip() == "ingested", r.stderr
    r = run_cli(["-csv", "-noheader", str(db)], "SELECT count(*) FROM cbh.bronze_cur")
    assert r.stdout.strip() == "10"
