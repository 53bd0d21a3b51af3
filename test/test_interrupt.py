"""Ctrl-C during cbh_ingest, in both real hosts: the call stops at its next step, rolls back and says so; a call
that committed never reports an interruption; cbh's connections are usable afterwards."""
import json
import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from conftest import REPO, cli_binary

CHILD = r"""
import json, sys, duckdb
ext, warehouse, bill = sys.argv[1:4]
con = duckdb.connect(warehouse, config={"allow_unsigned_extensions": "true"})
con.execute(f"LOAD '{ext}'")
out = {}
try:
    try:
        out["rows"] = con.execute(f"SELECT rows FROM cbh_ingest('{bill}')").fetchall()
    except Exception as e:
        out["error"] = f"{type(e).__name__}: {e}"
        import time; time.sleep(0.5)   # the host's KeyboardInterrupt, if one is pending, comes now
except KeyboardInterrupt:
    out["error"] = "KeyboardInterrupt"
# cbh's connections are not left inside the rolled-back transaction: the same session ingests again.
out["again"] = con.execute(f"SELECT status, rows FROM cbh_ingest('{bill}')").fetchall()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def bill(tmp_path_factory):
    out = tmp_path_factory.mktemp("interrupt")
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_cur.py"), "--out", str(out), "--size-mb", "40"],
                   check=True, capture_output=True)
    return str(out / "cur-2024-09.csv")


def interrupt_at(cmd, phase, delay=0.0):
    """Runs cmd with CBH_TRACE=1, sends SIGINT once the trace shows `phase` (plus delay); returns rc, out, err."""
    env = dict(os.environ, CBH_TRACE="1")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            stdin=subprocess.DEVNULL)
    err = []
    for line in proc.stderr:
        err.append(line)
        if line.startswith("cbh[trace]") and line.split()[2] == phase:
            time.sleep(delay)
            proc.send_signal(signal.SIGINT)
            break
    out, rest = proc.communicate(timeout=120)
    return proc.returncode, out, "".join(err) + rest


def landed(warehouse):
    """Billing periods in the warehouse, read by another process (0 if cbh never created its schema)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'cbh'").fetchone()[0]:
            return 0
        return con.execute("SELECT count(*) FROM cbh.periods").fetchone()[0]
    finally:
        con.close()


def python_child(ext, warehouse, bill):
    return [sys.executable, "-c", CHILD, ext, str(warehouse), bill]


@pytest.mark.parametrize("phase", ["stage", "silver", "gold"])
def test_ctrl_c_in_python_stops_the_ingest_and_nothing_lands(ext, bill, tmp_path, phase):
    warehouse = tmp_path / "w.duckdb"
    rc, out, err = interrupt_at(python_child(ext, warehouse, bill), phase)
    assert rc == 0, err
    result = json.loads(out.strip().splitlines()[-1])  # after the progress bar
    # Python's own signal handling still runs: KeyboardInterrupt, or duckdb's "Query interrupted".
    assert result["error"] in ("KeyboardInterrupt", "RuntimeError: Query interrupted") or \
        "was interrupted (Ctrl-C)" in result["error"], result
    assert result["again"][0][0] == "ingested", result
    # The session went on and ingested it whole: exactly one period, and the first call left nothing behind.
    assert landed(warehouse) == 1


@pytest.mark.parametrize("phase", ["hash", "silver", "gold"])
def test_ctrl_c_in_the_cli_says_interrupted_and_nothing_lands(ext, bill, tmp_path, phase):
    warehouse = tmp_path / "w.duckdb"
    started = time.time()
    rc, out, err = interrupt_at([cli_binary(), "-unsigned", str(warehouse), "-c",
                                 f"LOAD '{ext}'; SELECT rows FROM cbh_ingest('{bill}');"], phase)
    assert rc == 1, (out, err)
    assert "cbh_ingest() was interrupted (Ctrl-C): it stopped and rolled back" in err, err
    assert landed(warehouse) == 0
    assert time.time() - started < 60


def test_the_venv_duckdb_command_is_the_cli_itself_so_it_gets_the_signal():
    # pip's entry point was a Python wrapper that killed the CLI 0.25 s after a Ctrl-C, before cbh could answer.
    with open(cli_binary(), "rb") as f:
        head = f.read(200)
    assert b"python" not in head.split(b"\n")[0], head


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1, 0.3])
def test_a_ctrl_c_at_the_commit_is_either_a_rollback_or_a_landed_bill_never_both(ext, bill, tmp_path, delay):
    warehouse = tmp_path / "w.duckdb"
    rc, out, err = interrupt_at([cli_binary(), "-unsigned", str(warehouse), "-c",
                                 f"LOAD '{ext}'; SELECT status FROM cbh_ingest('{bill}');"], "ledger", delay)
    periods = landed(warehouse)
    if "interrupted" in err:
        assert rc == 1 and periods == 0, (rc, periods, err)
    else:
        # Committed: the bill is there and nothing claims otherwise (the CLI may still end on the late Ctrl-C).
        assert periods == 1, (rc, periods, out, err)
