#!/usr/bin/env python3
"""Row 8 of `make bench`: spend anomalies on a warehouse of a large daily CUR (scripts/gen_daily.py: about 35 M line
items, 10 GB, three months), and what Gold's daily spend costs an ingest of one of its months.

    bench_anomalies.py --ext EXT [--data data/bench] [--resources 200000] [--reps 5]

Run alone it prints its rows; `make bench` (scripts/bench.py) puts them in bench/results.md. Timings are reported,
never judged pass/fail.
"""
import argparse
import os
import subprocess
import sys

from bench import REPO, connect, median, phase_seconds, timed

# What is timed: the default call (by service), every other dimension of the daily table, and those read from Silver.
CALLS = ["", "dimension := 'usage_type'", "dimension := 'sub_account', direction := 'both'",
         "dimension := 'resource'", "dimension := 'tag:team'"]


def run(row, notes, data, ext, resources=200_000, reps=5):
    """Adds row 8's measurements through `row(what, value, target, ratio)` and `notes`."""
    work = os.path.join(data, "work")
    folder = os.path.join(data, f"daily-{resources}")
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_daily.py"), folder, "--resources",
                    str(resources)], check=True)
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".csv"))
    gb = sum(os.path.getsize(f) for f in files) / 1e9
    path = os.path.join(work, f"daily-{resources}.duckdb")
    if not os.path.exists(path):
        con = connect(path, ext)
        seconds, _ = timed(lambda: con.execute(f"SELECT * FROM cbh_ingest({files!r})").fetchall())
        con.close()
        notes.append(f"The daily warehouse ({gb:.1f} GB of daily CUR) took {seconds:.0f} s to ingest.")
    con = connect(path, ext)
    items = con.execute("SELECT count(*) FROM cbh.silver_line_items").fetchone()[0]
    daily = con.execute("SELECT count(*) FROM cbh.gold_daily").fetchone()[0]
    for args in CALLS:
        sql = f"SELECT * FROM cbh_anomalies({args})"
        found = len(con.execute(sql).fetchall())
        t = median([timed(lambda: con.execute(sql).fetchall())[0] for _ in range(reps if "'resource" not in args
                                                                                      and "tag:" not in args else 3)])
        what = f"8. cbh_anomalies({args}) on {gb:.1f} GB of daily CUR ({items / 1e6:.1f} M line items, {daily} rows " \
               f"of daily spend; {found} rows found)"
        silver = "'resource'" in args or "tag:" in args
        row(what, f"{t * 1000:.0f} ms", "(from Silver)" if silver else "< 100 ms (the claim: < 1 s)")
    con.close()
    phases, _ = phase_seconds(files[1], work, ext)
    notes.append(f"Phases of one traced ingest of {os.path.basename(files[1])} ({os.path.getsize(files[1]) / 1e9:.1f} "
                 "GB of daily CUR) (s): " + ", ".join(f"{k} {v:.2f}" for k, v in phases.items() if v >= 0.005))
    if "daily" in phases:
        row(f"8. Gold's daily spend in one ingest of a {os.path.getsize(files[1]) / 1e9:.1f} GB daily CUR",
            f"{phases['daily']:.2f} s", "< 5 % of the ingest", f"{phases['daily'] / sum(phases.values()) * 100:.1f} %")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ext", required=True)
    p.add_argument("--data", default="data/bench")
    p.add_argument("--resources", type=int, default=200_000)
    p.add_argument("--reps", type=int, default=5)
    a = p.parse_args()
    notes = []
    run(lambda *r: print(" | ".join(r), flush=True), notes, os.path.abspath(a.data), os.path.abspath(a.ext),
        a.resources, a.reps)
    print("\n".join(notes))


if __name__ == "__main__":
    main()
