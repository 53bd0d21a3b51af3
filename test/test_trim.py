"""Values are trimmed exactly as DuckDB's trim() trims them, also on the fast path that skips trim() for ASCII
values without edge spaces (src/pipeline/format.rs, `trimmed`)."""
import csv
import io
import os

from conftest import REPO

SEPT = os.path.join(REPO, "test", "data", "cur", "sept.csv")

# Space separators trim() strips (' ', no-break, em, ideographic), a tab it keeps, and inner non-ASCII text.
PADS = [" ", "\u00a0", "\u2003", "\u3000", "\t", "", "  \u00a0 "]
INNER = ["caf\u00e9", "x y", "\u00e9", "a\u00a0b", "plain"]


def test_silver_values_equal_duckdb_trim(connect, tmp_path):
    rows = list(csv.reader(open(SEPT, newline="")))
    header, body = rows[0], rows[1:]
    padded = ["lineItem/ResourceId", "lineItem/UsageType", "lineItem/Operation", "resourceTags/user:Owner"]
    for i, row in enumerate(body):
        for j, name in enumerate(padded):
            col = header.index(name)
            left, right = PADS[(i + j) % len(PADS)], PADS[(i + 2 * j + 1) % len(PADS)]
            inner = INNER[(i + j) % len(INNER)] if name != "lineItem/ResourceId" else row[col]
            row[col] = left + inner + right
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header] + body)
    path = tmp_path / "padded.csv"
    path.write_text(out.getvalue(), encoding="utf-8")

    con = connect(str(tmp_path / "w.duckdb"))
    assert con.execute(f"SELECT status FROM cbh_ingest('{path}')").fetchall() == [("ingested",)]
    got = con.execute(
        "SELECT x_SourceRow, ResourceId, x_UsageType, x_Operation, Tags['Owner'] "
        "FROM cbh.silver_line_items ORDER BY x_SourceRow").fetchall()
    want = con.execute(
        f"""SELECT row_number() OVER () AS n,
                   nullif(trim("lineItem/ResourceId"), ''), nullif(trim("lineItem/UsageType"), ''),
                   nullif(trim("lineItem/Operation"), ''), nullif(trim("resourceTags/user:Owner"), '')
            FROM read_csv('{path}', all_varchar = true) ORDER BY n""").fetchall()
    assert got == want
    # The file really exercises both paths: values with and without edge spaces, ASCII and not.
    kept_tab = [r for r in got if r[3] and r[3].startswith("\t")]
    stripped = [r for r in want if r[2] and not r[2].startswith(("\t", " ", "\u00a0"))]
    assert kept_tab and stripped
