"""The watch loop: files dropped in the landing zone reach cbh_zombies() quickly, locks are retried."""
import os
import shutil
import subprocess
import sys
import time

import json
from decimal import Decimal

import duckdb
import pytest

from conftest import REPO, cli_binary, run_cli


def start_watcher(ext, landing, warehouse, log_path):
    landing.mkdir(exist_ok=True)
    log = open(log_path, "w+")
    env = dict(os.environ, DUCKDB=cli_binary(), CBH_EXTENSION=ext, CBH_POLL="0.3")
    proc = subprocess.Popen(["bash", os.path.join(REPO, "scripts", "watch.sh"), str(landing), str(warehouse)],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO, start_new_session=True)
    return proc, log


def stop_watcher(proc, log):
    os.killpg(proc.pid, 9)
    proc.wait()
    log.close()


@pytest.fixture
def watcher(ext, tmp_path):
    landing, warehouse = tmp_path / "landing_zone", tmp_path / "w.duckdb"
    proc, log = start_watcher(ext, landing, warehouse, tmp_path / "watch.log")
    yield landing, warehouse, tmp_path / "watch.log"
    stop_watcher(proc, log)


def zombies(ext, warehouse):
    """Zombie count as another process sees it, or None while the watcher holds the warehouse."""
    r = run_cli(["-unsigned", "-readonly", "-csv", "-noheader", str(warehouse)],
                f"LOAD '{ext}'; SELECT count(*) FROM cbh_zombies(rule := 'zero_usage');", timeout=30)
    return int(r.stdout.strip()) if r.returncode == 0 else None


def wait_for(predicate, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def test_dropped_file_is_visible_in_zombies_within_5_seconds(ext, watcher):
    landing, warehouse, log = watcher
    assert wait_for(lambda: "watching" in log.read_text(), 10)
    start = time.time()
    shutil.copy(os.path.join(REPO, "test", "data", "cur", "sept.csv"), landing / "sept.csv")
    assert wait_for(lambda: os.path.exists(warehouse) and zombies(ext, warehouse) == 2, 5), log.read_text()
    elapsed = time.time() - start
    assert elapsed < 5, f"took {elapsed:.1f} s"
    assert f"{landing}/sept.csv: ingested format=cur period=2024-09 rows=8" in log.read_text()


def test_redrop_and_bad_file_are_logged_with_their_status(ext, watcher):
    landing, warehouse, log = watcher
    shutil.copy(os.path.join(REPO, "test", "data", "cur", "sept.csv"), landing / "a.csv")
    assert wait_for(lambda: "a.csv: ingested" in log.read_text(), 10), log.read_text()
    shutil.copy(os.path.join(REPO, "test", "data", "cur", "sept.csv"), landing / "b.csv")
    shutil.copy(os.path.join(REPO, "test", "data", "bad", "bad_cost.csv"), landing / "it's bad.csv")
    assert wait_for(lambda: "b.csv: skipped" in log.read_text() and "it's bad.csv: rejected" in log.read_text(), 10)
    assert "line 4, column 15" in log.read_text()
    assert sum("[WATCHER]" in l and ".csv:" in l for l in log.read_text().splitlines()) == 3


def test_locked_warehouse_is_retried_and_the_file_lands_once(ext, watcher):
    landing, warehouse, log = watcher
    # the watcher's CLI (DuckDB 1.5.6) creates the warehouse, so both hosts can open it
    shutil.copy(os.path.join(REPO, "test", "data", "cur", "sept.csv"), landing / "sept.csv")
    assert wait_for(lambda: "sept.csv: ingested" in log.read_text(), 10), log.read_text()
    holder = duckdb.connect(str(warehouse))  # another writer holds the file lock
    shutil.copy(os.path.join(REPO, "test", "data", "cur", "oct-part1.csv"), landing / "oct.csv")
    assert wait_for(lambda: "locked by another process; retrying" in log.read_text(), 10), log.read_text()
    holder.close()
    assert wait_for(lambda: "oct.csv: ingested" in log.read_text(), 15), log.read_text()
    assert zombies(ext, warehouse) == 4
    assert log.read_text().count("oct.csv: ingested") == 1


def test_a_data_exports_delivery_lands_as_its_parts_then_its_manifest_arrive(ext, watcher, formats):
    landing, warehouse, log = watcher
    src = os.path.join(formats, "cur2", "parquet", "prefix", "cbh-export")
    dst = landing / "cbh-export"
    shutil.copytree(os.path.join(src, "data"), dst / "data")  # AWS writes the data first...
    assert wait_for(lambda: log.read_text().count(": ingested format=cur2") == 4, 15), log.read_text()
    shutil.copytree(os.path.join(src, "metadata"), dst / "metadata")  # ...then the manifests
    assert wait_for(lambda: log.read_text().count("Manifest.json: replaced format=manifest") == 2, 15), log.read_text()
    r = run_cli(["-unsigned", "-readonly", "-csv", "-noheader", str(warehouse)],
                f"LOAD '{ext}'; SELECT sum(line_items) FROM cbh_silver();", timeout=30)
    with open(os.path.join(formats, "truth.json")) as f:
        truth = json.load(f)
    assert int(r.stdout.strip()) == truth["2024-09"]["rows"] + truth["2024-10"]["rows"], r.stderr


def test_two_watch_loops_on_one_warehouse_retry_and_land_each_file_once(ext, tmp_path, generated):
    data, truths = generated
    warehouse = tmp_path / "w.duckdb"
    assert run_cli([str(warehouse)], "SELECT 1").returncode == 0  # created by the watchers' DuckDB (1.5.6)
    loops = [start_watcher(ext, tmp_path / f"landing{i}", warehouse, tmp_path / f"watch{i}.log") for i in (1, 2)]
    logs = [tmp_path / f"watch{i}.log" for i in (1, 2)]
    try:
        assert wait_for(lambda: all("watching" in log.read_text() for log in logs), 10)
        holder = duckdb.connect(str(warehouse))  # a third writer holds the lock while both files arrive
        files = 0
        for i, period in ((1, "2024-09"), (2, "2024-10")):
            for f in sorted(data.glob(f"cur-{period}*.csv")):
                shutil.copy(f, tmp_path / f"landing{i}" / f.name)
                files += 1
        assert wait_for(lambda: all("locked by another process; retrying" in log.read_text() for log in logs), 15)
        holder.close()
        text = lambda: "".join(log.read_text() for log in logs)  # noqa: E731
        assert wait_for(lambda: text().count(": ingested") == files, 60), text()
    finally:
        for proc, log in loops:
            stop_watcher(proc, log)
    r = run_cli(["-unsigned", "-readonly", "-csv", "-noheader", str(warehouse)],
                f"LOAD '{ext}'; SELECT file, count(*) FROM cbh.ledger WHERE status = 'ingested' GROUP BY 1; "
                "SELECT strftime(billing_period, '%Y-%m-%d') || '=' || billed_cost FROM cbh_silver();", timeout=30)
    lines = r.stdout.split()
    landed = [l for l in lines if l.endswith(",1") or l.endswith(",2")]
    assert len(landed) == files and all(l.endswith(",1") for l in landed), r.stdout  # each file exactly once
    for period, truth in truths.items():
        assert any(l.startswith(f"{period}=") and Decimal(l.split("=")[1]) == Decimal(truth["billed_cost"])
                   for l in lines), r.stdout
