"""The bad-file corpus (test/badfiles.py): each file is rejected with a message naming the file and the problem,
nothing of it lands in a warehouse that already holds a period, and the host survives. A valid export that merely
has a UTF-8 BOM or CRLF line endings is not bad: it lands with the same Silver as the plain file."""
import os

import pytest

import badfiles
from badfiles import CASES, SEPT
from conftest import record_figure

CASE = badfiles.by_name()
RESULTS = {}  # case -> (status, error, as expected)


def digest(con):
    """count(*) and the sum of row hashes of every Bronze, Silver and Gold table and of cbh.periods."""
    tables = [t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'cbh' AND (table_name LIKE 'bronze\\_%' ESCAPE '\\' "
        "OR table_name IN ('silver_line_items', 'silver_resources', 'gold_usage', 'periods')) ORDER BY 1").fetchall()]
    assert {"silver_line_items", "gold_usage", "periods", "bronze_cur"} <= set(tables), tables
    return {t: con.execute(f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM cbh.{t} t").fetchone() for t in tables}


SEPT_SILVER = ("2024-09-01", "AWS", "999988887777", "cur", 8, "3.850400000100000000")


def silver_totals(con):
    return [(str(p), prov, acct, fmt, n, str(cost)) for p, prov, acct, fmt, n, cost in con.execute(
        "SELECT billing_period, provider, billing_account, format, line_items, billed_cost FROM cbh_silver() "
        "ORDER BY ALL").fetchall()]


@pytest.fixture(scope="module", autouse=True)
def figure():
    yield
    if RESULTS:
        record_figure("bad_files", cases=len(CASES), checked=len(RESULTS),
                      rejected=sum(ok for _, _, ok in RESULTS.values()),
                      names=sorted(RESULTS),
                      not_rejected_as_expected={n: (s, e) for n, (s, e, ok) in sorted(RESULTS.items()) if not ok})


def test_the_corpus_is_big_enough():
    assert len(CASE) >= 32
    assert len({c.filename for c in CASES if not c.filename.lower().endswith("manifest.json")}) >= 30


BASES = {  # the valid files the cases are made from: each must land, so that a case fails by its defect alone
    "sept_variant.csv": badfiles.sept_variant,
    "sept.csv.gz": lambda: badfiles.gz(badfiles.sept_variant()),
    "sept.csv.zst": lambda: badfiles.zstd_of(badfiles.sept_variant()),
    "sept.parquet": badfiles.sept_parquet,
    "athena.parquet": badfiles.athena_parquet,
    "focus.csv": badfiles.focus,
}


@pytest.mark.parametrize("name", sorted(BASES))
def test_the_valid_bases_of_the_corpus_land(connect, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(BASES[name]())
    con = connect()
    (status, error), = con.execute("SELECT status, error FROM cbh_ingest(?)", [str(path)]).fetchall()
    assert (status, error) == ("ingested", None)


def test_the_manifest_base_lands_when_its_part_is_there(connect, tmp_path):
    case = CASE["manifest_missing_file"]
    (tmp_path / "cbh-report-00001.csv.gz").write_bytes(badfiles.gz(badfiles.sept_variant()))
    path = badfiles.write_case(case, str(tmp_path))
    con = connect()
    rows = con.execute("SELECT format, status FROM cbh_ingest(?) ORDER BY file", [path]).fetchall()
    assert rows == [("cur", "ingested"), ("manifest", "ingested")]


@pytest.mark.parametrize("name", sorted(CASE))
def test_bad_file_is_rejected_and_nothing_lands(connect, tmp_path, name):
    case = CASE[name]
    path = badfiles.write_case(case, str(tmp_path / "landing"))
    con = connect(str(tmp_path / "w.duckdb"))
    assert con.execute("SELECT status FROM cbh_ingest(?)", [SEPT]).fetchall() == [("ingested",)]
    con.execute("CREATE TABLE y AS SELECT 1 AS still_here")  # the table the hostile file name tries to drop
    before = digest(con)

    rows = con.execute("SELECT file, status, error FROM cbh_ingest(?)", [path]).fetchall()

    mine = [r for r in rows if r[0] == path]
    status, error = (mine[0][1], mine[0][2] or "") if len(mine) == 1 else (f"no single row for the file: {rows}", "")
    prefix = f"cbh: file '{path}'"
    problem = error[len(prefix):] if error.startswith(prefix) else error  # the path itself must not count
    ok = status == "rejected" and error.startswith(prefix) and any(s.lower() in problem.lower() for s in case.expect)
    RESULTS[name] = (status, error.replace(path, "<file>")[:300], ok)

    # the host survives and nothing landed (whatever the verdict, so a wrong landing is visible too)
    assert con.execute("SELECT 42").fetchone() == (42,)
    assert digest(con) == before, f"something of {name} landed: {rows}"
    assert con.execute("SELECT still_here FROM y").fetchall() == [(1,)]
    assert all(s == "rejected" for _, s, _ in rows), rows
    assert status == "rejected", rows
    assert error.startswith(prefix), error
    assert any(s.lower() in problem.lower() for s in case.expect), f"expected one of {case.expect} in: {error}"
    assert "panicked" not in error and "INTERNAL Error" not in error, error
    assert silver_totals(con) == [SEPT_SILVER]


def test_many_bad_files_in_one_call_are_each_rejected(connect, tmp_path):
    """The whole corpus (manifests aside) in one call, as a list: one row per file, all rejected, nothing lands."""
    folder = tmp_path / "landing"
    paths = []
    for case in CASES:
        if case.filename.lower().endswith("manifest.json"):
            continue  # a manifest speaks for its folder; it has its own cases
        sub = folder / case.name
        paths.append(badfiles.write_case(case, str(sub)))
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute("SELECT * FROM cbh_ingest(?)", [SEPT]).fetchall()
    before = digest(con)
    rows = con.execute("SELECT file, status, error FROM cbh_ingest(?)", [paths]).fetchall()
    assert sorted(r[0] for r in rows) == sorted(paths)
    # They share sept.csv's key, so they form one delivery (docs/formats.md: it lands whole or not at all): every
    # file is rejected, each naming itself, whatever its own defect.
    for file, status, error in rows:
        assert status == "rejected", (file, status)
        assert error.startswith(f"cbh: file '{file}'"), error
        assert "panicked" not in error and "INTERNAL Error" not in error, error
    assert digest(con) == before
    assert con.execute("SELECT 42").fetchone() == (42,)
    assert silver_totals(con) == [SEPT_SILVER]


# --- not bad: a UTF-8 BOM or CRLF line endings on a valid export

def _silver_rows(con):
    return con.execute("SELECT * EXCLUDE (x_IngestionId, x_SourceFile) FROM cbh.silver_line_items "
                       "ORDER BY x_SourceRow").fetchall()


def _silver_summary(con):
    return con.execute("SELECT billing_period, provider, billing_account, format, line_items, resources, billed_cost, "
                       "effective_cost, currency FROM cbh_silver() ORDER BY ALL").fetchall()


PLAIN = {
    "cur": badfiles.sept_bytes,
    "focus": badfiles.focus,
}
VARIANTS = {
    "utf8_bom": lambda b: b"\xef\xbb\xbf" + b,
    "crlf": lambda b: b.replace(b"\n", b"\r\n"),
    "utf8_bom_crlf": lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n"),
    "utf8_bom_crlf_gzip": lambda b: badfiles.gz(b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n")),
}


@pytest.mark.parametrize("fmt", sorted(PLAIN))
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_bom_and_crlf_are_not_bad(connect, tmp_path, fmt, variant):
    plain = tmp_path / f"plain-{fmt}.csv"
    plain.write_bytes(PLAIN[fmt]())
    other = tmp_path / f"{variant}-{fmt}.csv{'.gz' if variant.endswith('gzip') else ''}"
    other.write_bytes(VARIANTS[variant](PLAIN[fmt]()))
    ref = connect(str(tmp_path / "ref.duckdb"))
    assert ref.execute("SELECT status FROM cbh_ingest(?)", [str(plain)]).fetchall() == [("ingested",)]
    con = connect(str(tmp_path / "w.duckdb"))
    (status, rows, error), = con.execute("SELECT status, rows, error FROM cbh_ingest(?)", [str(other)]).fetchall()
    assert (status, error) == ("ingested", None)
    assert rows == (8 if fmt == "cur" else len(badfiles.FOCUS_ROWS))
    assert _silver_summary(con) == _silver_summary(ref)
    assert _silver_rows(con) == _silver_rows(ref), "a BOM or a CR must not end up in a value or a column name"
    if fmt == "cur":
        assert [(str(r[0]), str(r[6])) for r in _silver_summary(con)] == [("2024-09-01", "3.850400000100000000")]


def test_the_cli_survives_the_corpus(ext, tmp_path):
    """The duckdb CLI, one call per bad file in one process: every call answers with a row, the process exits 0."""
    from conftest import run_cli
    paths = [badfiles.write_case(c, str(tmp_path / "landing" / c.name)) for c in CASES]
    quoted = [p.replace("'", "''") for p in paths]
    sql = f"LOAD '{ext}'; " + " ".join(f"SELECT status FROM cbh_ingest('{q}');" for q in quoted)
    p = run_cli(["-unsigned", "-csv", "-noheader", str(tmp_path / "cli.duckdb")], sql, timeout=300)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out[-2000:]
    assert "panicked" not in out.lower() and "internal error" not in out.lower(), out[-2000:]
    statuses = p.stdout.split()
    assert len(statuses) == len(paths), out[-2000:]
    assert set(statuses) <= {"ingested", "replaced", "skipped", "rejected"}, statuses


# --- a column spelled another way that cbh accepts (its canonical name is the same) must not lose its values:
# Silver is built from Bronze, where the earlier files' spelling already is a column.

OCT = os.path.join(badfiles.REPO, "test", "data", "cur", "oct-part1.csv")
RESPELLED = {
    "cost_snake": ("lineItem/UnblendedCost", "line_item_unblended_cost"),
    "cost_underscore": ("lineItem/UnblendedCost", "lineItem_UnblendedCost"),
    "usage_snake": ("lineItem/UsageAmount", "line_item_usage_amount"),
    "start_snake": ("lineItem/UsageStartDate", "line_item_usage_start_date"),
    "resource_snake": ("lineItem/ResourceId", "line_item_resource_id"),
    "payer_snake": ("bill/PayerAccountId", "bill_payer_account_id"),
}


@pytest.mark.parametrize("case", sorted(RESPELLED))
def test_a_respelled_column_lands_its_values_or_is_rejected(connect, tmp_path, case):
    old, new = RESPELLED[case]
    with open(OCT, "rb") as f:
        data = f.read()
    assert old.encode() in data
    respelled = tmp_path / "oct-respelled.csv"
    respelled.write_bytes(data.replace(old.encode(), new.encode()))
    ref = connect(str(tmp_path / "ref.duckdb"))
    ref.execute("SELECT * FROM cbh_ingest(?)", [SEPT]).fetchall()
    assert ref.execute("SELECT status FROM cbh_ingest(?)", [OCT]).fetchall() == [("ingested",)]
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute("SELECT * FROM cbh_ingest(?)", [SEPT]).fetchall()
    (status, error), = con.execute("SELECT status, error FROM cbh_ingest(?)", [str(respelled)]).fetchall()
    if status == "rejected":
        assert error.startswith(f"cbh: file '{respelled}'"), error
        return
    assert status == "ingested", error
    cols = "* EXCLUDE (x_IngestionId, x_SourceFile)"
    query = f"SELECT {cols} FROM cbh.silver_line_items WHERE BillingPeriodStart >= '2024-10-01' ORDER BY x_SourceRow"
    assert con.execute(query).fetchall() == ref.execute(query).fetchall(), f"{new}: values lost between Bronze and Silver"
    assert _silver_summary(con) == _silver_summary(ref)


def test_the_cli_lands_a_revised_delivery_that_adds_a_column(ext, tmp_path):
    """Found by the corpus run through the CLI: a re-delivery of a period that brings a new column (a new tag: a
    good file, not a bad one) must replace the period in the duckdb CLI as it does in Python."""
    from conftest import run_cli
    revised = tmp_path / "sept-new-tag.csv"
    revised.write_bytes(badfiles.cur(badfiles.extra_column("resourceTags/user:New", "x")))
    sql = (f"LOAD '{ext}'; SELECT status FROM cbh_ingest('{SEPT}'); "
           f"SELECT status, error FROM cbh_ingest('{revised}');")
    p = run_cli(["-unsigned", "-csv", "-noheader", str(tmp_path / "cli.duckdb")], sql)
    assert (p.returncode, p.stdout.split(), p.stderr) == (0, ["ingested", "replaced,NULL"], "")
