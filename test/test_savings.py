"""The saving rules (cbh_savings) and the rules that take more than a month, on the zombie scenario
(scripts/gen_zombies.py, zombie_plants.py): savings are not waste, a rule waits params['min_periods'] periods, the
thresholds and shares are parameters, the same bill as FOCUS (no usage types: charge descriptions) finds the same,
and the real FOCUS sample's extended support and gp2 volumes against the export's own rows."""
from decimal import Decimal

import duckdb
import pytest

from conftest import real_file

SAVING = {"extended_support", "gp2_volume", "io1_volume", "on_demand_steady", "previous_generation"}
SNAPSHOT = "arn:aws:ec2:us-east-1:111111111111:snapshot/snap-0old0000000001"


@pytest.fixture
def warehouse(connect, zombie_scenario, tmp_path):
    out, truth = zombie_scenario
    con = connect(str(tmp_path / "w.duckdb"))
    assert con.execute(f"SELECT count(*) FROM cbh_ingest('{out}/cur-*.csv')").fetchone() == (4,)
    assert con.execute(f"SELECT count(*) FROM cbh_ingest('{out}/metrics-*', kind := 'metrics')").fetchone() == (2,)
    return con, truth


def test_savings_are_not_waste_and_waste_counts_each_resource_once(warehouse):
    con, truth = warehouse
    rules = {r for (r,) in con.execute("SELECT DISTINCT value FROM cbh_waste() WHERE dimension = 'rule'").fetchall()}
    assert rules and not rules & SAVING
    assert {r for (r,) in con.execute("SELECT DISTINCT rule FROM cbh_savings()").fetchall()} == SAVING
    assert con.execute("SELECT DISTINCT kind FROM cbh_savings() UNION ALL SELECT DISTINCT kind FROM cbh_zombies()"
                       ).fetchall() == [("saving",), ("waste",)]
    for period in ("2024-09-01", "2024-10-01", "2024-11-01"):
        waste = [f for f in truth["findings"] if f["billing_period"] == period and f["rule"] not in SAVING
                 and "excluded" not in f]
        (total,) = con.execute("SELECT waste FROM cbh_waste(billing_period := $1) WHERE dimension = 'total'",
                               [period]).fetchone()
        assert total == sum(Decimal(f["cost"]) for f in waste), period
        (checked,) = con.execute("SELECT waste FROM cbh_check(max_waste := 1e9, billing_period := $1)",
                                 [period]).fetchone()
        assert checked == total
    (zombies,) = con.execute("SELECT zombies FROM cbh_status()").fetchone()
    assert zombies == con.execute("SELECT count(*) FROM cbh_zombies()").fetchone()[0]


def test_each_function_names_the_other_for_the_other_kind(warehouse):
    con, _ = warehouse
    with pytest.raises(duckdb.Error, match=r"no enabled zombie rule 'gp2_volume'.*gp2_volume \(saving: cbh_savings\)"):
        con.execute("SELECT * FROM cbh_zombies(rule := 'gp2_volume')").fetchall()
    with pytest.raises(duckdb.Error, match=r"no enabled saving rule 'zero_usage'"):
        con.execute("SELECT * FROM cbh_savings(rule := 'zero_usage')").fetchall()


def test_a_rule_waits_min_periods_and_says_how_long(warehouse):
    con, _ = warehouse
    query = ("SELECT billing_period::VARCHAR, periods_seen, first_seen_idle::VARCHAR FROM cbh_zombies(rule := "
             "'old_snapshot') WHERE resource_id = $1 ORDER BY 1")
    # Default: two periods; the snapshot was billed every day of September to November.
    assert con.execute(query, [SNAPSHOT]).fetchall() == [("2024-10-01", 2, "2024-09-01 00:00:00"),
                                                         ("2024-11-01", 3, "2024-09-01 00:00:00")]
    con.execute("UPDATE cbh.rules SET params = MAP {'min_periods': 1} WHERE rule = 'old_snapshot'")
    assert [r[:2] for r in con.execute(query, [SNAPSHOT]).fetchall()] == [("2024-09-01", 1), ("2024-10-01", 2),
                                                                          ("2024-11-01", 3)]
    # The snapshot taken on 15 October is billed every day of November only: a new run.
    young = SNAPSHOT.replace("snap-0old0000000001", "snap-0young000000002")
    assert [r[:2] for r in con.execute(query, [young]).fetchall()] == [("2024-11-01", 1)]
    con.execute("UPDATE cbh.rules SET params = MAP {'min_periods': 3} WHERE rule = 'old_snapshot'")
    assert [r[:2] for r in con.execute(query, [SNAPSHOT]).fetchall()] == [("2024-11-01", 3)]
    # Any rule takes the parameter: an idle NAT gateway found in September and October, reported from October.
    con.execute("UPDATE cbh.rules SET params = map_concat(params, MAP {'min_periods': 2::DECIMAL(38, 12)}) "
                "WHERE rule = 'idle_nat_gateway'")
    rows = con.execute("SELECT billing_period::VARCHAR, periods_seen FROM cbh_zombies(rule := 'idle_nat_gateway')"
                       ).fetchall()
    assert rows == [("2024-10-01", 2)]


def test_saving_shares_and_discounts_are_parameters(warehouse):
    con, _ = warehouse
    euw2 = "vol-0gp2euw2000003"
    (cost,) = con.execute("SELECT gp2_cost FROM cbh.gold_usage WHERE resource_key = $1", [euw2]).fetchone()
    con.execute("UPDATE cbh.rules SET params = MAP {'gp3_share': 0.9, 'gp3_iops_share': 0.05} "
                "WHERE rule = 'gp2_volume'")
    (saving, evidence) = con.execute("SELECT saving, evidence FROM cbh_savings(rule := 'gp2_volume') "
                                     "WHERE resource_id = $1", [euw2]).fetchone()
    assert saving == cost - cost * Decimal("0.9") and evidence.endswith("(estimate: gp3 at 90 % of gp2)")
    (cost,) = con.execute("SELECT on_demand_cost FROM cbh.gold_usage WHERE resource_key = 'i-0steady000000001' "
                          "AND billing_period = '2024-10-01'").fetchone()
    con.execute("UPDATE cbh.rules SET params = map_concat(params, MAP {'discount': 0.4::DECIMAL(38, 12)}) "
                "WHERE rule = 'on_demand_steady'")
    (saving,) = con.execute("SELECT saving FROM cbh_savings(rule := 'on_demand_steady')").fetchone()
    assert saving == cost * Decimal("0.4")
    # Past the shortest month's share of hours, the steady instance is not steady.
    con.execute("UPDATE cbh.rules SET params = map_concat(params, MAP {'min_hours_share': 1.01::DECIMAL(38, 12)}) "
                "WHERE rule = 'on_demand_steady'")
    assert con.execute("SELECT count(*) FROM cbh_savings(rule := 'on_demand_steady')").fetchone() == (0,)


def test_the_alternative_is_priced_at_the_bills_own_rates(warehouse):
    con, _ = warehouse
    rates = dict(con.execute("SELECT rate_key, rate FROM cbh.gold_rates WHERE region = 'us-east-1' AND "
                             "billing_period = '2024-09-01' AND rate_key IN ('ebs:gp3', 'ebs:gp3-iops', "
                             "'instance:m5.large:AmazonEC2: BoxUsage RunInstances')").fetchall())
    assert rates == {"ebs:gp3": Decimal("0.08"), "ebs:gp3-iops": Decimal("0.005"),
                     "instance:m5.large:AmazonEC2: BoxUsage RunInstances": Decimal("0.096")}
    # Without the bill's m5.large price, an m4.large's saving is the list-price estimate (4 %).
    con.execute("DELETE FROM cbh.gold_rates WHERE rate_key LIKE 'instance:m5.large:%'")
    (saving, evidence) = con.execute("SELECT saving, evidence FROM cbh_savings(rule := 'previous_generation') "
                                     "WHERE resource_id = 'i-0m4large00000001'").fetchone()
    assert saving == Decimal("72") * Decimal("0.04") and "estimate: 4 % less at list prices" in evidence


def focus_of(con, out, dest):
    """The zombie scenario's CUR months as one FOCUS 1.0 file without usage types: what a FOCUS export carries."""
    con.execute(f"""
        COPY (
            SELECT 'AWS' AS ProviderName, "bill/PayerAccountId" AS BillingAccountId,
                   "bill/BillingPeriodStartDate" AS BillingPeriodStart, "bill/BillingPeriodEndDate" AS BillingPeriodEnd,
                   "lineItem/UsageAccountId" AS SubAccountId, 'Usage' AS ChargeCategory,
                   "lineItem/LineItemDescription" AS ChargeDescription,
                   "lineItem/UsageStartDate" AS ChargePeriodStart, "lineItem/UsageEndDate" AS ChargePeriodEnd,
                   nullif("lineItem/ResourceId", '') AS ResourceId, "product/ProductName" AS ServiceName,
                   nullif("product/region", '') AS RegionId, "lineItem/UsageAmount" AS ConsumedQuantity,
                   "pricing/unit" AS ConsumedUnit,
                   CASE WHEN "lineItem/LineItemType" = 'SavingsPlanCoveredUsage' THEN '0'
                        ELSE "lineItem/UnblendedCost" END AS BilledCost,
                   CASE WHEN "lineItem/LineItemType" = 'SavingsPlanCoveredUsage'
                        THEN "savingsPlan/SavingsPlanEffectiveCost" ELSE "lineItem/UnblendedCost" END AS EffectiveCost,
                   "lineItem/CurrencyCode" AS BillingCurrency,
                   CASE WHEN "lineItem/LineItemType" = 'SavingsPlanCoveredUsage' THEN 'Used' END
                       AS CommitmentDiscountStatus,
                   to_json(map_from_entries(list_filter([('Owner', "resourceTags/user:Owner"),
                                                         ('cbh:keep', "resourceTags/user:cbh:keep")],
                                                        lambda t: t[2] <> '')))::VARCHAR AS Tags
            FROM read_csv('{out}/cur-2024-*.csv', all_varchar = true)
            WHERE "lineItem/LineItemType" IN ('Usage', 'SavingsPlanCoveredUsage')
        ) TO '{dest}' (HEADER)""")


def test_the_same_bill_as_focus_finds_the_same(connect, zombie_scenario, tmp_path):
    out, _ = zombie_scenario
    # A gateway's hours name its ARN and its bytes its ID: which one names the finding is the export's choice.
    findings = ("SELECT rule, cbh.resource_key(resource_id), billing_period::VARCHAR, cost, effective_cost FROM "
                "cbh_zombies(excluded := true) UNION ALL SELECT rule, cbh.resource_key(resource_id), "
                "billing_period::VARCHAR, saving, effective_saving FROM cbh_savings(excluded := true) ORDER BY ALL")
    got = {}
    for fmt in ("cur", "focus"):
        con = connect(str(tmp_path / f"{fmt}.duckdb"))
        if fmt == "focus":
            focus_of(con, out, tmp_path / "focus.csv")
            files = [str(tmp_path / "focus.csv")]
        else:
            files = [f"{out}/cur-2024-{m}.csv" for m in ("09", "10", "11")]
        assert {s for (s,) in con.execute("SELECT status FROM cbh_ingest($1)", [files]).fetchall()} == {"ingested"}
        con.execute(f"SELECT * FROM cbh_ingest('{out}/metrics-*', kind := 'metrics')").fetchall()
        got[fmt] = [r for r in con.execute(findings).fetchall() if r[0] != "unused_commitment"]
    assert {r[0] for r in got["focus"]} >= SAVING | {"old_snapshot", "paid_trail_events", "storage_without_requests",
                                                      "log_storage_growing", "idle_cluster"}
    assert got["focus"] == got["cur"]


def test_real_focus_sample_extended_support_and_gp2_volumes(connect):
    path = real_file("focus-1.0-sample.csv")
    con = connect()
    assert con.execute(f"SELECT status FROM cbh_ingest('{path}')").fetchall() == [("ingested",)]
    src = f"read_csv('{path}', all_varchar = true, nullstr = 'NULL')"
    want = sorted(con.execute(f"""SELECT ResourceId, sum(BilledCost::DECIMAL(38, 18)) FROM {src}
                                  WHERE ChargeDescription ILIKE '%Extended Support%' GROUP BY ALL""").fetchall())
    got = sorted(con.execute("SELECT resource_id, saving FROM cbh_savings(rule := 'extended_support')").fetchall())
    assert len(want) == 2 and got == want
    # Every gp2 volume, saving its cost less gp3 at the region's gp3 rate in the export (else 80 % of it).
    rows = con.execute(f"""
        WITH gp3 AS (SELECT RegionId, sum(BilledCost::DECIMAL(38, 18)) AS cost,
                            sum(ConsumedQuantity::DECIMAL(38, 18)) AS qty
                     FROM {src} WHERE ChargeDescription ILIKE '%(gp3) provisioned storage%' GROUP BY ALL)
        SELECT v.ResourceId, sum(v.BilledCost::DECIMAL(38, 18)), sum(v.ConsumedQuantity::DECIMAL(38, 18)),
               any_value(g.cost), any_value(g.qty)
        FROM {src} v LEFT JOIN gp3 g USING (RegionId)
        WHERE v.ChargeDescription ILIKE '%(gp2) provisioned storage%' GROUP BY ALL""").fetchall()
    savings = dict(con.execute("SELECT resource_id, saving FROM cbh_savings(rule := 'gp2_volume')").fetchall())
    assert len(rows) > 30 and set(savings) == {r[0] for r in rows}
    for rid, cost, qty, gp3_cost, gp3_qty in rows:
        rate = (gp3_cost / gp3_qty).quantize(Decimal("1e-8")) if gp3_qty else None
        gp3 = (qty * rate).quantize(Decimal("1e-18")) if rate else (cost * Decimal("0.8")).quantize(Decimal("1e-18"))
        assert savings[rid] == cost - gp3, rid
