"""Every input format lands in the same Silver: the same logical bill (scripts/gen_formats.py) as legacy CUR CSV,
gzip parts with a manifest, Athena Parquet, CUR 2.0 Parquet and gzip CSV, and FOCUS 1.0/1.1/1.2 CSV and Parquet,
each checked against the generator's exact truth and against each other."""
import glob
import gzip
import json
import os
import shutil
import zipfile
from decimal import Decimal

import pytest

from conftest import REPO

CASES = {
    # name: (patterns relative to the fixture folder, expected format per data file)
    "cur-csv": (["cur/plain/*.csv"], "cur"),
    "cur-gzip-manifest": (["cur/prefix/cbh-report/*/cbh-report-Manifest.json"], "cur"),
    "cur-gzip-parts-find-their-manifest": (["cur/prefix/cbh-report/*/*/*.csv.gz"], "cur"),
    "cur-athena-parquet-hive": (["cur_athena/year=2024/month=*/*.parquet"], "cur_athena"),
    "cur2-parquet-manifest": (["cur2/parquet/prefix/cbh-export/metadata/*/*Manifest.json"], "cur2"),
    "cur2-gzip-csv": (["cur2/csv/prefix/cbh-export/data/BILLING_PERIOD=*/*.csv.gz"], "cur2"),
    "focus-1.0-csv": (["focus/1.0/*.csv"], "focus"),
    "focus-1.0-parquet": (["focus/1.0/*.parquet"], "focus"),
    "focus-1.1-csv": (["focus/1.1/*.csv"], "focus"),
    "focus-1.1-parquet": (["focus/1.1/*.parquet"], "focus"),
    "focus-1.2-csv": (["focus/1.2/*.csv"], "focus"),
    "focus-1.2-parquet": (["focus/1.2/*.parquet"], "focus"),
}

# Athena and CUR 2.0 spell tag keys in snake_case (AWS lowercases them and turns other characters into '_').
SNAKE_TAGS = {"aws:createdBy": "aws_created_by", "cost-center": "cost_center"}

# What Silver must agree on, whatever the input: per period, resource and charge category.
DIGEST = """
SELECT strftime(BillingPeriodStart, '%Y-%m') AS period, coalesce(ResourceId, '') AS resource, ChargeCategory,
       sum(BilledCost)::VARCHAR, sum(EffectiveCost)::VARCHAR,
       coalesce(sum(ConsumedQuantity) FILTER (WHERE ChargeCategory = 'Usage'), 0)::DECIMAL(38, 6)::VARCHAR,
       count(*), min(ServiceName), min(RegionId), min(SubAccountId), min(BillingCurrency)
FROM cbh.silver_line_items
GROUP BY ALL
ORDER BY ALL
"""


def truth(root):
    with open(os.path.join(root, "truth.json")) as f:
        return json.load(f)


def ingest(con, root, patterns, **named):
    params = "".join(f", {k} := '{v}'" for k, v in named.items())
    return con.execute(f"SELECT file, format, billing_period, status, rows, coalesce(error, note), manifest "
                       f"FROM cbh_ingest($1{params})",
                       [[os.path.join(root, p) for p in patterns]]).fetchall()


@pytest.mark.parametrize("case", CASES)
def test_each_format_is_detected_and_matches_the_exact_truth(connect, formats, case):
    patterns, fmt = CASES[case]
    con = connect()
    rows = ingest(con, formats, patterns)
    assert rows and all(r[3] == "ingested" for r in rows), rows
    assert {r[1] for r in rows if r[1] != "manifest"} == {fmt}
    expected = truth(formats)
    silver = con.execute("SELECT strftime(billing_period, '%Y-%m'), provider, billing_account, line_items, "
                         "billed_cost, effective_cost, resources, currency FROM cbh_silver() ORDER BY 1").fetchall()
    assert [s[0] for s in silver] == ["2024-09", "2024-10"]
    for period, provider, account, items, billed, effective, resources, currency in silver:
        t = expected[period]
        assert (provider, account, currency) == ("AWS", expected["account"], "USD")
        assert items == t["rows"]
        assert billed == Decimal(t["billed_cost"]), period
        assert effective == Decimal(t["effective_cost"]), period
        assert resources == t["resources"]
        keys = con.execute("SELECT list_sort(list_distinct(flatten(list(map_keys(Tags))))) FROM cbh.silver_line_items "
                           "WHERE strftime(BillingPeriodStart, '%Y-%m') = $1", [period]).fetchone()[0]
        want = t["tag_keys"] if fmt in ("cur", "focus") else [SNAKE_TAGS.get(k, k) for k in t["tag_keys"]]
        assert keys == sorted(want)
        zombies = con.execute("SELECT list(resource_id ORDER BY resource_id) FROM cbh_zombies(billing_period := $1, "
                              "rule := 'zero_usage')",
                              [period + "-01"]).fetchone()[0]
        assert zombies == sorted(t["zero_usage"])
        categories = dict(con.execute(
            "SELECT ChargeCategory, sum(BilledCost) FROM cbh.silver_line_items "
            "WHERE strftime(BillingPeriodStart, '%Y-%m') = $1 GROUP BY ALL", [period]).fetchall())
        assert categories == {k: Decimal(v) for k, v in t["by_charge_category"].items()}


def test_silver_is_the_same_whatever_went_in(connect, formats):
    digests = {}
    for case, (patterns, _) in CASES.items():
        con = connect()
        ingest(con, formats, patterns)
        digests[case] = con.execute(DIGEST).fetchall()
    reference = digests["cur-csv"]
    assert len(reference) > 20
    for case, digest in digests.items():
        assert digest == reference, case


def test_tags_keep_the_provider_key_beside_the_user_key(connect, formats):
    con = connect()
    ingest(con, formats, CASES["cur-csv"][0])
    row = con.execute("SELECT Tags, x_SourceTags FROM cbh.silver_line_items WHERE Tags['team'] IS NOT NULL "
                      "AND Tags['aws:createdBy'] IS NOT NULL LIMIT 1").fetchone()
    tags, source = row
    assert "team" in tags and "user:team" not in tags
    assert source["user:team"] == tags["team"] and source["aws:createdBy"] == tags["aws:createdBy"]


def test_focus_null_strings_read_as_null(connect, formats):
    con = connect()
    ingest(con, formats, ["focus/1.0/focus-2024-09.csv"])
    raw = con.execute(f"SELECT count(*) FROM read_csv('{formats}/focus/1.0/focus-2024-09.csv', all_varchar = true) "
                      "WHERE ChargeClass = 'NULL'").fetchone()[0]
    assert raw > 0
    nulls = con.execute("SELECT count(*) FILTER (WHERE ChargeClass IS NULL), count(*) FILTER (WHERE ChargeClass = 'NULL')"
                        " FROM cbh.silver_line_items").fetchone()
    assert nulls == (raw, 0)


def test_schema_drift_across_months_queries_together(connect, formats):
    con = connect()
    ingest(con, formats, ["cur/plain/cbh-report-2024-09.csv"])
    ingest(con, formats, ["cur/plain/cbh-report-2024-10.csv"])
    cols = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'bronze_cur'").fetchall()]
    assert "lineItem/NormalizationFactor" in cols and "resourceTags/user:cost-center" in cols
    sept = con.execute("SELECT count(*) FROM cbh.bronze_cur WHERE billing_period = '2024-09-01' "
                       "AND \"lineItem/NormalizationFactor\" IS NULL").fetchone()[0]
    assert sept == truth(formats)["2024-09"]["rows"]
    by_team = con.execute("SELECT count(DISTINCT strftime(BillingPeriodStart, '%Y-%m')) FROM cbh.silver_line_items "
                          "WHERE Tags['team'] IS NOT NULL").fetchone()[0]
    assert by_team == 2


def copy_tree(src, dst):
    shutil.copytree(src, dst)
    return str(dst)


def test_a_manifest_with_a_missing_file_rejects_the_delivery(connect, formats, tmp_path):
    root = copy_tree(os.path.join(formats, "cur2", "parquet"), tmp_path / "cur2")
    gone = glob.glob(f"{root}/prefix/cbh-export/data/BILLING_PERIOD=2024-09/*-00002.snappy.parquet")[0]
    os.remove(gone)
    con = connect()
    rows = ingest(con, root, ["prefix/cbh-export/metadata/BILLING_PERIOD=2024-09/*Manifest.json"])
    assert {r[3] for r in rows} == {"rejected"}
    manifest_error = [r[5] for r in rows if r[1] == "manifest"][0]
    assert "is incomplete: 1 of the 2 files it lists are missing" in manifest_error
    assert "cbh-export-00002.snappy.parquet" in manifest_error
    assert all("is incomplete" in r[5] for r in rows)
    assert con.execute("SELECT count(*) FROM cbh_silver()").fetchone()[0] == 0


def test_parts_of_an_old_assembly_do_not_land_beside_the_manifest(connect, formats, tmp_path):
    root = copy_tree(os.path.join(formats, "cur"), tmp_path / "cur")
    period = f"{root}/prefix/cbh-report/20240901-20241001"
    current = [d for d in glob.glob(f"{period}/*/") if os.path.isdir(d)][0]
    stale = os.path.join(period, "00000000-old-assembly")
    os.makedirs(stale)
    with gzip.open(glob.glob(f"{current}/*-00001.csv.gz")[0], "rt") as f:
        text = f.read()
    with gzip.open(os.path.join(stale, "cbh-report-00001.csv.gz"), "wt") as f:
        f.write(text.replace(",0.0", ",9.0"))  # an older, different bill
    con = connect()
    rows = ingest(con, root, ["prefix/cbh-report/20240901-20241001/*/*.csv.gz"])
    by_file = {os.path.relpath(r[0], period): r for r in rows}
    old = by_file["00000000-old-assembly/cbh-report-00001.csv.gz"]
    assert old[3] == "skipped" and "not listed in manifest" in old[5], old
    assert sum(1 for r in rows if r[3] == "ingested") == 3  # two parts and the manifest
    billed = con.execute("SELECT billed_cost FROM cbh_silver()").fetchone()[0]
    assert billed == Decimal(truth(formats)["2024-09"]["billed_cost"])
    # again: the unchanged manifest still speaks for the period, so the old part does not land on its own
    again = ingest(con, root, ["prefix/cbh-report/20240901-20241001/*/*.csv.gz"])
    assert sorted(r[3] for r in again) == ["skipped"] * 4, again
    assert con.execute("SELECT billed_cost FROM cbh_silver()").fetchone()[0] == billed


def test_a_rewritten_manifest_replaces_the_delivery_and_an_unchanged_one_is_skipped(connect, formats, tmp_path):
    root = copy_tree(os.path.join(formats, "cur2", "csv"), tmp_path / "cur2")
    manifest = f"{root}/prefix/cbh-export/metadata/BILLING_PERIOD=2024-09/cbh-export-Manifest.json"
    con = connect()
    assert {r[3] for r in ingest(con, root, [manifest])} == {"ingested"}
    assert {r[3] for r in ingest(con, root, [manifest])} == {"skipped"}
    with open(manifest) as f:
        m = json.load(f)
    m["dataFiles"] = m["dataFiles"][:1]
    m["executionId"] = "refresh-2"
    with open(manifest, "w") as f:
        json.dump(m, f)
    rows = ingest(con, root, [manifest])
    assert sorted(r[3] for r in rows) == ["replaced", "replaced"]
    part1 = glob.glob(f"{root}/prefix/cbh-export/data/BILLING_PERIOD=2024-09/*-00001.csv.gz")[0]
    expected = con.execute(f"SELECT count(*) FROM read_csv('{part1}')").fetchone()[0]
    assert con.execute("SELECT line_items FROM cbh_silver()").fetchone()[0] == expected


def test_zip_is_rejected_with_the_export_setting_to_change(connect, formats, tmp_path):
    path = tmp_path / "cur.csv.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.write(os.path.join(formats, "cur", "plain", "cbh-report-2024-09.csv"), "cbh-report.csv")
    con = connect()
    (row,) = ingest(con, "", [str(path)])
    assert row[3] == "rejected"
    assert "is a ZIP archive" in row[5] and "Choose GZIP (or Parquet) compression" in row[5]


def test_format_can_be_forced_and_a_wrong_format_is_named(connect, formats):
    con = connect()
    rows = ingest(con, formats, ["focus/1.0/focus-2024-09.csv"], format="cur")
    assert rows[0][3] == "rejected" and "has no column 'bill_payer_account_id'" in rows[0][5], rows
    rows = ingest(con, formats, ["focus/1.0/focus-2024-09.csv"], format="FOCUS")
    assert rows[0][1:4] == ("focus", rows[0][2], "ingested")
    with pytest.raises(Exception, match="the format must be one of 'auto', 'cur', 'cur_athena', 'cur2', 'focus'"):
        ingest(con, formats, ["focus/1.0/focus-2024-09.csv"], format="csv")


def test_a_period_can_move_from_one_format_to_another(connect, formats):
    con = connect()
    ingest(con, formats, ["cur/plain/cbh-report-2024-09.csv"])
    rows = ingest(con, formats, ["focus/1.2/focus-2024-09.parquet"])
    assert rows[0][3] == "replaced"
    assert con.execute("SELECT format, billed_cost FROM cbh_silver()").fetchall() == [
        ("focus", Decimal(truth(formats)["2024-09"]["billed_cost"]))]
    assert con.execute("SELECT count(*) FROM cbh.bronze_cur").fetchone()[0] == 0


def test_focus_parquet_with_tags_as_a_map(connect, formats, tmp_path):
    src = os.path.join(formats, "focus", "1.2", "focus-2024-09.parquet")
    path = str(tmp_path / "focus-map-tags.parquet")
    con = connect()
    con.execute(f"COPY (SELECT * REPLACE (Tags::JSON::MAP(VARCHAR, VARCHAR) AS Tags) FROM read_parquet('{src}')) "
                f"TO '{path}' (FORMAT parquet)")
    assert con.execute(f"SELECT typeof(Tags) FROM read_parquet('{path}') LIMIT 1").fetchone()[0].startswith("MAP")
    assert ingest(con, "", [path])[0][3] == "ingested"
    keys = con.execute("SELECT list_sort(list_distinct(flatten(list(map_keys(Tags))))) FROM cbh.silver_line_items"
                       ).fetchone()[0]
    assert keys == truth(formats)["2024-09"]["tag_keys"]


def test_parquet_with_a_foreign_schema_is_rejected_by_name(connect, tmp_path):
    path = str(tmp_path / "not-a-bill.parquet")
    con = connect()
    con.execute(f"COPY (SELECT 1 AS id, 'x' AS name) TO '{path}' (FORMAT parquet)")
    (row,) = ingest(con, "", [path])
    assert row[3] == "rejected" and "is not a billing export cbh knows" in row[5] and "'id', 'name'" in row[5]
    assert con.execute("SELECT count(*) FROM cbh_silver()").fetchone()[0] == 0


def test_the_same_period_in_two_formats_in_one_call_is_not_counted_twice(connect, formats):
    con = connect()
    rows = ingest(con, formats, ["cur/plain/cbh-report-2024-09.csv", "focus/1.0/focus-2024-09.csv"])
    assert [r[3] for r in rows] == ["rejected", "rejected"]
    assert all("the same billing period in two formats ('cur' and 'focus')" in r[5] for r in rows), rows
    assert con.execute("SELECT count(*) FROM cbh_silver()").fetchone()[0] == 0
