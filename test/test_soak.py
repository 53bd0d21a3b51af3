"""Soak: threads ingesting and threads reading in one process for a sustained run (CBH_SOAK_SECONDS, default 60).

Six billing periods exist in eight versions each (a bill and its revisions). Ingest threads land random versions of
random periods, over and over (a call lands, replaces, or skips bytes that landed before); reader threads query cbh_zombies(), cbh_silver(),
cbh_status() and Silver itself. Every total a reader sees must be exactly one version's truth (never half a
delivery), no call may fail or hang, and at the end each period holds exactly the version the ledger says landed last.
"""
import json
import os
import random
import subprocess
import sys
import threading
import time
from decimal import Decimal

from conftest import REPO, record_figure

PERIODS = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
INGESTERS, READERS = 3, 3


def versions(root):
    """{period start: {file: truth}} for eight versions (seeds) of every period."""
    out = {}
    for seed in range(1, 9):
        folder = root / f"v{seed}"
        subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_cur.py"), "--out", str(folder),
                        "--size-mb", "0.3", "--periods", ",".join(PERIODS), "--seed", str(seed)],
                       check=True, capture_output=True)
        for ym in PERIODS:
            with open(folder / f"cur-{ym}.truth.json") as f:
                truth = json.load(f)
            out.setdefault(truth["billing_period"], {})[str(folder / f"cur-{ym}.csv")] = truth
    return out


def test_threads_ingesting_and_reading_for_a_sustained_run(connect, tmp_path):
    seconds = float(os.environ.get("CBH_SOAK_SECONDS", "60"))
    bills = versions(tmp_path)
    totals = {p: {Decimal(t["billed_cost"]) for t in v.values()} for p, v in bills.items()}
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute(f"SELECT * FROM cbh_ingest('{min(bills[min(bills)])}')").fetchall()  # the warehouse exists before readers start
    deadline = time.time() + seconds
    errors, counts, lock = [], {"ingests": 0, "landed": 0, "skipped": 0, "reads": 0}, threading.Lock()

    def count(key, n=1):
        with lock:
            counts[key] += n

    def ingester(seed):
        rng, cur = random.Random(seed), con.cursor()
        while time.time() < deadline and not errors:
            try:
                # one or two periods per call (two versions of one period in one call would be one delivery)
                periods = rng.sample(sorted(bills), rng.choice((1, 1, 2)))
                picked = [rng.choice(sorted(bills[p])) for p in periods]
                listed = ", ".join(f"'{f}'" for f in picked)
                for status, error in cur.execute(f"SELECT status, error FROM cbh_ingest([{listed}])").fetchall():
                    if status == "rejected":
                        raise AssertionError(error)
                    count("landed" if status in ("ingested", "replaced") else "skipped")
                count("ingests")
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(f"ingest: {e!r}")

    def reader():
        cur = con.cursor()
        while time.time() < deadline and not errors:
            try:
                seen = cur.execute("SELECT strftime(BillingPeriodStart, '%Y-%m-%d'), sum(BilledCost) "
                                   "FROM cbh.silver_line_items GROUP BY 1").fetchall()
                for period, total in seen:
                    if total not in totals[period]:
                        raise AssertionError(f"Silver total {total} for {period} is no version's")
                for period, billed in cur.execute(
                        "SELECT strftime(billing_period, '%Y-%m-%d'), billed_cost FROM cbh_silver()").fetchall():
                    if billed not in totals[period]:
                        raise AssertionError(f"cbh_silver() total {billed} for {period} is no version's")
                cur.execute("SELECT count(*), sum(cost) FROM cbh_zombies()").fetchone()
                cur.execute("SELECT * FROM cbh_status()").fetchall()
                count("reads")
            except Exception as e:  # noqa: BLE001
                errors.append(f"read: {e!r}")

    threads = [threading.Thread(target=ingester, args=(i,)) for i in range(INGESTERS)]
    threads += [threading.Thread(target=reader) for _ in range(READERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    hung = [t.name for t in threads if t.is_alive()]
    assert not hung, f"threads still running (deadlock?): {hung}"
    assert not errors, errors[:5]
    assert counts["ingests"] > 0 and counts["reads"] > 0, counts

    # Each period holds exactly the version whose file landed last.
    last = dict(con.execute("""
        SELECT strftime(billing_period, '%Y-%m-%d'), arg_max(file, ledger_id)
        FROM cbh.ledger WHERE status IN ('ingested', 'replaced') GROUP BY 1""").fetchall())
    silver = dict(con.execute("SELECT strftime(billing_period, '%Y-%m-%d'), billed_cost FROM cbh_silver()").fetchall())
    zombies = dict(con.execute(
        "SELECT strftime(billing_period, '%Y-%m-%d'), count(*) FROM cbh_zombies(rule := 'zero_usage', min_cost := 0) GROUP BY 1"
    ).fetchall())
    assert set(silver) == set(last)
    for period, file in last.items():
        truth = bills[period][file]
        assert silver[period] == Decimal(truth["billed_cost"]), period
        assert zombies.get(period, 0) == len(truth["zombies"]), period
    record_figure("soak", seconds=seconds, ingest_threads=INGESTERS, reader_threads=READERS, periods=len(PERIODS),
                  **counts, errors=len(errors), result="every read one version's exact total; final state exact")
