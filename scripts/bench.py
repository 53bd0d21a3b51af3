#!/usr/bin/env python3
"""`make bench`: cbh against DuckDB alone on the same files, on this machine, in one run.

    bench.py --ext EXT --data DIR [--size-mb 1000] [--big-mb 10000] [--reps 5] [--out bench/results.md]

Measures (medians of --reps runs, ratios against the baseline measured in the same run):
  1. cbh_ingest (Bronze + Silver + Gold) of a legacy CUR file vs the same medallion written by hand in plain DuckDB
     (bench/medallion.sql), in Python and in the CLI, on default settings, progress bar on and off, with the spread
     (slowest / fastest run); CREATE TABLE AS read_csv(all_varchar = true) is the physical floor
  2. re-drop of the unchanged file
  3. a revised delivery of the same period (replacement) vs its plain load
  4. cbh_zombies() and cbh_silver() on a warehouse of 10 M line items
  5. drop -> visible in cbh_zombies() through the watch loop, 10 MB daily file
  6. peak resident memory of a --big-mb ingest with SET memory_limit = '2GB' (0 skips it)
  7. SHA-256 throughput of the fingerprinting code (its "hashed" note in CBH_TRACE), and whether it overlaps parsing
  8. cbh_anomalies() and the daily spend table's share of an ingest, on the 10 M warehouse and on a large daily CUR
     (scripts/bench_anomalies.py)
  and how cost grows: ingest time and warehouse size at 0.1, 0.5, 1 and 2 GB.
Timings are reported, never judged pass/fail. Inputs come from scripts/gen_cur.py (deterministic).
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

import duckdb

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAYER = "111111111111"


def gen(out, size_mb, periods="2024-09", seed=42, name="cur"):
    """Generates (once) legacy CUR files; returns them."""
    os.makedirs(out, exist_ok=True)
    files = [os.path.join(out, f"{name}-{p}.csv") for p in periods.split(",")]
    if not all(os.path.exists(f) for f in files):
        subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_cur.py"), "--out", out, "--size-mb",
                        str(size_mb), "--periods", periods, "--seed", str(seed), "--name", name], check=True,
                       capture_output=True)
    return files


RUNS = [0]


def fresh(path):
    """A new database file next to `path`: a unique name, because an instance cbh has not released yet (it notices
    a close within 0.2 s) would be handed out again for the same path."""
    RUNS[0] += 1
    stem, ext = os.path.splitext(path)
    path = f"{stem}-{os.getpid()}-{RUNS[0]}{ext}"
    for p in (path, path + ".wal"):
        if os.path.exists(p):
            os.remove(p)
    return path


def drop(path):
    for p in (path, path + ".wal"):
        if os.path.exists(p):
            os.remove(p)


def connect(path, ext):
    con = duckdb.connect(path, config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{ext}'")
    return con


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def ingest_sql(files):
    return "SELECT status, rows FROM cbh_ingest([" + ", ".join(f"'{f}'" for f in files) + "])"


def median(xs):
    return statistics.median(xs)


def baseline(file, work, reps):
    times = []
    for _ in range(reps):
        path = fresh(os.path.join(work, "baseline.duckdb"))
        con = duckdb.connect(path)
        t, _ = timed(lambda: con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{file}', all_varchar = true)"))
        con.close()
        drop(path)
        times.append(t)
    return median(times)


MEDALLION = os.path.join(REPO, "bench", "medallion.sql")


def medallion(file, work):
    """Seconds of the hand-written medallion (Python) on a new database."""
    path = fresh(os.path.join(work, "medallion.duckdb"))
    con = duckdb.connect(path)
    sql = open(MEDALLION).read().replace("{file}", file.replace("'", "''"))
    t, _ = timed(lambda: con.execute(sql))
    con.close()
    drop(path)
    return t


def cli(sql, path, env=None):
    """Wall seconds of one duckdb CLI run of `sql` on `path` (the process's start included, on both sides)."""
    binary = os.path.join(os.path.dirname(sys.executable), "duckdb")
    t, r = timed(lambda: subprocess.run([binary, "-unsigned", path, "-c", sql], capture_output=True, text=True,
                                        env=env))
    assert r.returncode == 0, r.stderr[-1000:]
    return t, r.stdout, r.stderr


def medallion_cli(file, work):
    path = fresh(os.path.join(work, "medallion-cli.duckdb"))
    t, _, _ = cli(open(MEDALLION).read().replace("{file}", file.replace("'", "''")), path)
    drop(path)
    return t


def ingest_cli(file, work, ext):
    path = fresh(os.path.join(work, "cli.duckdb"))
    t, out, _ = cli(f"LOAD '{ext}'; {ingest_sql([file])};", path)
    assert "ingested" in out, out
    drop(path)
    return t


def spread(xs):
    return max(xs) / min(xs)


def ingest_fresh(files, work, ext, reps, name="w.duckdb", setup=None):
    """Median seconds of a full cbh_ingest into a new warehouse (after `setup` SQL); the last warehouse is kept."""
    times, path = [], None
    for _ in range(reps):
        if path:
            drop(path)
        path = fresh(os.path.join(work, name))
        con = connect(path, ext)
        if setup:
            con.execute(setup)
        t, rows = timed(lambda: con.execute(ingest_sql(files)).fetchall())
        assert all(s == "ingested" for s, _ in rows), rows
        con.close()
        times.append(t)
    return median(times), path


def phase_seconds(file, work, ext, host="python"):
    """Per-phase seconds of one traced ingest (CBH_TRACE=1, in a child process of `host`: python or cli)."""
    code = ("import duckdb,sys; c=duckdb.connect(sys.argv[1], config={'allow_unsigned_extensions':'true'}); "
            "c.execute(\"LOAD '\" + sys.argv[2] + \"'\"); c.execute(sys.argv[3]).fetchall()")
    env = dict(os.environ, CBH_TRACE="1")
    db = fresh(os.path.join(work, "trace.duckdb"))
    if host == "cli":
        stderr = cli(f"LOAD '{ext}'; {ingest_sql([file])};", db, env)[2]
    else:
        stderr = subprocess.run([sys.executable, "-c", code, db, ext, ingest_sql([file])], capture_output=True,
                                text=True, env=env, check=True).stderr
    drop(db)
    marks = [(float(t), p) for t, p in re.findall(r"cbh\[trace\] \+([0-9.]+)s (\w+)", stderr)]
    out = {}
    for (t, p), (t2, _) in zip(marks, marks[1:]):
        out[p] = out.get(p, 0) + (t2 - t)
    # Hashing runs on its own thread while DuckDB stages the file: its own note gives bytes and seconds.
    hashed = re.search(r"hashed (\d+) bytes in ([0-9.]+) s", stderr)
    return out, (int(hashed[1]) / 1e9 / float(hashed[2]) if hashed else float("nan"))


def watch_latency(ext, work, daily_mb):
    """Seconds from dropping a daily file into the watched folder until cbh_zombies() shows it."""
    landing = os.path.join(work, "landing")
    shutil.rmtree(landing, ignore_errors=True)
    os.makedirs(landing)
    warehouse = fresh(os.path.join(work, "watch.duckdb"))
    daily = gen(os.path.join(work, "daily"), daily_mb, "2024-11", seed=9, name="daily")[0]
    cli = os.path.join(os.path.dirname(sys.executable), "duckdb")
    env = dict(os.environ, DUCKDB=cli, CBH_EXTENSION=ext, CBH_POLL="0.2", CBH_SETTLE="0")
    log = open(os.path.join(work, "watch.log"), "w+")
    proc = subprocess.Popen(["bash", os.path.join(REPO, "scripts", "watch.sh"), landing, warehouse], stdout=log,
                            stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        time.sleep(1.5)
        start = time.perf_counter()
        shutil.copy(daily, os.path.join(landing, "daily.csv"))
        while time.perf_counter() - start < 60:
            r = subprocess.run([cli, "-unsigned", "-readonly", "-csv", "-noheader", warehouse, "-c",
                                f"LOAD '{ext}'; SELECT count(*) FROM cbh_zombies();"], capture_output=True,
                               text=True)
            if r.returncode == 0 and r.stdout.strip() not in ("", "0"):
                return time.perf_counter() - start
            time.sleep(0.05)
        return float("nan")
    finally:
        os.killpg(proc.pid, 9)
        proc.wait()
        log.close()


def peak_rss(file, work, ext):
    """Peak RSS (bytes) and seconds of an ingest with memory_limit = 2GB, in a child process.

    The peak is the child's own VmHWM (/proc/self/status), not getrusage's ru_maxrss: Linux carries the parent's
    high-water mark into a child across fork and exec, so ru_maxrss reported this (large) bench process's peak."""
    code = ("import duckdb,sys,time; c=duckdb.connect(sys.argv[1], "
            "config={'allow_unsigned_extensions':'true'}); "
            "c.execute(\"LOAD '\" + sys.argv[2] + \"'\"); c.execute(\"SET memory_limit = '2GB'\"); "
            "c.execute('SET enable_progress_bar = false'); "
            "t=time.time(); r=c.execute(sys.argv[3]).fetchall(); "
            "hwm=[int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]; "
            "print(time.time()-t, hwm * 1024, r)")
    path = fresh(os.path.join(work, "big.duckdb"))
    r = subprocess.run([sys.executable, "-c", code, path, ext, ingest_sql([file])], capture_output=True, text=True)
    drop(path)
    ok = r.returncode == 0 and "ingested" in r.stdout
    seconds, rss = (float(x) for x in r.stdout.strip().splitlines()[-1].split()[:2]) if ok else (float("nan"),) * 2
    return ok, rss, seconds, r.stderr[-500:]


def machine(ext):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    con = connect(":memory:", ext)
    version = con.execute("SELECT version()").fetchone()[0]
    con.close()
    return {"cores": os.cpu_count(), "cpu": cpu, "duckdb": f"{version} (Python duckdb {duckdb.__version__})",
            "system": f"{platform.system()} {platform.release()}", "date": datetime.date.today().isoformat()}


def main():
    import bench_anomalies  # it imports this module's helpers

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ext", required=True)
    p.add_argument("--data", default="data/bench")
    p.add_argument("--size-mb", type=float, default=1000)
    p.add_argument("--big-mb", type=float, default=10000)
    p.add_argument("--zombie-rows", type=int, default=10_000_000)
    p.add_argument("--anomaly-resources", type=int, default=200_000,
                   help="resources of the daily CUR for row 8 (scripts/gen_daily.py; 200000: ~35 M line items; 0 skips)")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--scale", default="100,500,1000,2000", help="MB sizes for the growth table ('' skips it)")
    p.add_argument("--out", default=os.path.join(REPO, "bench", "results.md"))
    a = p.parse_args()
    ext, data = os.path.abspath(a.ext), os.path.abspath(a.data)
    work = os.path.join(data, "work")
    os.makedirs(work, exist_ok=True)
    rows, notes = [], []

    def row(what, value, target="", ratio=""):
        rows.append((what, value, target, ratio))
        print(f"  {what}: {value} {ratio}", flush=True)

    size = int(a.size_mb)
    main_file = gen(os.path.join(data, f"{size}mb"), a.size_mb)[0]
    gb = os.path.getsize(main_file) / 1e9
    print(f"bench: {main_file} ({gb:.2f} GB), {a.reps} repetitions", flush=True)

    # Alternated, so that every side sees the same machine: on a shared VM, speed drifts between runs.
    t = {k: [] for k in ("floor", "hand", "cbh", "cbh_nobar", "hand_cli", "cbh_cli")}
    warehouse = None
    for _ in range(a.reps):
        t["floor"].append(baseline(main_file, work, 1))
        t["hand"].append(medallion(main_file, work))
        if warehouse:
            drop(warehouse)
        s, warehouse = ingest_fresh([main_file], work, ext, 1)
        t["cbh"].append(s)
        s, path = ingest_fresh([main_file], work, ext, 1, "nobar.duckdb", "SET enable_progress_bar = false")
        drop(path)
        t["cbh_nobar"].append(s)
        t["hand_cli"].append(medallion_cli(main_file, work))
        t["cbh_cli"].append(ingest_cli(main_file, work, ext))
    m = {k: median(v) for k, v in t.items()}
    runs = lambda k: f"{m[k]:.2f} s (runs {min(t[k]):.2f} to {max(t[k]):.2f} s, spread {spread(t[k]):.2f})"
    row(f"DuckDB alone (the floor): CTAS read_csv(all_varchar) of {gb:.2f} GB", runs("floor"))
    row(f"1. hand-written medallion in plain DuckDB (bench/medallion.sql), Python", runs("hand"), "the yardstick",
        f"{m['hand'] / m['floor']:.2f} x the floor")
    row("1. cbh_ingest, Python, default settings", runs("cbh"), "<= 1.0 x the medallion, spread <= 1.15",
        f"{m['cbh'] / m['hand']:.2f} x the medallion ({m['cbh'] / m['floor']:.2f} x the floor)")
    row("1a. cbh_ingest, Python, SET enable_progress_bar = false", runs("cbh_nobar"),
        "<= 1.0 x the medallion, spread <= 1.15", f"{m['cbh_nobar'] / m['hand']:.2f} x the medallion")
    row("1c. hand-written medallion, duckdb CLI 1.5.6 (wall time of the process)", runs("hand_cli"))
    row("1c. cbh_ingest, duckdb CLI 1.5.6 (wall time of the process)", runs("cbh_cli"), "<= 1.0 x the medallion",
        f"{m['cbh_cli'] / m['hand_cli']:.2f} x the CLI medallion")
    steady = None
    phases, hash_gbps = phase_seconds(main_file, work, ext)
    for host, p in (("Python", phases), ("the CLI", phase_seconds(main_file, work, ext, "cli")[0])):
        notes.append(f"Phases of one traced ingest in {host} (s): " + ", ".join(f"{k} {v:.2f}" for k, v in p.items()
                                                                             if v >= 0.005))
    if "daily" in phases:
        row("8. Gold's daily spend (the `daily` phase, with the period summary) in one ingest",
            f"{phases['daily']:.2f} s", "< 5 % of the ingest", f"{phases['daily'] / sum(phases.values()) * 100:.1f} %")

    con = connect(warehouse, ext)
    redrop = median([timed(lambda: con.execute(ingest_sql([main_file])).fetchall())[0] for _ in range(a.reps)])
    row("2. re-drop of the unchanged file", f"{redrop * 1000:.0f} ms", "< 50 ms")
    revised_file = gen(os.path.join(data, f"{size}mb-revised"), a.size_mb, seed=43, name="revised")[0]
    con.close()
    revised = []
    time.sleep(0.5)  # cbh lets go of the warehouse (checkpointed) before it is copied
    for _ in range(a.reps):
        copy = fresh(os.path.join(work, "rev.duckdb"))
        shutil.copy(warehouse, copy)
        if os.path.exists(warehouse + ".wal"):
            shutil.copy(warehouse + ".wal", copy + ".wal")
        con = connect(copy, ext)
        t, r = timed(lambda: con.execute(ingest_sql([revised_file])).fetchall())
        assert r[0][0] == "replaced", r
        con.close()
        revised.append(t)
        drop(copy)
    plain, _ = ingest_fresh([revised_file], work, ext, a.reps, "plain.duckdb", steady)
    row("3. revised delivery of the same period (replaces it) vs its plain load", f"{median(revised):.2f} s",
        "<= 1.3x its plain load", f"{median(revised) / plain:.2f} (plain {plain:.2f} s)")

    # 4. A warehouse of about 10 M line items: several periods.
    per_gb = 1_900_000  # line items in 1 GB of gen_cur output
    n = min(12, max(1, -(-a.zombie_rows // per_gb)))
    per_file = min(1000.0, a.zombie_rows / per_gb * 1000 / n)
    months = ",".join(f"2023-{m:02d}" for m in range(1, n + 1))
    big = gen(os.path.join(data, f"zombies-{a.zombie_rows}"), per_file, months, seed=7)
    zw = os.path.join(work, f"zombies-{a.zombie_rows}.duckdb")
    if not os.path.exists(zw):
        con = connect(zw, ext)
        con.execute(ingest_sql(big)).fetchall()
        con.close()
    con = connect(zw, ext)
    items = con.execute("SELECT count(*) FROM cbh.silver_line_items").fetchone()[0]
    con.execute("SELECT * FROM cbh_zombies()").fetchall()
    z = median([timed(lambda: con.execute("SELECT * FROM cbh_zombies()").fetchall())[0] for _ in range(5)])
    s = median([timed(lambda: con.execute("SELECT * FROM cbh_silver()").fetchall())[0] for _ in range(5)])
    daily = con.execute("SELECT count(*) FROM cbh.gold_daily").fetchone()[0]
    con.execute("SELECT * FROM cbh_anomalies()").fetchall()
    an = median([timed(lambda: con.execute("SELECT * FROM cbh_anomalies()").fetchall())[0] for _ in range(5)])
    con.close()
    row(f"4. cbh_zombies() on {items / 1e6:.1f} M line items", f"{z * 1000:.0f} ms", "< 100 ms")
    row("4. cbh_silver(), nothing stale", f"{s * 1000:.0f} ms", "< 50 ms")
    row(f"8. cbh_anomalies() on the same warehouse ({daily} rows of daily spend)", f"{an * 1000:.0f} ms",
        "< 100 ms (the claim: < 1 s)")

    if a.anomaly_resources > 0:
        bench_anomalies.run(row, notes, data, ext, a.anomaly_resources, a.reps)

    row("5. 10 MB daily file: drop -> visible in cbh_zombies() (watch loop, CBH_SETTLE=0)",
        f"{watch_latency(ext, work, 10):.2f} s", "< 2 s")

    if a.big_mb > 0:
        big_file = gen(os.path.join(data, f"{int(a.big_mb)}mb"), a.big_mb, seed=11)[0]
        ok, rss, secs, err = peak_rss(big_file, work, ext)
        row(f"6. {os.path.getsize(big_file) / 1e9:.1f} GB ingest, memory_limit = '2GB'",
            f"{'completed' if ok else 'FAILED'} in {secs:.0f} s, peak RSS {rss / 2**30:.2f} GiB", "RSS < 3 GB")
        if not ok:
            notes.append(f"The large ingest failed: {err}")

    row("7. SHA-256 of the fingerprinting code (through DuckDB's file system)", f"{hash_gbps:.2f} GB/s", "",
        "overlaps parsing: yes (a second thread hashes while DuckDB stages the file)")

    growth = []
    for mb in [float(x) for x in a.scale.split(",") if x]:
        f = gen(os.path.join(data, f"{int(mb)}mb"), mb)[0]
        t, path = ingest_fresh([f], work, ext, a.reps, "scale.duckdb", steady)
        time.sleep(0.5)  # released and checkpointed: the file holds everything
        growth.append((os.path.getsize(f) / 1e9, t, os.path.getsize(path) / 1e9))
        drop(path)
        print(f"  growth: {growth[-1]}", flush=True)

    m = machine(ext)
    lines = [f"# cbh benchmark results", "",
             f"{m['date']}, {m['cores']} cores ({m['cpu']}), {m['system']}, {m['duckdb']}; medians of {a.reps} "
             f"runs; input: legacy CUR from scripts/gen_cur.py.", "",
             "| measurement | result | target | ratio / note |", "|---|---|---|---|"]
    lines += [f"| {w} | {v} | {t} | {r} |" for w, v, t, r in rows]
    if growth:
        lines += ["", f"Growth (medians of {a.reps} runs, default settings):", "", "| input (GB) | cbh_ingest (s) | s per GB | warehouse (GB) |",
                  "|---|---|---|---|"]
        lines += [f"| {g:.2f} | {t:.2f} | {t / g:.2f} | {w:.2f} |" for g, t, w in growth]
    lines += [""] + [f"- {n}" for n in notes] + [""]
    text = "\n".join(lines)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
