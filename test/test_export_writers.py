"""Many writers, one export: several cbh processes (one per payer account, each with its own warehouse) export into
one folder at once, over and over, while two other processes read it all the while (pyarrow, DuckDB). Each partition
is one file, replaced whole: no read sees a partition half-written, missing once it was there, or holding any total
but one of its bill's versions, and at the end every writer's partitions are there with its final totals. A reader
that opens each file once never fails; DuckDB opens a file several times in one query, so a query that overlaps a
replacement can fail with an error, and is right when run again."""
import json
import os
import subprocess
import sys
import textwrap
import time
from decimal import Decimal

from conftest import REPO, record_figure

CUR = os.path.join(REPO, "test", "data", "cur")
WRITERS = 3
ROUNDS = 8
# The two versions of September (sept.csv, sept_revised.csv) and October, as (line items, billed cost).
SEPT = {(8, Decimal("3.8504000001")), (3, Decimal("0.0658"))}
OCT = {(4, Decimal("0.195"))}

WRITER = textwrap.dedent("""
    import sys, duckdb
    ext, db, folder, files, rounds = sys.argv[1:]
    con = duckdb.connect(db, config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{ext}'")
    con.execute(f"SELECT * FROM cbh_ingest(['{files}/oct-part1.csv', '{files}/oct-part2.csv'])").fetchall()
    for i in range(int(rounds)):
        for name in ("sept.csv", "sept_revised.csv"):
            con.execute(f"SELECT * FROM cbh_ingest('{files}/{name}', force := true)").fetchall()
            statuses = {r[0] for r in con.execute(f"SELECT status FROM cbh_export('{folder}')").fetchall()}
            assert statuses <= {"written", "unchanged"}, statuses
    print(con.execute("SELECT billing_period::VARCHAR, line_items, billed_cost::VARCHAR FROM cbh_silver()").fetchall())
""")

READER = textwrap.dedent("""
    import glob, json, os, sys, time, urllib.parse
    folder, stop, how = sys.argv[1:]
    if how == "duckdb":
        import duckdb
        con = duckdb.connect()
        sql = (f"SELECT billing_account, billing_period::VARCHAR, count(*), sum(BilledCost)::VARCHAR "
               f"FROM read_parquet('{folder}/silver_line_items/*/*/*/data.parquet', hive_partitioning = true, "
               f"hive_types = {{'provider': VARCHAR, 'billing_account': VARCHAR, 'billing_period': DATE}}) "
               f"GROUP BY ALL")

        def read():
            return con.execute(sql).fetchall()
    else:  # pyarrow, which opens each file once
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        def read():
            rows = []
            for f in glob.glob(f"{folder}/silver_line_items/*/*/*/data.parquet"):
                parts = dict(p.split("=", 1) for p in f.split(os.sep)[-4:-1])
                t = pq.read_table(f, columns=["BilledCost"])
                total = pc.sum(t["BilledCost"]).as_py() if t.num_rows else None
                rows.append((urllib.parse.unquote(parts["billing_account"]), parts["billing_period"], t.num_rows,
                             None if total is None else str(total)))
            return rows
    reads, failed, errors, seen = 0, [], [], {}
    while not os.path.exists(stop):
        try:
            rows = read()
        except Exception as e:  # what a reader may meet while a partition is replaced
            if "No files found" not in str(e):
                failed.append(str(e).splitlines()[0])
            continue
        reads += 1
        now = {(a, p): (n, s) for a, p, n, s in rows}
        errors += [f"{key} was there and is gone" for key in seen if key not in now]
        for key, value in now.items():
            seen.setdefault(key, set()).add(tuple(value))
    print(json.dumps({"reads": reads, "failed": failed, "errors": errors[:5],
                      "seen": {f"{a}/{p}": sorted(v) for (a, p), v in seen.items()}}))
""")


def tenant_files(folder, account):
    os.makedirs(folder)
    for name in ("sept.csv", "sept_revised.csv", "oct-part1.csv", "oct-part2.csv"):
        with open(os.path.join(CUR, name)) as f:
            text = f.read().replace("999988887777", account)
        with open(os.path.join(folder, name), "w") as f:
            f.write(text)


def test_writers_of_disjoint_partitions_and_a_reader_all_the_while(ext, tmp_path):
    out, stop = tmp_path / "export", tmp_path / "stop"
    out.mkdir()
    accounts = [f"10000000000{i}" for i in range(WRITERS)]
    for account in accounts:
        tenant_files(str(tmp_path / account), account)
    readers = {how: subprocess.Popen([sys.executable, "-c", READER, str(out), str(stop), how], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True) for how in ("duckdb", "pyarrow")}
    started = time.time()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, ext, str(tmp_path / f"{a}.duckdb"), str(out),
                                 str(tmp_path / a), str(ROUNDS)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for a in accounts]
    finals = []
    for w in writers:
        stdout, stderr = w.communicate(timeout=600)
        assert w.returncode == 0, stderr
        finals.append(stdout)
    seconds = time.time() - started
    time.sleep(0.5)  # a last read of the final state
    stop.touch()
    reports = {}
    for how, reader in readers.items():
        stdout, stderr = reader.communicate(timeout=120)
        assert reader.returncode == 0, stderr
        report = reports[how] = json.loads(stdout)
        assert report["errors"] == [], (how, report["errors"])
        assert report["reads"] > 10, (how, report)
        # every total a reader saw was one whole version of the bill, and every partition was seen
        for key, values in report["seen"].items():
            valid = SEPT if key.endswith("2024-09-01") else OCT
            assert {(n, Decimal(s)) for n, s in values} <= valid, (how, key, values)
        assert set(report["seen"]) == {f"{a}/{p}" for a in accounts for p in ("2024-09-01", "2024-10-01")}
    # A file is replaced whole (renamed over the old one): a reader that opens it once never fails. DuckDB opens a
    # file several times in one query (bind, then scan), so a query that overlaps a replacement can fail with an
    # error (never a wrong total: checked above); run again, it is right.
    assert reports["pyarrow"]["failed"] == [], reports["pyarrow"]["failed"][:3]
    known = ("Prefetch registered for bytes outside file", "don't know what type", "TProtocolException",
             "Invalid Input Error: No magic bytes", "Corrupt", "Invalid data")
    assert all(any(k in f for k in known) for f in reports["duckdb"]["failed"]), reports["duckdb"]["failed"][:3]
    # nothing lost: each writer's last export is there, whole
    import duckdb
    con = duckdb.connect()
    final = dict(((a, p), (n, Decimal(s))) for a, p, n, s in con.execute(
        f"SELECT billing_account, billing_period::VARCHAR, count(*), sum(BilledCost) "
        f"FROM read_parquet('{out}/silver_line_items/*/*/*/data.parquet', hive_partitioning = true, "
        f"hive_types = {{'billing_account': VARCHAR}}) GROUP BY ALL").fetchall())
    assert final == {(a, p): ((3, Decimal("0.0658")) if p == "2024-09-01" else (4, Decimal("0.195")))
                     for a in accounts for p in ("2024-09-01", "2024-10-01")}
    record_figure("export_writers", writers=WRITERS, exports=WRITERS * ROUNDS * 2, seconds=round(seconds, 1),
                  arrow_reads=reports["pyarrow"]["reads"], arrow_failed=0, duckdb_reads=reports["duckdb"]["reads"],
                  duckdb_failed=len(reports["duckdb"]["failed"]))
