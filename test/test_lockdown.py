"""DuckDB's lockdown binds cbh too: with `enable_external_access = false` and `allowed_directories`, every path cbh
reads (listing and globbing, fingerprinting, staging, manifests named or found beside the data, the cheap re-drop
check) is refused outside what is allowed, with DuckDB's own Permission Error; cbh's Rust code reads no file itself.
"""
import json
import os
import re
import shutil

import duckdb
import pytest

from conftest import REPO, record_figure

DATA = os.path.join(REPO, "test", "data", "cur")
PERMISSION = r"Permission Error: Cannot access (file|directory) .* file system operations are disabled by configuration"


@pytest.fixture
def dirs(tmp_path):
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    shutil.copy(os.path.join(DATA, "sept.csv"), outside / "sept.csv")
    shutil.copy(os.path.join(DATA, "oct-part1.csv"), allowed / "oct-part1.csv")
    shutil.copy(os.path.join(DATA, "oct-part2.csv"), outside / "oct-part2.csv")
    return allowed, outside


def lock_down(con, allowed=None):
    if allowed is not None:
        con.execute(f"SET allowed_directories = ['{allowed}/']")
    con.execute("SET enable_external_access = false")


def state(con):
    return (con.execute("SELECT count(*), sum(BilledCost) FROM cbh.silver_line_items").fetchone(),
            con.execute("SELECT count(*) FROM cbh.ledger").fetchone()[0])


def refused(con, sql):
    with pytest.raises(duckdb.Error) as e:
        con.execute(sql).fetchall()
    message = str(e.value)
    assert message.startswith("Invalid Input Error: cbh: "), message
    assert re.search(PERMISSION, message), message
    return message


def test_external_access_disabled_refuses_every_file_but_reports_still_work(connect, dirs, tmp_path):
    allowed, outside = dirs
    con = connect(str(tmp_path / "w.duckdb"))
    sept = outside / "sept.csv"
    con.execute(f"SELECT * FROM cbh_ingest('{sept}')").fetchall()
    before = state(con)
    lock_down(con)
    tried = {
        "a file": f"SELECT * FROM cbh_ingest('{allowed}/oct-part1.csv')",
        "a glob": f"SELECT * FROM cbh_ingest('{outside}/*.csv')",
        "a list": f"SELECT * FROM cbh_ingest(['{allowed}/oct-part1.csv', '{sept}'])",
        "the unchanged file again (the cheap re-drop check)": f"SELECT * FROM cbh_ingest('{sept}')",
        "a manifest": f"SELECT * FROM cbh_ingest('{outside}/x-Manifest.json')",
    }
    for what, sql in tried.items():
        refused(con, sql)
    assert state(con) == before
    # what is already in the warehouse stays readable
    assert con.execute("SELECT count(*) FROM cbh_zombies(min_cost := 0)").fetchone()[0] == 2
    assert con.execute("SELECT line_items FROM cbh_silver()").fetchall() == [(8,)]
    record_figure("lockdown_external_access", refused=sorted(tried), result="Permission Error, warehouse unchanged")


def test_allowed_directories_bound_what_cbh_reads(connect, dirs, tmp_path):
    allowed, outside = dirs
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute(f"SELECT * FROM cbh_ingest('{outside}/sept.csv')").fetchall()  # before the lockdown
    lock_down(con, allowed)
    before = state(con)
    refused(con, f"SELECT * FROM cbh_ingest('{outside}/sept.csv')")  # landed before: still not even listed
    refused(con, f"SELECT * FROM cbh_ingest('{outside}/oct-part2.csv')")
    # a call mixing allowed and forbidden files fails whole: nothing of it lands
    refused(con, f"SELECT * FROM cbh_ingest(['{allowed}/oct-part1.csv', '{outside}/oct-part2.csv'])")
    assert state(con) == before
    # inside the allowed folder cbh works as usual
    rows = con.execute(f"SELECT status, error FROM cbh_ingest('{allowed}/oct-part1.csv')").fetchall()
    assert rows == [("ingested", None)], rows


def test_a_manifest_cannot_lead_cbh_out_of_the_allowed_directories(connect, dirs, tmp_path):
    allowed, outside = dirs
    # a legacy CUR manifest inside the allowed folder whose keys resolve to a file outside it
    manifest = allowed / "rep-Manifest.json"
    manifest.write_text(json.dumps({
        "reportName": "rep",
        "billingPeriod": {"start": "20241001T000000.000Z", "end": "20241101T000000.000Z"},
        "reportKeys": [f"{allowed.name}/oct-part1.csv", f"{outside.parent.name}/outside/oct-part2.csv"],
    }))
    con = connect(str(tmp_path / "w.duckdb"))
    lock_down(con, allowed)
    rows = con.execute(f"SELECT file, status, error FROM cbh_ingest('{manifest}')").fetchall()
    by_file = {os.path.basename(f): (s, e) for f, s, e in rows}
    status, error = by_file["rep-Manifest.json"]
    assert status == "rejected", rows
    assert error.startswith(f"cbh: file '{manifest}': lists files that cannot be listed"), error
    assert re.search(PERMISSION, error) and "oct-part2.csv" in error, error
    assert by_file["oct-part1.csv"][0] == "rejected", rows  # the delivery lands whole or not at all
    assert con.execute("SELECT count(*) FROM cbh.silver_line_items").fetchone()[0] == 0


def test_manifests_beside_the_data_are_looked_for_only_where_allowed(connect, dirs, tmp_path):
    allowed, outside = dirs
    # The data sits in an allowed folder; the folder above it (where a legacy manifest may be) is not allowed.
    (tmp_path / "rep-Manifest.json").write_text("this would be rejected if cbh read it")
    con = connect(str(tmp_path / "w.duckdb"))
    lock_down(con, allowed)
    rows = con.execute(f"SELECT status, error FROM cbh_ingest('{allowed}/oct-part1.csv')").fetchall()
    assert rows == [("ingested", None)], rows


def test_cbh_reads_no_file_with_rust_io():
    """Every file cbh reads goes through DuckDB (SQL or its file system), so DuckDB's rules apply: no std::fs, no
    File::open in the extension's sources (the build-time footer tool in src/bin is not part of the extension)."""
    offenders = []
    for folder, _, files in os.walk(os.path.join(REPO, "src")):
        if os.path.basename(folder) == "bin":
            continue
        for name in files:
            text = open(os.path.join(folder, name)).read()
            code = text.split("#[cfg(test)]")[0]
            for pattern in ("std::fs", "File::open", "File::create", "OpenOptions", "read_to_string(\"", "fs::read"):
                if pattern in code:
                    offenders.append(f"{name}: {pattern}")
    assert not offenders, offenders
