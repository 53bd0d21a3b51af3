"""Bounded fuzzing of cbh_ingest with mutated billing files.

Valid inputs (test/data/cur/sept.csv, a minimal FOCUS CSV, their gzip and zstd forms, Parquet written by DuckDB) are
mutated (byte flips, truncation, inserted quotes, delimiters, newlines and NULs, duplicated, dropped and renamed
columns, swapped, dropped and duplicated lines, random number text in cost columns, odd dates and keys, random
bytes, wrong file extensions) and ingested, in one long-lived Python connection (and a few through the duckdb CLI).
For every file: the call returns a row (a rejection is a row, never an exception), a rejected file's error names it,
no "panicked" or internal error ever shows, and the warehouse stays consistent (Silver's line items add up to
cbh_silver() and cbh.periods; a landed file's Silver rows and totals are what DuckDB itself reads from the file).

It stops by itself: CBH_FUZZ_SECONDS (default 20) of fuzzing; a single call that takes longer than
CBH_FUZZ_CALL_TIMEOUT (default 60) seconds is a hang: the process prints the file and exits. The seed is printed
and recorded; CBH_FUZZ_SEED=<seed> replays a run (file i is mutant(seed, i), whatever the time budget).
"""
import csv
import faulthandler
import io
import os
import random
import re
import shutil
import sys
import threading
import time

import duckdb

import badfiles
from conftest import record_figure, run_cli

BUDGET = float(os.environ.get("CBH_FUZZ_SECONDS", "20"))
CALL_TIMEOUT = float(os.environ.get("CBH_FUZZ_CALL_TIMEOUT", "60"))
SEED = int(os.environ.get("CBH_FUZZ_SEED") or random.SystemRandom().randrange(1 << 32))
CLI_CALLS = 5
STATUSES = {"ingested", "replaced", "skipped", "rejected"}
BAD_TEXT = ("panicked", "internal error", "stack backtrace", "rust_begin_unwind")
COST = {"cur": "lineItem/UnblendedCost", "cur_athena": "line_item_unblended_cost",
        "cur2": "line_item_unblended_cost", "focus": "BilledCost"}
READ_CSV = ("read_csv($1, header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
            "strict_mode = true, null_padding = false, compression = '{compression}', hive_partitioning = false)")


# --- seeds: (name, bytes, container, the CSV text it holds if any)

def _focus_parquet():
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "focus.csv")
        with open(src, "wb") as f:
            f.write(badfiles.focus())
        return badfiles.via_duckdb("COPY (SELECT * FROM read_csv($1, all_varchar = true)) TO '{out}' "
                                   "(FORMAT parquet)", src)


def make_seeds():
    sept, focus = badfiles.sept_bytes(), badfiles.focus()
    return [
        ("cur", sept, "csv", sept),
        ("focus", focus, "csv", focus),
        ("cur-gz", badfiles.gz(sept), "gz", sept),
        ("focus-gz", badfiles.gz(focus), "gz", focus),
        ("cur-zst", badfiles.zstd_of(sept), "zst", sept),
        ("cur-parquet", badfiles.sept_parquet(), "parquet", sept),
        ("athena-parquet", badfiles.athena_parquet(), "parquet", None),
        ("athena-double-parquet",
         badfiles.athena_parquet(line_item_unblended_cost="line_item_unblended_cost::DOUBLE"), "parquet", None),
        ("focus-parquet", _focus_parquet(), "parquet", focus),
    ]


# --- mutations of CSV text (bytes in, bytes out)

SPECIALS = [b'"', b",", b"\n", b"\r\n", b"\r", b";", b"\t", b"\x00", b'""', b"\xef\xbb\xbf", b"\\", b"'", b"\xff",
            b"#", b" "]
NUMBERS = ["0", "-0", "1e5", "1E-12", "1e-13", "1E-18", "1e-19", "1e308", "-1e308", "1e-400", "NaN", "nan", "Infinity", "-inf", "0x1A",
           "1_000", " 1.5", "1.5 ", "+.5", ".", "-", "+", "", "1,5", "1.2.3", "\u22121", "\u0661\u0662", "1e",
           "9" * 26, "9" * 27, "0." + "0" * 11 + "1", "0." + "0" * 12 + "1", "-99999999999999999999999999.5",
           "1e25", "1e26", "1e27", "12abc", "$3", "NULL", "null", "true", "١", "\u00a0", "1.0e+02", "00000000001.10",
           ".5e1", "5.e-1", "1e+0012", "1" * 40]
DATES = ["2024-09-01", "2024-09-01T00:00:00", "2024-09-01 00:00:00", "2024-09-01T00:00:00+02:00",
         "2024-09-01T00:00:00.123456789Z", "20240901T000000Z", "2024-02-30T00:00:00Z", "0001-01-01T00:00:00Z",
         "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2024-09-01T24:00:00Z", "yesterday", "", "NULL",
         "2024-10-01T00:00:00.000Z", "2024-11-15T00:00:00Z", "-2024-09-01", "2024-9-1", "1725148800"]
KEYS = ["999988887777", "123456789012", "", " ", "NULL", "999988887777 ", "x" * 300, "'; DROP TABLE cbh.periods; --",
        "\u00e9t\u00e9", "0"]


def _table(data):
    text = data.decode("utf-8", "replace")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise ValueError("no rows")
    return rows


def _csv(rows):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _column(rows, rng, prefer=()):
    header = rows[0]
    wanted = [i for i, h in enumerate(header) if h in prefer]
    return rng.choice(wanted) if wanted and rng.random() < 0.7 else rng.randrange(len(header))


def flip_bytes(data, rng):
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if b:
            b[rng.randrange(len(b))] ^= rng.randint(1, 255)
    return bytes(b)


def truncate(data, rng):
    return data[:rng.randrange(len(data) + 1)]


def insert_specials(data, rng):
    for _ in range(rng.randint(1, 5)):
        i = rng.randrange(len(data) + 1)
        data = data[:i] + rng.choice(SPECIALS) + data[i:]
    return data


def random_chunk(data, rng):
    i = rng.randrange(len(data) + 1)
    n = rng.randint(1, 64)
    return data[:i] + rng.randbytes(n) + data[i + n:]


def random_file(data, rng):
    return rng.randbytes(rng.choice([0, 1, 2, 4, 16, 300, 5000]))


def swap_lines(data, rng):
    lines = data.split(b"\n")
    if len(lines) > 2:
        i, j = rng.sample(range(len(lines)), 2)
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def drop_line(data, rng):
    lines = data.split(b"\n")
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def dup_line(data, rng):
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    lines.insert(rng.randrange(len(lines) + 1), lines[i])
    return b"\n".join(lines)


def dup_column(data, rng):
    rows = _table(data)
    i = _column(rows, rng, COST_NAMES)
    for r in rows:
        if i < len(r):
            r.insert(rng.randrange(len(r) + 1), r[i])
    return _csv(rows)


def drop_column(data, rng):
    rows = _table(data)
    i = _column(rows, rng)
    for r in rows:
        if i < len(r):
            del r[i]
    return _csv(rows)


def rename_column(data, rng):
    rows = _table(data)
    i = _column(rows, rng, COST_NAMES)
    h = rows[0][i]
    rows[0][i] = rng.choice([h.upper(), h.lower(), " " + h, h + " ", h + "_1", "", h.replace("/", "_"), h * 2,
                             rows[0][rng.randrange(len(rows[0]))]])
    return _csv(rows)


COST_NAMES = ("lineItem/UnblendedCost", "BilledCost", "EffectiveCost", "ListCost")
DATE_NAMES = ("lineItem/UsageStartDate", "lineItem/UsageEndDate", "bill/BillingPeriodStartDate",
              "bill/BillingPeriodEndDate", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart",
              "ChargePeriodEnd")
KEY_NAMES = ("bill/PayerAccountId", "BillingAccountId", "ProviderName", "lineItem/UsageAccountId", "SubAccountId")


def set_values(label, names, values):
    def mutate(data, rng):
        rows = _table(data)
        if len(rows) < 2:
            return data
        for _ in range(rng.randint(1, 3)):
            r = rng.randrange(1, len(rows))
            i = _column(rows, rng, names)
            if i < len(rows[r]):
                rows[r][i] = values(rng)
        return _csv(rows)
    mutate.__name__ = label
    return mutate


def _number(rng):
    if rng.random() < 0.5:
        return rng.choice(NUMBERS)
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 30)))
    point = rng.randint(0, len(digits))
    exp = rng.choice(["", "", f"e{rng.randint(-30, 30)}", f"E+{rng.randint(0, 40)}"])
    return rng.choice(["", "-", "+"]) + digits[:point] + rng.choice([".", ""]) + digits[point:] + exp


cost_text = set_values("cost_text", COST_NAMES, _number)
date_text = set_values("date_text", DATE_NAMES, lambda rng: rng.choice(DATES))
key_text = set_values("key_text", KEY_NAMES, lambda rng: rng.choice(KEYS))
blank_field = set_values("blank_field", (), lambda rng: "")


def quote_fields(data, rng):
    """Valid CSV, every field quoted: must land exactly like the original."""
    rows = _table(data)
    out = io.StringIO()
    csv.writer(out, lineterminator=rng.choice(["\n", "\r\n"]), quoting=csv.QUOTE_ALL).writerows(rows)
    return out.getvalue().encode()


def long_field(data, rng):
    return set_values("long_field", (), lambda r: "z" * r.choice([1000, 100_000, 2_100_000]))(data, rng)


TEXT_MUTATIONS = [flip_bytes, truncate, insert_specials, random_chunk, random_file, swap_lines, drop_line, dup_line,
                  dup_column, drop_column, rename_column, cost_text, cost_text, date_text, key_text, blank_field,
                  quote_fields, long_field]
VALUE_MUTATIONS = [dup_column, drop_column, rename_column, cost_text, cost_text, date_text, key_text, blank_field,
                   long_field]
BYTE_MUTATIONS = [flip_bytes, truncate, random_chunk, insert_specials]


def _to_parquet(text, gen):
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        src, out = os.path.join(d, "in.csv"), os.path.join(d, "out.parquet")
        with open(src, "wb") as f:
            f.write(text)
        gen.execute(f"COPY (SELECT * FROM {READ_CSV.format(compression='none')}) TO '{out}' (FORMAT parquet)", [src])
        with open(out, "rb") as f:
            return f.read()


EXT = {"csv": ".csv", "gz": ".csv.gz", "zst": ".csv.zst", "parquet": ".parquet"}


def mutate(text, mutations, ops, rng, steps):
    """Applies `ops` random mutations to CSV text, naming each in `steps`."""
    for _ in range(ops):
        m = rng.choice(mutations)
        steps.append(m.__name__)
        try:
            text = m(text, rng)
        except (ValueError, csv.Error):
            steps[-1] += "(n/a)"
    return text


def mutant(seed, i, seeds, gen):
    """File i of a run: (name, bytes, description). Deterministic in (seed, i)."""
    rng = random.Random(f"{seed}:{i}")
    name, data, container, text = rng.choice(seeds)
    steps = []
    ops = rng.randint(1, 3)
    if container == "csv" or (container == "gz" and rng.random() < 0.7):
        text = mutate(text, TEXT_MUTATIONS, ops, rng, steps)
        data = text if container == "csv" else badfiles.gz(text)
    elif container == "parquet" and text is not None and rng.random() < 0.6:
        text = mutate(text, VALUE_MUTATIONS, ops, rng, steps)
        try:
            data = _to_parquet(text, gen)
            steps.append("to_parquet")
        except duckdb.Error:
            data = text  # DuckDB cannot read it either: it goes in as a "parquet" that is CSV
            steps.append("csv_named_parquet")
    else:
        for _ in range(ops):
            m = rng.choice(BYTE_MUTATIONS)
            steps.append(m.__name__)
            data = m(data, rng)
    ext = EXT[container]
    if rng.random() < 0.08:
        ext = rng.choice([e for e in EXT.values() if e != ext])
        steps.append(f"named{ext}")
    return f"{i:05d}-{name}{ext}", data, f"{name}: {' + '.join(steps)}"


# --- the checks

def consistency(con):
    """What must hold in the warehouse whatever was ingested; returns a list of problems."""
    problems = []
    silver = sorted(con.execute(
        "SELECT billing_period, provider, billing_account, currency, line_items, billed_cost, effective_cost "
        "FROM cbh_silver()").fetchall(), key=repr)
    # one row per currency: money of two currencies is never added
    lines = sorted(con.execute(
        "SELECT BillingPeriodStart::DATE, ProviderName, BillingAccountId, BillingCurrency, count(*), "
        "coalesce(sum(BilledCost), 0), coalesce(sum(EffectiveCost), 0) FROM cbh.silver_line_items GROUP BY ALL"
        ).fetchall(), key=repr)
    if silver != lines:
        problems.append(f"cbh_silver() {set(silver) - set(lines)} != Silver line items {set(lines) - set(silver)}")
    bronze = " UNION ALL ".join(
        f"SELECT provider, billing_account, billing_period FROM cbh.{t}" for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'cbh' AND table_name LIKE 'bronze\\_%' "
            "ESCAPE '\\'").fetchall())
    periods = sorted(con.execute(
        f"SELECT p.billing_period, p.provider, p.billing_account, p.bronze_rows, p.line_items, "
        f"(SELECT count(*) FROM ({bronze}) b WHERE b.provider = p.provider AND b.billing_account = p.billing_account "
        f"AND b.billing_period = p.billing_period) FROM cbh.periods p").fetchall(), key=repr)
    for period, provider, account, bronze_rows, line_items, counted in periods:
        if not bronze_rows == line_items == counted:
            problems.append(f"period {period} {provider} {account}: bronze_rows {bronze_rows}, line_items "
                            f"{line_items}, Bronze holds {counted}")
    orphans = con.execute(
        f"SELECT count(*) FROM ({bronze}) b ANTI JOIN cbh.periods p USING (provider, billing_account, billing_period)"
    ).fetchone()[0]
    if orphans:
        problems.append(f"{orphans} Bronze rows belong to no period")
    return problems


def snake_case(name):
    """cbh's canonical name of a legacy CUR column (src/pipeline/format.rs): lineItem/UnblendedCost ->
    line_item_unblended_cost."""
    s = ""
    for ch in name:
        if "A" <= ch <= "Z" and not s.endswith("_"):
            s += "_"
        ch = ch.lower()
        ch = ch if ch.isascii() and ch.isalnum() else "_"
        if not (ch == "_" and s.endswith("_")):
            s += ch
    return s.strip("_")


def canonical(fmt, name):
    return snake_case(name) if fmt == "cur" else name.lower()


def same_column(fmt, a, b):
    """Whether cbh reads a and b as one column: the same canonical name, or for the CUR family the same letters and
    digits in any case (`LINEITEM/UNBLENDEDCOST`; docs/formats.md)."""
    squash = lambda s: "".join(ch for ch in s.lower() if ch.isascii() and ch.isalnum())
    return canonical(fmt, a) == canonical(fmt, b) or (fmt != "focus" and squash(a) != "" and squash(a) == squash(b))


def landed_matches_file(con, gen, path, fmt, rows):
    """A landed file's Silver rows are the file's rows, and its billed cost is what DuckDB reads from the file."""
    n, billed = con.execute("SELECT count(*), coalesce(sum(BilledCost), 0) FROM cbh.silver_line_items "
                            "WHERE x_SourceFile = ?", [path]).fetchone()
    if n != rows:
        return f"Silver holds {n} line items of it, the call said {rows}"
    with open(path, "rb") as f:
        head = f.read(4)
    # the container from the first bytes, not the name (docs/functions.md: How a file is read)
    compression = "gzip" if head[:2] == b"\x1f\x8b" else "zstd" if head == b"\x28\xb5\x2f\xfd" else "none"
    source = "read_parquet($1)" if head == b"PAR1" else READ_CSV.format(compression=compression)
    try:
        columns = [r[0] for r in gen.execute(f"DESCRIBE SELECT * FROM {source}", [path]).fetchall()]
    except duckdb.Error as e:
        return f"landed, but DuckDB cannot read it: {str(e).splitlines()[0]}"
    # the cost column as cbh resolves it: by canonical name, any case
    cost = [c for c in columns if same_column(fmt, c, COST[fmt])]
    if len(cost) != 1:
        return f"landed, but {len(cost)} of its columns are the cost column to cbh: {cost}"
    col = '"' + cost[0].replace('"', '""') + '"'
    # As cbh reads a value (docs/functions.md, cbh_ingest): trimmed, empty is NULL, and in FOCUS so is the literal NULL.
    value = f"nullif(trim({col}::VARCHAR), '')"
    if fmt == "focus":
        value = f"nullif({value}, 'NULL')"
    try:
        count, expected = gen.execute(f"SELECT count(*), coalesce(sum(CAST({value} AS DECIMAL(38, 18))), 0) "
                                      f"FROM {source}", [path]).fetchone()
    except duckdb.Error as e:
        return f"landed, but DuckDB cannot sum its costs: {str(e).splitlines()[0]}"
    if (count, expected) != (n, billed):
        return f"the file holds {count} rows costing {expected}; Silver holds {n} costing {billed}"
    return None


class Watchdog:
    """Ends the process (with the file and the seed) if one call hangs, so the test always stops by itself."""

    def __init__(self, seconds, on_hang):
        self.seconds, self.timer, self.on_hang = seconds, None, on_hang

    def arm(self, what):
        self.timer = threading.Timer(self.seconds, self._fire, [what])
        self.timer.daemon = True
        self.timer.start()
        faulthandler.dump_traceback_later(self.seconds * 2, exit=True, file=sys.__stderr__)

    def disarm(self):
        self.timer.cancel()
        faulthandler.cancel_dump_traceback_later()

    def _fire(self, what):
        message = f"cbh fuzz: HANG: a call took more than {self.seconds}s: {what} (replay: CBH_FUZZ_SEED={SEED})"
        try:
            self.on_hang(message)  # pytest captures stderr and an exiting process cannot hand it back: record it
        finally:
            sys.__stderr__.write(f"\n{message}\n")
            faulthandler.dump_traceback(file=sys.__stderr__)
            sys.__stderr__.flush()
            os._exit(70)


def test_fuzz_ingest_with_mutated_files(connect, ext, tmp_path):
    print(f"cbh fuzz: seed {SEED} (replay with CBH_FUZZ_SEED={SEED}), budget {BUDGET}s")
    gen = duckdb.connect()  # a plain DuckDB, without cbh: writes Parquet, and reads files independently
    seeds = make_seeds()
    landing = tmp_path / "landing"
    kept = tmp_path / "findings"
    landing.mkdir()
    kept.mkdir()
    con = connect(str(tmp_path / "fuzz.duckdb"))
    assert con.execute("SELECT status FROM cbh_ingest(?)", [badfiles.SEPT]).fetchall() == [("ingested",)]
    cli_db = str(tmp_path / "cli.duckdb")
    stats = {s: 0 for s in STATUSES}
    findings, seen, files, calls, cli_runs, i = [], {}, 0, 0, 0, 0
    start = time.monotonic()

    def on_hang(message):
        record_figure("fuzz_files", seed=SEED, seconds=round(time.monotonic() - start, 1), budget=BUDGET, calls=calls,
                      files=files, ingested=stats["ingested"] + stats["replaced"], rejected=stats["rejected"],
                      findings=findings + [{"kind": "hang", "detail": message, "seed": SEED}])

    watchdog = Watchdog(CALL_TIMEOUT, on_hang)

    def finding(kind, detail, batch):
        detail = str(detail)
        generic = detail
        for path, _ in batch:
            detail = detail.replace(path, os.path.basename(path))
            generic = generic.replace(path, "<file>")
        # the same problem found again only counts (file names and numbers aside)
        signature = (kind, re.sub(r"[0-9]+", "_", generic)[:120])
        seen[signature] = seen.get(signature, 0) + 1
        if seen[signature] > 2:
            return
        for path, _ in batch:
            if os.path.exists(path):
                shutil.copy(path, kept / os.path.basename(path))
        findings.append({"kind": kind, "detail": detail[:500], "files": [os.path.basename(p) for p, _ in batch],
                         "mutations": [d for _, d in batch], "seed": SEED})

    while time.monotonic() - start < BUDGET:
        # one file per call, or now and then 2-3 in one call (they may form one delivery)
        batch = []
        for _ in range(1 if i % 15 else random.Random(f"{SEED}:batch:{i}").randint(2, 3)):
            name, data, desc = mutant(SEED, i, seeds, gen)
            i += 1
            path = str(landing / name)
            with open(path, "wb") as f:
                f.write(data)
            batch.append((path, desc))
        paths = [p for p, _ in batch]
        files += len(paths)
        calls += 1
        watchdog.arm(batch)
        try:
            rows = con.execute("SELECT file, status, error, format, rows FROM cbh_ingest(?)",
                               [paths if len(paths) > 1 else paths[0]]).fetchall()
        except duckdb.Error as e:
            rows = None
            finding("exception", f"{type(e).__name__}: {e}", batch)
        finally:
            watchdog.disarm()
        try:
            assert con.execute("SELECT 42").fetchone() == (42,)
        except Exception as e:  # the connection is gone: nothing more to learn
            finding("connection lost", e, batch)
            break
        if rows is not None:
            by_file = {r[0]: r for r in rows}
            if sorted(by_file) != sorted(paths) or len(rows) != len(paths):
                finding("rows", f"asked for {paths}, got {rows}", batch)
            for file, status, error, fmt, n in rows:
                if status in stats:
                    stats[status] += 1
                else:
                    finding("status", f"{file}: {status!r}", batch)
                if status == "rejected" and not (error or "").startswith(f"cbh: file '{file}'"):
                    finding("message", f"{file}: {error}", batch)
                if any(t in (error or "").lower() for t in BAD_TEXT):
                    finding("internal error", error, batch)
                if status in ("ingested", "replaced") and fmt in COST:
                    problem = landed_matches_file(con, gen, file, fmt, n)
                    if problem:
                        finding("landed", f"{file}: {problem}", batch)
        problems = consistency(con)
        if problems:
            finding("consistency", problems, batch)
            break  # later files would only repeat it
        if cli_runs < CLI_CALLS and calls % 23 == 5:
            cli_runs += 1
            sql = f"LOAD '{ext}'; SELECT status, error FROM cbh_ingest('{paths[0]}');"
            try:
                p = run_cli(["-unsigned", "-csv", cli_db], sql, timeout=CALL_TIMEOUT)
                out = p.stdout + p.stderr
                if p.returncode != 0 or not any(s in out for s in STATUSES):
                    finding("cli", f"exit {p.returncode}: {out[-500:]}", batch[:1])
                if any(t in out.lower() for t in BAD_TEXT):
                    finding("cli internal error", out[-500:], batch[:1])
            except Exception as e:  # subprocess.TimeoutExpired: a hang
                finding("cli hang", e, batch[:1])
    elapsed = time.monotonic() - start

    # the host is alive and a valid file still lands
    assert con.execute("SELECT count(*) FROM cbh_silver()").fetchone()[0] >= 1
    fresh = tmp_path / "fresh.csv"
    fresh.write_bytes(badfiles.sept_variant().replace(b"l1-variant", b"l1-after-fuzz"))
    after = con.execute("SELECT status FROM cbh_ingest(?)", [str(fresh)]).fetchall()
    summary = dict(seed=SEED, seconds=round(elapsed, 1), budget=BUDGET, calls=calls, files=files, cli_calls=cli_runs,
                   ingested=stats["ingested"] + stats["replaced"], skipped=stats["skipped"],
                   rejected=stats["rejected"], findings=findings,
                   distinct_findings={f"{k}: {d}": n for (k, d), n in seen.items()})
    record_figure("fuzz_files", **summary)
    print(f"cbh fuzz: {summary}; findings kept in {kept}")
    assert after in ([("ingested",)], [("replaced",)]), after
    assert not findings, f"seed {SEED}: {len(findings)} findings, first: {findings[0]} (files kept in {kept})"
    assert files > 0
