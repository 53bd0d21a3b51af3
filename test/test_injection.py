"""File names, parameters, tag keys and column names are data, never SQL: cbh binds parameters and quotes
identifiers, so hostile names land (or are refused) as what they are and run nothing."""
import csv
import io
import json
import os

import duckdb
import pytest

from conftest import REPO

SEPT = os.path.join(REPO, "test", "data", "cur", "sept.csv")


def sept_with(extra_columns):
    """sept.csv with extra columns: {header: value for every row}."""
    rows = list(csv.reader(open(SEPT, newline="")))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(rows[0] + list(extra_columns))
    for r in rows[1:]:
        w.writerow(r + list(extra_columns.values()))
    return out.getvalue()


@pytest.mark.parametrize("name", ["x'); DROP TABLE y; --.csv", 'quote"d; SELECT 1.csv', "tab\tand 'both\".csv",
                                  "ünï cödé 💸.csv"])
def test_hostile_file_names_are_data(connect, tmp_path, name):
    folder = tmp_path / "o'brien's \"bills\""
    folder.mkdir()
    path = folder / name
    path.write_bytes(open(SEPT, "rb").read())
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE y AS SELECT 1 AS canary")
    rows = con.execute("SELECT file, status, rows FROM cbh_ingest(?)", [str(path)]).fetchall()
    assert rows == [(str(path), "ingested", 8)]
    assert con.execute("SELECT canary FROM y").fetchall() == [(1,)]
    assert con.execute("SELECT file FROM cbh.ledger").fetchall() == [(str(path),)]
    # the same through a glob and a list: found, and recognised as landed
    glob = str(folder / "*.csv").replace("'", "''")
    assert con.execute(f"SELECT status FROM cbh_ingest(['{glob}'])").fetchall() == [("skipped",)]


def test_tag_keys_with_quotes_and_dots_and_odd_column_names(connect, tmp_path):
    path = tmp_path / "tags.csv"
    path.write_text(sept_with({
        "resourceTags/user:o'brien.team": "it's \"ours\"",
        'resourceTags/user:cost"center': "cc-1",
        "resourceTags/user:a.b.c": "dots",
        'lineItem/Weird "Col"; DROP TABLE y; --': "x",
    }))
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE y AS SELECT 1 AS canary")
    assert con.execute("SELECT status, error FROM cbh_ingest(?)", [str(path)]).fetchall() == [("ingested", None)]
    assert con.execute("SELECT canary FROM y").fetchall() == [(1,)]
    tags = con.execute("SELECT DISTINCT Tags FROM cbh.silver_line_items WHERE Tags['a.b.c'] IS NOT NULL").fetchall()
    assert tags, "the tags did not reach Silver"
    t = tags[0][0]
    assert t["o'brien.team"] == "it's \"ours\"" and t['cost"center'] == "cc-1" and t["a.b.c"] == "dots", t
    # the odd column is kept in Bronze under its own name
    cols = [c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'bronze_cur'")
            .fetchall()]
    assert 'lineItem/Weird "Col"; DROP TABLE y; --' in cols
    value = con.execute('SELECT DISTINCT "lineItem/Weird ""Col""; DROP TABLE y; --" FROM cbh.bronze_cur').fetchall()
    assert value == [("x",)]
    # zombies carry the tags as the user typed them
    zombie_tags = json.loads(con.execute("SELECT tags FROM cbh_zombies() LIMIT 1").fetchone()[0])
    assert zombie_tags["o'brien.team"] == "it's \"ours\"", zombie_tags


def test_a_column_name_with_a_line_break_runs_nothing(connect, tmp_path):
    """A quoted name may hold a line break (Parquet column names can): cbh's templates are filled without their
    comment lines, so the name cannot end a comment and turn the rest of itself into SQL."""
    path = tmp_path / "nl.parquet"
    name = "resourceTags/user:a\nDROP TABLE y; --"
    duckdb.sql(f"""COPY (SELECT *, 'v' AS "{name}" FROM read_csv('{SEPT}', all_varchar = true)) TO '{path}'""")
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE y AS SELECT 1 AS canary")
    assert con.execute("SELECT status, error FROM cbh_ingest(?)", [str(path)]).fetchall() == [("ingested", None)]
    assert con.execute("SELECT canary FROM y").fetchall() == [(1,)]
    tags = con.execute("SELECT Tags FROM cbh.silver_line_items LIMIT 1").fetchone()[0]
    assert tags["a\nDROP TABLE y; --"] == "v", tags


@pytest.mark.parametrize("sql, message", [
    ("SELECT * FROM cbh_ingest('{f}', format := 'cur''; DROP TABLE y; --')", "the format must be one of"),
    ("SELECT * FROM cbh_zombies(billing_period := '2024-09''; DROP TABLE y; --')", "billing_period"),
    ("SELECT * FROM cbh_zombies(min_cost := 'x; DROP TABLE y')", "min_cost"),
])
def test_hostile_parameters_are_refused_as_values(connect, tmp_path, sql, message):
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute(f"SELECT * FROM cbh_ingest('{SEPT}')").fetchall()
    con.execute("CREATE TABLE y AS SELECT 1 AS canary")
    with pytest.raises(duckdb.Error, match=message):
        con.execute(sql.format(f=SEPT)).fetchall()
    assert con.execute("SELECT canary FROM y").fetchall() == [(1,)]


def test_tags_differing_only_in_case_are_two_tags_not_a_repeated_column(connect, tmp_path):
    """AWS tag keys are case-sensitive (`Name` and `name`); DuckDB's column names are not."""
    path = tmp_path / "case.csv"
    path.write_text(sept_with({"resourceTags/user:Name": "web", "resourceTags/user:name": "db"}))
    con = connect(str(tmp_path / "w.duckdb"))
    assert con.execute("SELECT status, error FROM cbh_ingest(?)", [str(path)]).fetchall() == [("ingested", None)]
    tags = con.execute("SELECT Tags FROM cbh.silver_line_items LIMIT 1").fetchone()[0]
    assert tags["Name"] == "web" and "db" in tags.values(), tags
