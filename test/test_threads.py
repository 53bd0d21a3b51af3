"""Every core in use: DuckDB runs a table function on whichever of its threads takes the scan; when that is a
background worker, cbh lends DuckDB a thread of its own in the waiting client thread's place (src/capi/tasks.rs).
The spread this removes is measured by `make bench`; these tests check the lending happens, and that results and
errors are the same either way."""
import os
import subprocess
import sys

import pytest

from conftest import fault_extension_path

CODE = r"""
import duckdb, sys
con = duckdb.connect(sys.argv[1], config={"allow_unsigned_extensions": "true"})
con.execute(f"LOAD '{sys.argv[2]}'")
con.execute(f"SET threads = {sys.argv[4]}")
rows = con.execute("SELECT status, rows FROM cbh_ingest(?)", [sys.argv[3]]).fetchall()
total = con.execute("SELECT sum(BilledCost)::VARCHAR FROM cbh.silver_line_items").fetchone()[0]
print(rows, total)
"""


def traced(ext, db, pattern, threads=8, **env):
    """One ingest in a child process; more threads than cores make a worker take the scan more often."""
    env = dict(os.environ, CBH_TRACE="1", **env)
    return subprocess.run([sys.executable, "-c", CODE, db, ext, pattern, str(threads)], capture_output=True,
                          text=True, env=env, timeout=300)


def test_a_call_on_a_worker_lends_duckdb_a_thread(ext, generated, tmp_path):
    """Ten ingests of the same files: each runs either on the client thread, or on a worker with a thread lent;
    all give the same rows and the same exact total."""
    out, _ = generated
    seen, results = {"client": 0, "worker": 0}, set()
    for i in range(10):
        r = traced(ext, str(tmp_path / f"w{i}.duckdb"), str(out / "*.csv"), threads=[2, 8][i % 2])
        assert r.returncode == 0, r.stderr[-2000:]
        if "run on a worker thread" in r.stderr:
            seen["worker"] += 1
            assert "lent DuckDB a thread" in r.stderr, r.stderr[-2000:]
        else:
            assert "run on the client thread" in r.stderr, r.stderr[-2000:]
            assert "lent DuckDB a thread" not in r.stderr
            seen["client"] += 1
        results.add(r.stdout.strip().splitlines()[-1])  # after the progress bar, if it showed
    assert len(results) == 1, results
    print(f"runs on the client thread: {seen['client']}, on a worker (thread lent): {seen['worker']}")


@pytest.mark.parametrize("phase", ["silver", "gold"])
def test_a_panic_while_a_thread_is_lent_ends_the_call(generated, tmp_path, phase):
    """A fault injected mid-call (test build) ends it with an error and no hang, whichever thread it ran on, and the
    lent thread stops with it."""
    out, _ = generated
    for i in range(4):
        r = traced(fault_extension_path(), str(tmp_path / f"p{phase}{i}.duckdb"), str(out / "*.csv"), CBH_FAULT=phase)
        assert r.returncode != 0 and "CBH_FAULT" in r.stderr, (r.stdout, r.stderr[-2000:])
