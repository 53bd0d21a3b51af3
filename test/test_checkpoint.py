"""After a session with cbh loaded, the database file is complete on its own, as after plain DuckDB: copying the
.duckdb without its .wal loses nothing, cbh's tables nor the user's. In Python cbh checkpoints within a poll (0.2 s)
after its calls (a process that exits sooner keeps the last commit in the .wal, replayed on the next open); in
the CLI, where that is not safe, the documented `CHECKPOINT;` at the end of a run does it (docs/building.md,
Troubleshooting), and cbh's own scripts end with it."""
import os
import shutil
import subprocess
import sys

import duckdb

from conftest import REPO, run_cli

SEPT = os.path.join(REPO, "test", "data", "cur", "sept.csv")


def copy_alone(warehouse, tmp_path):
    """The .duckdb file copied without its .wal, as a user backs it up."""
    out = tmp_path / "copy" / "alone.duckdb"
    out.parent.mkdir(exist_ok=True)
    shutil.copy(warehouse, out)
    return out


def contents_cli(path):
    r = run_cli(["-list", "-noheader", str(path)], "SELECT count(*) FROM mine; SELECT count(*) FROM cbh.periods;")
    assert r.returncode == 0, r.stderr
    return [int(x) for x in r.stdout.split()]


def contents_python(path):
    con = duckdb.connect(str(path))
    try:
        return [con.execute("SELECT count(*) FROM mine").fetchone()[0],
                con.execute("SELECT count(*) FROM cbh.periods").fetchone()[0]]
    finally:
        con.close()


def test_after_a_cli_run_the_database_file_alone_holds_everything(ext, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    r = run_cli(["-unsigned", str(warehouse)],
                f"LOAD '{ext}'; CREATE TABLE mine AS SELECT 42 AS x; SELECT status FROM cbh_ingest('{SEPT}'); CHECKPOINT;")
    assert r.returncode == 0 and "ingested" in r.stdout, r.stderr
    assert contents_cli(copy_alone(warehouse, tmp_path)) == [1, 1]


def test_after_an_interactive_cli_session_the_database_file_alone_holds_everything(ext, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    script = f"LOAD '{ext}';\nSELECT status FROM cbh_ingest('{SEPT}');\nCREATE TABLE mine AS SELECT 1 AS x;\nCHECKPOINT;\n.quit\n"
    r = subprocess.run([os.path.join(os.path.dirname(sys.executable), "duckdb"), "-unsigned", str(warehouse)],
                       input=script, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert contents_cli(copy_alone(warehouse, tmp_path)) == [1, 1]


PYTHON = r"""
import duckdb, shutil, sys, time
warehouse, ext, sept, how = sys.argv[1:5]
con = duckdb.connect(warehouse, config={"allow_unsigned_extensions": "true"})
con.execute(f"LOAD '{ext}'")
con.execute("CREATE TABLE mine AS SELECT 1 AS x")
con.execute(f"SELECT * FROM cbh_ingest('{sept}')").fetchall()
if how == "close":
    time.sleep(1.5)   # cbh checkpoints after its call at its next poll (0.2 s) once the query is done
    con.close()
elif how == "copy while open":
    time.sleep(1.5)
    shutil.copy(warehouse, warehouse + ".during")
elif how == "exit at once":
    pass              # no DuckDB call at exit (it crashed): the last commit is in the .wal
"""


def test_after_a_python_session_the_database_file_alone_holds_everything(ext, tmp_path):
    """Within a poll of its call cbh has checkpointed; a process that exits at once keeps the call's commit in the
    .wal, which the next open replays: nothing is lost either way, and no exit crashes (20 exits at once)."""
    for how in ("close", "copy while open"):
        warehouse = tmp_path / f"{how.replace(' ', '_')}.duckdb"
        subprocess.run([sys.executable, "-c", PYTHON, str(warehouse), ext, SEPT, how], check=True, timeout=60)
        assert contents_python(copy_alone(warehouse, tmp_path)) == [1, 1], how
        if how == "copy while open":
            assert contents_python(str(warehouse) + ".during") == [1, 1]
    for i in range(20):
        warehouse = tmp_path / f"at_once_{i}.duckdb"
        r = subprocess.run([sys.executable, "-c", PYTHON, str(warehouse), ext, SEPT, "exit at once"], timeout=60)
        assert r.returncode == 0, f"exit {i} crashed ({r.returncode})"
        assert contents_python(warehouse) == [1, 1]


def test_reopening_the_same_file_in_the_cli_never_lets_an_old_instance_overwrite_it(ext, tmp_path):
    # `.open` of the same file makes a second instance while cbh still holds the first: the first must not write
    # the file at exit (it would overwrite the second's work; once this crashed the CLI with a heap corruption).
    warehouse = tmp_path / "w.duckdb"
    script = (f"LOAD '{ext}';\nSELECT status FROM cbh_ingest('{SEPT}');\n.open {warehouse}\n"
              "CREATE TABLE mine AS SELECT 1 AS y;\n")
    for _ in range(3):
        r = subprocess.run([os.path.join(os.path.dirname(sys.executable), "duckdb"), "-unsigned", str(warehouse)],
                           input=script, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and "corrupt" not in r.stderr and "free" not in r.stderr, r.stderr
        assert contents_cli(warehouse) == [1, 1]
        for f in (warehouse, str(warehouse) + ".wal"):
            if os.path.exists(f):
                os.remove(f)
