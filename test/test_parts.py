"""Deliveries that arrive in pieces or twice: no part is lost without cbh saying so, the user can re-land or forget
a period, and the files that are not bills in an AWS export folder are skipped with a note."""
import os

import duckdb
import pytest

from conftest import LAYOUT, REPO

CUR = os.path.join(REPO, "test", "data", "cur")
PART1, PART2 = os.path.join(CUR, "oct-part1.csv"), os.path.join(CUR, "oct-part2.csv")
SEPT, SEPT_REVISED = os.path.join(CUR, "sept.csv"), os.path.join(CUR, "sept_revised.csv")


def ingest(con, files, **named):
    params = "".join(f", {k} := {v}" for k, v in named.items())
    rows = con.execute(f"SELECT file, status, rows, error, note FROM cbh_ingest($1{params})", [files]).fetchall()
    return {os.path.basename(r[0]): r[1:] for r in rows}


def line_items(con, period):
    return con.execute("SELECT coalesce(sum(line_items), 0) FROM cbh.periods WHERE billing_period = $1::DATE",
                       [period]).fetchone()[0]


def test_parts_that_came_in_two_calls_are_named_and_land_whole_when_brought_together(connect):
    con = connect()
    assert ingest(con, [PART1])["oct-part1.csv"][0] == "ingested"
    second = ingest(con, [PART2])["oct-part2.csv"]
    # The second call replaced the first: it says so, naming what it replaced and how to land both.
    assert second[0] == "replaced"
    assert "ingestion 1 had landed it from" in second[3] and "oct-part1.csv" in second[3], second
    assert f"cbh_ingest(['{PART2}', '{PART1}'])" in second[3]
    assert line_items(con, "2024-10-01") == 2
    # Both together, as the note says: the delivery lands again, whole (before: both 'skipped', October half).
    both = ingest(con, [PART1, PART2])
    assert {v[0] for v in both.values()} == {"replaced"}, both
    assert all("landed again" in v[3] for v in both.values()), both
    assert line_items(con, "2024-10-01") == 4
    # And again: nothing changes now.
    assert {v[0] for v in ingest(con, [PART1, PART2]).values()} == {"skipped"}
    assert line_items(con, "2024-10-01") == 4


def test_an_old_version_dropped_again_never_undoes_the_revision(connect):
    con = connect()
    ingest(con, [SEPT])
    assert ingest(con, [SEPT_REVISED])["sept_revised.csv"][0] == "replaced"
    again = ingest(con, [SEPT])["sept.csv"]
    assert again[0] == "skipped" and "has since replaced" in again[3] and "sept_revised.csv" in again[3], again
    assert "force := true" in again[3]
    assert line_items(con, "2024-09-01") == 3  # the revision's


def test_force_lands_bytes_that_landed_before(connect):
    con = connect()
    ingest(con, [SEPT])
    ingest(con, [SEPT_REVISED])
    forced = ingest(con, [SEPT], force="true")["sept.csv"]
    assert forced[0] == "replaced" and "force := true" in forced[3], forced
    assert line_items(con, "2024-09-01") == 8


def test_two_versions_of_one_report_side_by_side_are_pointed_out(connect):
    # The tour's own folder holds an old and a revised September: one call takes them as one delivery.
    con = connect()
    got = ingest(con, [os.path.join(CUR, "*.csv")])
    for name in ("sept.csv", "sept_revised.csv"):
        assert got[name][0] == "ingested"
        assert "look like two versions of one report" in got[name][3], got[name]
    # Real parts of one report are named as one delivery, without the warning.
    assert "landed together as one delivery" in got["oct-part1.csv"][3]
    assert "two versions" not in got["oct-part1.csv"][3]


def test_forget_removes_a_period_so_that_its_files_land_again(connect):
    con = connect()
    ingest(con, [SEPT, PART1, PART2])
    out = con.execute("SELECT provider, billing_account, billing_period::VARCHAR, line_items, status "
                      "FROM cbh_forget(billing_period := '2024-10')").fetchall()
    assert out == [("AWS", "999988887777", "2024-10-01", 4, "forgotten")]
    assert line_items(con, "2024-10-01") == 0 and line_items(con, "2024-09-01") == 8
    assert con.execute("SELECT count(*) FROM cbh_silver() WHERE billing_period = DATE '2024-10-01'").fetchone()[0] == 0
    again = ingest(con, [PART1, PART2])
    assert {v[0] for v in again.values()} == {"ingested"}, again
    assert line_items(con, "2024-10-01") == 4


@pytest.mark.parametrize("call, message", [
    ("cbh_forget()", "cbh_forget needs billing_period"),
    ("cbh_forget(billing_period := 'October')", "cbh_forget(billing_period := 'October'): a billing period is a month"),
    ("cbh_forget(billing_period := '2023-01')", "holds no bill for billing period 2023-01"),
    ("cbh_forget(billing_period := '2024-09', billing_account := '1')", "billing account 1"),
])
def test_forget_says_what_is_wrong_and_changes_nothing(connect, call, message):
    con = connect()
    ingest(con, [SEPT])
    with pytest.raises(duckdb.Error, match="cbh"):
        try:
            con.execute(f"SELECT * FROM {call}").fetchall()
        except duckdb.Error as e:
            assert message in str(e), e
            raise
    assert line_items(con, "2024-09-01") == 8


def test_aws_companion_files_and_os_litter_are_skipped_with_a_note(connect, tmp_path):
    folder = tmp_path / "cur-bucket" / "report" / "20240901-20241001"
    (folder / "cost_and_usage_data_status").mkdir(parents=True)
    (folder / "report.csv").write_bytes(open(SEPT, "rb").read())
    litter = {"report-RedshiftManifest.json": "{}", "report-RedshiftCommands.sql": "COPY x;", "crawler-cfn.yml": "a: 1",
              ".DS_Store": "\0\0\0\1Bud1", "._report.csv": "\0\5\26\7", "Thumbs.db": "\0", "desktop.ini": "[x]"}
    for name, text in litter.items():
        (folder / name).write_text(text)
    (folder / "cost_and_usage_data_status" / "status.parquet").write_bytes(b"PAR1")
    con = connect()
    got = ingest(con, [str(tmp_path / "cur-bucket" / "**")])
    assert got.pop("report.csv")[0] == "ingested"
    assert len(got) == len(litter) + 1
    for name, (status, rows, error, note) in got.items():
        assert (status, error) == ("skipped", None) and note.startswith("not a bill"), (name, note)


def test_billing_period_parameters_take_a_month_as_text_or_a_date(connect):
    con = connect()
    ingest(con, [SEPT, PART1, PART2])
    by_date = con.execute("SELECT count(*) FROM cbh_zombies(billing_period := DATE '2024-09-01')").fetchone()
    assert by_date == con.execute("SELECT count(*) FROM cbh_zombies(billing_period := '2024-09')").fetchone()
    assert by_date[0] > 0
    assert con.execute("SELECT count(*) FROM cbh_waste(billing_period := '2024-09-15')").fetchone()[0] > 0
    with pytest.raises(duckdb.Error, match=r"cbh_zombies\(billing_period := '09/2024'\): a billing period is a month"):
        con.execute("SELECT * FROM cbh_zombies(billing_period := '09/2024')").fetchall()


def test_findings_worth_nothing_are_left_out_unless_asked_for(connect):
    con = connect()
    ingest(con, [SEPT])
    # A rule of the user's whose waste comes out 0 for a resource (say a share of a cost that is 0 here).
    con.execute("INSERT INTO cbh.rules (rule, description, predicate, evidence, waste, effective_waste, params, origin) "
                "VALUES ('worthless', 'test', 'resource_id = ''vol-0idle''', '''idle''', '0', '0', MAP {}, 'user')")
    shown = con.execute("SELECT rule FROM cbh_zombies()").fetchall()
    assert shown and ("worthless",) not in shown
    assert ("worthless",) in con.execute("SELECT rule FROM cbh_zombies(min_cost := 0)").fetchall()


def test_a_layout_3_warehouse_gains_the_note_column(connect, tmp_path):
    path = str(tmp_path / "w.duckdb")
    con = connect(path)
    ingest(con, [SEPT])
    con.execute("ALTER TABLE cbh.ledger DROP COLUMN note; UPDATE cbh.meta SET schema_version = 3")
    got = ingest(con, [SEPT_REVISED])["sept_revised.csv"]
    assert got[0] == "replaced" and "sept.csv" in got[3]
    assert con.execute("SELECT schema_version FROM cbh.meta").fetchall() == [(LAYOUT,)]
    assert con.execute("SELECT count(*) FROM cbh.rules").fetchone()[0] >= 9


def test_an_old_and_a_revised_version_brought_together_again_change_nothing(connect):
    # A folder that still holds both versions, ingested again after the revision replaced the old one.
    con = connect()
    ingest(con, [SEPT])
    ingest(con, [SEPT_REVISED])
    both = ingest(con, [SEPT, SEPT_REVISED])
    assert {v[0] for v in both.values()} == {"skipped"}, both
    assert all("two versions of one report" in v[3] for v in both.values()), both
    assert line_items(con, "2024-09-01") == 3  # still the revision, not both counted
