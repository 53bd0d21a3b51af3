"""The watch loop: files dropped in the landing zone reach cbh_zombies() quickly, once the folder has settled;
locks and unreadable files are retried; litter is never passed; the command line is checked."""
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


WATCH = os.path.join(REPO, "scripts", "watch.sh")
CUR = os.path.join(REPO, "test", "data", "cur")


def start_watcher(ext, landing, warehouse, log_path, prefix=(), **settings):
    """Starts the watch loop with short settle and retry times (a setting given as None takes the script's
    default); prefix runs it under another command (setpriv)."""
    landing.mkdir(exist_ok=True)
    log = open(log_path, "w+")
    env = {**os.environ, "DUCKDB": cli_binary(), "CBH_EXTENSION": ext, "CBH_POLL": "0.3", "CBH_SETTLE": "1",
           "CBH_RETRY": "1", **settings}
    env = {name: value for name, value in env.items() if value is not None}
    proc = subprocess.Popen([*prefix, "bash", WATCH, str(landing), str(warehouse)],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO, start_new_session=True)
    return proc, log


def stop_watcher(proc, log):
    os.killpg(proc.pid, 9)
    proc.wait()
    log.close()


@pytest.fixture
def watch(ext, tmp_path):
    """Starts a watch loop on tmp_path/landing_zone into tmp_path/w.duckdb (start_watcher's settings); stops it after.
    Returns the landing folder, the warehouse and the log."""
    started = []

    def _watch(prefix=(), **settings):
        landing, warehouse, log = tmp_path / "landing_zone", tmp_path / "w.duckdb", tmp_path / "watch.log"
        started.append(start_watcher(ext, landing, warehouse, log, prefix, **settings))
        return landing, warehouse, log

    yield _watch
    for proc, log in started:
        stop_watcher(proc, log)


@pytest.fixture
def watcher(watch):
    return watch()


def zombies(ext, warehouse):
    """Zombie count as another process sees it, or None while the watcher holds the warehouse."""
    r = run_cli(["-unsigned", "-readonly", "-csv", "-noheader", str(warehouse)],
                f"LOAD '{ext}'; SELECT count(*) FROM cbh_zombies(rule := 'zero_usage', min_cost := 0);", timeout=30)
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
    landing, warehouse, log = watcher  # CBH_SETTLE=1: with the default 3 s, add 2 s
    assert wait_for(lambda: "watching" in log.read_text(), 10)
    start = time.time()
    shutil.copy(os.path.join(CUR, "sept.csv"), landing / "sept.csv")
    assert wait_for(lambda: os.path.exists(warehouse) and zombies(ext, warehouse) == 2, 5), log.read_text()
    elapsed = time.time() - start
    assert elapsed < 5, f"took {elapsed:.1f} s"
    assert f"{landing}/sept.csv: ingested format=cur period=2024-09 rows=8" in log.read_text()


def test_redrop_and_bad_file_are_logged_with_their_status(ext, watcher):
    landing, warehouse, log = watcher
    shutil.copy(os.path.join(CUR, "sept.csv"), landing / "a.csv")
    assert wait_for(lambda: "a.csv: ingested" in log.read_text(), 10), log.read_text()
    shutil.copy(os.path.join(CUR, "sept.csv"), landing / "b.csv")
    shutil.copy(os.path.join(REPO, "test", "data", "bad", "bad_cost.csv"), landing / "it's bad.csv")
    assert wait_for(lambda: "b.csv: skipped" in log.read_text() and "it's bad.csv: rejected" in log.read_text(), 10)
    assert "line 4, column 15" in log.read_text()
    time.sleep(2.5)  # a file rejected for its content is not retried (a retried one would be, after CBH_RETRY=1 s)
    assert sum("[WATCHER]" in l and ".csv:" in l for l in log.read_text().splitlines()) == 3, log.read_text()


def test_locked_warehouse_is_retried_and_the_file_lands_once(ext, watcher):
    landing, warehouse, log = watcher
    # the watcher's CLI (DuckDB 1.5.6) creates the warehouse, so both hosts can open it
    shutil.copy(os.path.join(CUR, "sept.csv"), landing / "sept.csv")
    assert wait_for(lambda: "sept.csv: ingested" in log.read_text(), 10), log.read_text()
    holder = duckdb.connect(str(warehouse))  # another writer holds the file lock
    shutil.copy(os.path.join(CUR, "oct-part1.csv"), landing / "oct.csv")
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


def silver_line_items(ext, warehouse):
    r = run_cli(["-unsigned", "-readonly", "-csv", "-noheader", str(warehouse)],
                f"LOAD '{ext}'; SELECT coalesce(sum(line_items), 0) FROM cbh_silver();", timeout=30)
    assert r.returncode == 0, r.stderr
    return int(r.stdout.strip())


def test_a_file_whose_call_gave_up_on_the_lock_lands_on_a_later_scan_untouched(ext, watch):
    landing, warehouse, log = watch(CBH_LOCK_RETRIES="2")
    assert run_cli([str(warehouse)], "SELECT 1").returncode == 0  # created by the watcher's DuckDB (1.5.6)
    holder = duckdb.connect(str(warehouse))  # another writer holds the file lock
    try:
        shutil.copy(os.path.join(CUR, "sept.csv"), landing / "sept.csv")
        assert wait_for(lambda: "gave up after 2 attempts" in log.read_text(), 15), log.read_text()
    finally:
        holder.close()
    # the file is not touched again: the watch loop retries it by itself
    assert wait_for(lambda: "sept.csv: ingested" in log.read_text(), 15), log.read_text()
    assert "the warehouse stayed locked; will retry 1 file(s) in 1s" in log.read_text()
    assert zombies(ext, warehouse) == 2
    assert log.read_text().count("sept.csv: ingested") == 1


def test_an_unreadable_file_is_set_aside_and_its_delivery_lands_once_it_can_be_read(ext, watch, formats, tmp_path):
    # root reads any file: run the watch loop without the capabilities that let it (dac_override, dac_read_search)
    prefix = ()
    if os.geteuid() == 0:
        prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
        if not shutil.which("setpriv") or subprocess.run([*prefix, "true"]).returncode != 0:
            pytest.skip("running as root, and setpriv cannot drop dac_override: no file is unreadable to root")
    landing, warehouse, log = watch(prefix)
    period = "20240901-20241001"
    delivery = os.path.join(formats, "cur", "prefix", "cbh-report", period)
    staged = tmp_path / "staged"
    shutil.copytree(delivery, staged)  # the manifest and its two parts, in their assembly folder
    part2 = next(staged.glob("*/cbh-report-00002.csv.gz"))
    part2.chmod(0)
    shutil.copy(os.path.join(CUR, "oct-part1.csv"), landing / "oct.csv")  # another delivery, in the same call
    staged.rename(landing / period)
    part2 = landing / period / part2.relative_to(staged)
    text = log.read_text
    assert wait_for(lambda: "oct.csv: ingested" in text(), 15), text()  # the unreadable file does not hold it up
    assert wait_for(lambda: "is incomplete" in text(), 15), text()  # the manifest cannot read its part: retried
    assert "will retry" in text(), text()
    part2.chmod(0o644)  # readable now; neither its size nor its modification time changed
    assert wait_for(lambda: "cbh-report-Manifest.json: ingested format=manifest" in text(), 15), text()
    with open(os.path.join(formats, "truth.json")) as f:
        truth = json.load(f)
    assert silver_line_items(ext, warehouse) == truth["2024-09"]["rows"] + 2


def test_two_parts_that_arrive_1_2_seconds_apart_land_as_one_delivery(ext, watch):
    landing, warehouse, log = watch(CBH_SETTLE=None)  # the default settle time, 3 s
    assert wait_for(lambda: "watching" in log.read_text(), 10)
    shutil.copy(os.path.join(CUR, "oct-part1.csv"), landing / "oct-part1.csv")
    time.sleep(1.2)
    shutil.copy(os.path.join(CUR, "oct-part2.csv"), landing / "oct-part2.csv")
    assert wait_for(lambda: log.read_text().count(": ingested format=cur period=2024-10") == 2, 10), log.read_text()
    assert "replaced" not in log.read_text(), log.read_text()
    assert silver_line_items(ext, warehouse) == 4  # two rows in each part
    assert "(settle 3s)" in log.read_text()


def test_os_litter_and_aws_companion_files_are_not_passed(ext, watcher):
    landing, warehouse, log = watcher
    litter = [".DS_Store", "._sept.csv", "Thumbs.db", "desktop.ini", "cbh-report-RedshiftManifest.json",
              "cbh-report-RedshiftCommands.sql", "crawler-cfn.yml",
              "cost_and_usage_data_status/cost_and_usage_data_status.parquet"]
    for name in litter:
        (landing / name).parent.mkdir(exist_ok=True)
        (landing / name).write_bytes(b"\x00\x05\x16\x07 not a bill")
    shutil.copy(os.path.join(CUR, "sept.csv"), landing / "sept.csv")
    assert wait_for(lambda: "sept.csv: ingested" in log.read_text(), 10), log.read_text()
    time.sleep(1.5)  # one more settle time: nothing else is passed later either
    lines = [l for l in log.read_text().splitlines() if str(landing) in l and "watching" not in l]
    assert len(lines) == 1, log.read_text()


@pytest.mark.parametrize("option", ["--help", "-h"])
def test_help_prints_the_usage_and_exits_0(option, tmp_path):
    r = subprocess.run(["bash", WATCH, option], cwd=tmp_path, capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    assert "scripts/watch.sh [LANDING_DIR] [WAREHOUSE]" in r.stdout
    for name in ("DUCKDB", "CBH_EXTENSION", "CBH_POLL", "CBH_SETTLE", "CBH_RETRY", "CBH_LOCK_RETRIES", "CBH_ONCE"):
        assert name in r.stdout
    assert os.listdir(tmp_path) == []  # it watched nothing


@pytest.mark.parametrize("args", [["--landing", "x"], ["-x"], ["a", "b", "c"]])
def test_an_unknown_option_or_a_third_argument_is_an_error_with_the_usage(args, tmp_path):
    r = subprocess.run(["bash", WATCH, *args], cwd=tmp_path, capture_output=True, text=True, timeout=10)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "watch.sh: " in r.stderr and "scripts/watch.sh [LANDING_DIR] [WAREHOUSE]" in r.stderr
    assert os.listdir(tmp_path) == []


def test_a_delivery_that_brings_a_spend_anomaly_logs_it_once(ext, watcher):
    landing, warehouse, log = watcher
    anomalies = os.path.join(REPO, "test", "data", "anomalies")
    for name in ("daily-2024-09.csv", "daily-2024-10.csv"):
        shutil.copy(os.path.join(anomalies, name), landing / name)
    # the line says what cbh_anomalies() says of the same two files: the day's spend as the file has it, the
    # injected 1500 USD jump give or take the noise, p4d.24xlarge behind most of it
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{ext}'")
    con.execute("SELECT * FROM cbh_ingest($1)", [[str(landing / n) for n in ("daily-2024-09.csv", "daily-2024-10.csv")]]
                ).fetchall()
    actual, expected, impact, drivers = con.execute(
        "SELECT cbh.num(actual_cost), cbh.num(expected_cost), cbh.num(impact), top_drivers FROM cbh_anomalies() "
        "WHERE day = '2024-10-14'").fetchone()
    spent = con.execute("""SELECT cbh.num(sum("lineItem/UnblendedCost"::DECIMAL(38, 18))) FROM read_csv($1, all_varchar
                           = true) WHERE "lineItem/UsageStartDate" LIKE '2024-10-14%' AND "lineItem/ProductCode" =
                           'AmazonEC2' AND "lineItem/LineItemType" = 'Usage'""",
                        [os.path.join(anomalies, "daily-2024-10.csv")]).fetchone()[0]
    con.close()
    assert actual == spent and abs(Decimal(impact) - 1500) < 60 and drivers.startswith("BoxUsage:p4d.24xlarge")
    want = (f"[WATCHER] anomaly: Amazon Elastic Compute Cloud on 2024-10-14 spent {actual} USD against an expected "
            f"{expected} (spike, +{impact}; {drivers})")
    assert wait_for(lambda: want in log.read_text(), 20), log.read_text()
    # a revised October (other line item IDs, the same spend) replaces it and brings the same anomaly: not logged
    # again
    with open(os.path.join(anomalies, "daily-2024-10.csv")) as f:
        revised = f.read().replace("\na", "\nrev-a")
    (landing / "daily-2024-10.csv").write_text(revised)
    assert wait_for(lambda: "daily-2024-10.csv: replaced" in log.read_text(), 20), log.read_text()
    time.sleep(1)
    assert log.read_text().count("anomaly: Amazon Elastic Compute Cloud on 2024-10-14") == 1, log.read_text()
