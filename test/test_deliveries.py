"""Revisions of split deliveries: unchanged parts rejoin, broken parts stop the whole delivery, copies follow; delivery
keys and the names a manifest lists stay whole whatever characters they hold."""
import json
import os
from datetime import date

import pytest

from conftest import REPO

CUR = os.path.join(REPO, "test", "data", "cur")


def text(name):
    with open(os.path.join(CUR, name)) as f:
        return f.read()


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    return str(path)


@pytest.fixture
def october(connect, tmp_path):
    """A warehouse holding October as its original two-part delivery (4 line items, 0.195)."""
    con = connect(str(tmp_path / "w.duckdb"))
    p1, p2 = write(tmp_path, "p1.csv", text("oct-part1.csv")), write(tmp_path, "p2.csv", text("oct-part2.csv"))
    assert con.execute(f"SELECT status FROM cbh_ingest(['{p1}', '{p2}'])").fetchall() == [("ingested",)] * 2
    return con, p1, p2


def october_totals(con):
    return con.execute("SELECT line_items, billed_cost::VARCHAR FROM cbh_silver() WHERE billing_period = '2024-10-01'"
                       ).fetchone()


def revised_part1(tmp_path):
    # one more line item in part 1; part 2 is re-delivered unchanged
    extra = text("oct-part1.csv").splitlines()[-1].replace("m2,", "m5,").replace(",0.005,", ",0.007,")
    return write(tmp_path, "p1-rev.csv", text("oct-part1.csv") + extra + "\n")


def test_unchanged_part_rejoins_its_revised_delivery(october, tmp_path):
    con, p1, p2 = october
    rev = revised_part1(tmp_path)
    rows = con.execute(f"SELECT file, status FROM cbh_ingest(['{rev}', '{p2}'])").fetchall()
    assert sorted(rows) == sorted([(rev, "replaced"), (p2, "replaced")])
    assert october_totals(con) == (5, "0.202000000000000000")


def test_truncated_part_stops_its_revised_delivery(october, tmp_path):
    con, p1, p2 = october
    broken = write(tmp_path, "p2-broken.csv", text("oct-part2.csv")[:-30])
    rows = dict(con.execute(f"SELECT file, status FROM cbh_ingest(['{revised_part1(tmp_path)}', '{broken}'])"
                            ).fetchall())
    assert set(rows.values()) == {"rejected"}
    assert october_totals(con) == (4, "0.195000000000000000")


def test_part_missing_a_column_stops_its_revised_delivery(october, tmp_path):
    con, p1, p2 = october
    lines = [l.split(",") for l in text("oct-part2.csv").splitlines()]
    drop = lines[0].index("lineItem/CurrencyCode")
    no_currency = write(tmp_path, "p2-nocur.csv", "\n".join(",".join(c for i, c in enumerate(l) if i != drop)
                                                             for l in lines) + "\n")
    rows = dict(con.execute(f"SELECT file, error FROM cbh_ingest(['{revised_part1(tmp_path)}', '{no_currency}'])"
                            ).fetchall())
    assert "has no column 'lineItem/CurrencyCode'" in rows[no_currency]
    assert "not landed" in rows[str(tmp_path / "p1-rev.csv")]
    assert october_totals(con) == (4, "0.195000000000000000")


def test_copy_of_a_rejected_file_is_rejected_too(connect, tmp_path):
    con = connect()
    bad = os.path.join(REPO, "test", "data", "bad", "bad_cost.csv")
    copy = write(tmp_path, "copy.csv", open(bad).read())
    rows = dict(con.execute(f"SELECT file, error FROM cbh_ingest(['{bad}', '{copy}'])").fetchall())
    assert rows[copy] == f"cbh: file '{copy}': has the same bytes as '{bad}', which was rejected"


def test_file_name_with_glob_characters_is_rejected_not_reexpanded(connect, tmp_path):
    con = connect()
    odd = write(tmp_path, "x[1].csv", text("sept.csv"))
    write(tmp_path, "x1.csv", text("oct-part1.csv"))
    (status, error), = con.execute(f"SELECT status, error FROM cbh_ingest('{tmp_path}/x[[]1].csv')").fetchall() \
        or [(None, None)]
    assert status == "rejected" and "glob character" in error
    assert con.execute("SELECT count(*) FROM cbh.bronze_cur").fetchone()[0] == 0


@pytest.mark.parametrize("cost, ok", [
    ("1.5E2", True), ("1.23456789012E-1", True), ("1E-13", True), ("1.5E-12", True), ("1E-18", True),
    ("1E-19", False), ("1.5E-18", False), ("1_000.5", False), ("NaN", False), ("0x10", False),
    # the edges of the plain-decimal fast path (at most 15 integer digits and 18 places) and just past them
    ("999999999999999.999999999999999999", True), ("1.", True), (".5", True), ("-.5", True), ("+1", True),
    ("0.1234567890120000", True), ("0.1234567890123", True), ("0.123456789012345678000", True),
    ("0.1234567890123456789", False), ("1000000000000000", False), (".", False),
    ("+", False), ("1.2.3", False), ("", True)])
def test_costs_land_only_when_exact(connect, tmp_path, cost, ok):
    """The fast path may only accept what the full check accepts; the rest goes through the full check."""
    con = connect()
    path = write(tmp_path, "c.csv", text("sept.csv").replace(",0.0104,", f",{cost},", 1))
    status, = con.execute(f"SELECT status FROM cbh_ingest('{path}')").fetchone()
    assert status == ("ingested" if ok else "rejected")


def test_usage_below_18_decimals_is_not_rounded_to_a_false_zombie(connect, tmp_path):
    con = connect()
    path = write(tmp_path, "u.csv", text("sept.csv").replace("vol-0idle,0.0,", "vol-0idle,1e-19,", 1))
    (status, error), = con.execute(f"SELECT status, error FROM cbh_ingest('{path}')").fetchall()
    assert status == "rejected" and "'1e-19' is not a quantity cbh can hold exactly" in error


def test_a_billing_account_holding_control_characters_lands_whole_and_is_known_again(connect, tmp_path):
    """Delivery keys reach the ledger as a list of structs, not as text joined with chr(30) and chr(31): an account
    holding those characters lands whole, the same bytes under another name are skipped with the same key, and the
    period can be forgotten by that account."""
    con = connect()
    account = "9999\x1e8888\x1f7777"
    path = write(tmp_path, "odd.csv", text("sept.csv").replace("999988887777", account))
    copy = write(tmp_path, "odd-copy.csv", text("sept.csv").replace("999988887777", account))
    assert con.execute("SELECT status, billing_account FROM cbh_ingest($1)", [path]).fetchall() == [
        ("ingested", account)]
    assert con.execute("SELECT status, billing_account FROM cbh_ingest($1)", [copy]).fetchall() == [
        ("skipped", account)]
    deliveries = con.execute("SELECT DISTINCT deliveries FROM cbh.ledger").fetchall()
    assert deliveries == [([{"provider": "AWS", "billing_account": account, "billing_period": date(2024, 9, 1)}],)]
    assert con.execute("SELECT billing_account FROM cbh_silver()").fetchall() == [(account,)]
    forgotten = con.execute("SELECT billing_account, status FROM cbh_forget(billing_period := '2024-09', "
                            "billing_account := $1)", [account]).fetchall()
    assert forgotten == [(account, "forgotten")]


def test_a_manifest_listing_a_name_with_control_characters_finds_that_file(connect, tmp_path):
    """A manifest's file list is read as a list: a listed name holding chr(30) or chr(31) is one file, not two."""
    con = connect()
    period = tmp_path / "rep" / "20240901-20241001"
    period.mkdir(parents=True)
    name = "rep-1\x1e\x1f.csv"
    (period / name).write_text(text("sept.csv"))
    manifest = period / "rep-Manifest.json"
    manifest.write_text(json.dumps({"reportName": "rep", "billingPeriod": {"start": "20240901T000000.000Z"},
                                    "reportKeys": [f"rep/20240901-20241001/{name}"]}))
    rows = con.execute("SELECT file, status, error FROM cbh_ingest($1)", [str(manifest)]).fetchall()
    assert sorted(rows) == sorted([(str(manifest), "ingested", None), (str(period / name), "ingested", None)])
