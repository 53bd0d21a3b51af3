"""Gold's daily spend (cbh.gold_daily, issue 17): what each day cost per sub account, service, region, usage type,
charge category and currency, kept up to date by cbh_ingest. Expected sums are worked out from the files with plain
DuckDB, independently of cbh."""
import csv
import os
from decimal import Decimal

from conftest import REPO, real_file

DAILY = ("SELECT day::VARCHAR, spans_days, sub_account, service, region, usage_type, charge_category, currency, "
         "billed_cost, line_items FROM cbh.gold_daily ORDER BY ALL")

# The legacy CUR as plain DuckDB reads it: the day a line item starts, and the columns Silver takes each dimension
# from (docs/formats.md), summed exactly. The files here have no product/sku column.
CUR_DAILY = """
SELECT strftime(try_cast("lineItem/UsageStartDate" AS TIMESTAMP), '%Y-%m-%d') AS day,
       coalesce(try_cast("lineItem/UsageEndDate" AS TIMESTAMP)
                > try_cast("lineItem/UsageStartDate" AS TIMESTAMP) + INTERVAL 1 DAY, false) AS spans_days,
       nullif("lineItem/UsageAccountId", '') AS sub_account, nullif("product/ProductName", '') AS service,
       nullif("product/region", '') AS region,
       -- the usage type, else (a tax, a credit: no usage type) the line item's description
       coalesce(nullif("lineItem/UsageType", ''), nullif("lineItem/LineItemDescription", '')) AS usage_type,
       CASE "lineItem/LineItemType" WHEN 'Usage' THEN 'Usage' WHEN 'DiscountedUsage' THEN 'Usage'
            WHEN 'SavingsPlanCoveredUsage' THEN 'Usage' WHEN 'SavingsPlanNegation' THEN 'Usage' WHEN 'Tax' THEN 'Tax'
            WHEN 'Credit' THEN 'Credit' WHEN 'Refund' THEN 'Credit' WHEN 'BundledDiscount' THEN 'Credit'
            WHEN 'Discount' THEN 'Credit' WHEN 'EdpDiscount' THEN 'Credit' WHEN 'PrivateRateDiscount' THEN 'Credit'
            WHEN 'DistributorDiscount' THEN 'Credit' WHEN 'Fee' THEN 'Purchase' WHEN 'RIFee' THEN 'Purchase'
            WHEN 'SavingsPlanUpfrontFee' THEN 'Purchase' WHEN 'SavingsPlanRecurringFee' THEN 'Purchase'
            ELSE 'Adjustment' END AS charge_category,
       "lineItem/CurrencyCode" AS currency, sum("lineItem/UnblendedCost"::DECIMAL(38, 18)) AS billed_cost,
       count(*) AS line_items
FROM read_csv($1, all_varchar = true)
GROUP BY ALL
ORDER BY ALL
"""


def ingest(con, paths):
    return [s for (s,) in con.execute("SELECT status FROM cbh_ingest($1)", [[str(p) for p in paths]]).fetchall()]


def test_the_daily_spend_of_a_generated_cur_is_the_files_own(connect, generated):
    folder, _ = generated
    con = connect()
    files = sorted(str(folder / f) for f in os.listdir(folder) if f.endswith(".csv"))
    assert set(ingest(con, files)) == {"ingested"}
    # a period in two files: the same group may come from both
    want = {}
    for f in files:
        for *key, cost, n in con.execute(CUR_DAILY, [f]).fetchall():
            c, m = want.get(tuple(key), (Decimal(0), 0))
            want[tuple(key)] = (c + cost, m + n)
    got = {tuple(key): (cost, n) for *key, cost, n in con.execute(DAILY).fetchall()}
    assert got == want and len(got) > 100
    # every cent of Silver is on some day, once
    assert con.execute("SELECT sum(billed_cost) FROM cbh.gold_daily").fetchone() == \
        con.execute("SELECT sum(BilledCost) FROM cbh.silver_line_items").fetchone()


def test_a_revised_delivery_replaces_its_days_and_forget_removes_them(connect):
    con = connect()
    cur = os.path.join(REPO, "test", "data", "cur")
    assert ingest(con, [os.path.join(cur, "sept.csv"), os.path.join(cur, "oct-part1.csv"),
                        os.path.join(cur, "oct-part2.csv")]) == ["ingested"] * 3
    october = "SELECT day::VARCHAR, billed_cost FROM cbh.gold_daily WHERE billing_period = '2024-10-01' ORDER BY ALL"
    before = con.execute(october).fetchall()
    assert ingest(con, [os.path.join(cur, "sept_revised.csv")]) == ["replaced"]
    revised = con.execute("SELECT strftime(\"lineItem/UsageStartDate\"::TIMESTAMP, '%Y-%m-%d'), "
                          "sum(\"lineItem/UnblendedCost\"::DECIMAL(38, 18)) FROM read_csv($1, all_varchar = true) "
                          "GROUP BY ALL ORDER BY ALL", [os.path.join(cur, "sept_revised.csv")]).fetchall()
    got = con.execute("SELECT day::VARCHAR, sum(billed_cost) FROM cbh.gold_daily WHERE billing_period = '2024-09-01' "
                      "GROUP BY ALL ORDER BY ALL").fetchall()
    assert got == revised and len(got) >= 1
    assert con.execute(october).fetchall() == before  # nothing else recomputed, nothing else changed
    con.execute("SELECT * FROM cbh_forget(billing_period := '2024-09')").fetchall()
    assert con.execute("SELECT count(*) FROM cbh.gold_daily WHERE billing_period = '2024-09-01'").fetchone() == (0,)


def test_a_monthly_line_item_spans_days_and_invents_none(connect, tmp_path):
    header, first = open(os.path.join(REPO, "test", "data", "cur", "sept.csv")).read().splitlines()[:2]
    columns = header.split(",")
    row = dict(zip(columns, first.split(",")))
    monthly = dict(row, **{"identity/LineItemId": "m1", "lineItem/LineItemType": "RIFee",
                           "lineItem/UsageStartDate": "2024-09-01T00:00:00Z",
                           "lineItem/UsageEndDate": "2024-10-01T00:00:00Z", "lineItem/UnblendedCost": "72"})
    path = tmp_path / "fee.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        w.writerows([row, monthly])
    con = connect()
    assert ingest(con, [path]) == ["ingested"]
    got = con.execute("SELECT day::VARCHAR, spans_days, charge_category, billed_cost FROM cbh.gold_daily "
                      "ORDER BY ALL").fetchall()
    assert got == [("2024-09-01", False, "Usage", Decimal("0.045")), ("2024-09-01", True, "Purchase", Decimal("72"))]


def test_the_real_focus_sample_has_its_days(connect):
    path = real_file("focus-1.0-sample.csv")
    con = connect()
    assert ingest(con, [path]) == ["ingested"]
    want = con.execute(f"""
        SELECT strftime(ChargePeriodStart::TIMESTAMP, '%Y-%m-%d'), ServiceName, ChargeCategory,
               sum(nullif(BilledCost, 'NULL')::DECIMAL(38, 18))
        FROM read_csv('{path}', all_varchar = true)
        GROUP BY ALL ORDER BY ALL""").fetchall()
    got = con.execute("SELECT day::VARCHAR, service, charge_category, sum(billed_cost) FROM cbh.gold_daily "
                      "GROUP BY ALL ORDER BY ALL").fetchall()
    assert got == want
