"""The whole pipeline on generated and real CUR files: exact totals and exactly the planted zombies."""
from decimal import Decimal

from conftest import real_file


def test_generated_periods_match_ground_truth(connect, generated, tmp_path):
    data, truths = generated
    con = connect(str(tmp_path / "w.duckdb"))
    rows = con.execute(f"SELECT billing_period::VARCHAR, status, rows FROM cbh_ingest('{data}/*.csv')").fetchall()
    assert {r[1] for r in rows} == {"ingested"}
    silver = {r[0]: r[1:] for r in con.execute(
        "SELECT billing_period::VARCHAR, line_items, resources, billed_cost, currency FROM cbh_silver()").fetchall()}
    zombies = con.execute(
        "SELECT billing_period::VARCHAR, resource_id, cost, usage_amount, service, usage_type, region, account "
        "FROM cbh_zombies(rule := 'zero_usage', min_cost := 0)").fetchall()
    assert set(silver) == set(truths)
    for period, t in truths.items():
        line_items, resources, total, currency = silver[period]
        assert line_items == t["line_items"]
        assert resources == t["resources"]
        assert total == Decimal(t["billed_cost"]), "money must be exact"
        assert currency == t["currency"]
        got = [z[1:] for z in zombies if z[0] == period]
        want = [(z["resource_id"], Decimal(z["cost"]), Decimal(z["usage_amount"]), z["service"], z["usage_type"],
                 z["region"], z["account"]) for z in t["zombies"]]
        assert sorted(got) == sorted(want)
    # the most monthly waste first
    waste = [w for (w,) in con.execute("SELECT monthly_waste FROM cbh_zombies()").fetchall()]
    assert waste == sorted(waste, reverse=True) and len(waste) >= len(zombies)


def test_real_legacy_cur_sample_totals_are_exact(connect, tmp_path):
    path = real_file("cur-legacy-2023-11-sample.csv")
    con = connect(str(tmp_path / "w.duckdb"))
    (status, rows, period, error), = con.execute(
        f"SELECT status, rows, billing_period::VARCHAR, error FROM cbh_ingest('{path}')").fetchall()
    assert (status, error) == ("ingested", None)
    assert rows == 1281 and period == "2023-11-01"
    expected = con.execute(
        f"SELECT sum(\"lineItem/UnblendedCost\"::DECIMAL(38,18)), count(*) FROM read_csv('{path}', all_varchar=true)"
    ).fetchone()
    total, line_items = con.execute("SELECT billed_cost, line_items FROM cbh_silver()").fetchone()
    assert (total, line_items) == expected
    assert con.execute("SELECT ChargeCategory, count(*) FROM cbh.silver_line_items GROUP BY 1 ORDER BY 1"
                       ).fetchall() == [("Tax", 12), ("Usage", 1269)]
    # no resource IDs in this export: no zombies, and no error
    assert con.execute("SELECT count(*) FROM cbh_zombies()").fetchone()[0] == 0


def test_real_legacy_cur_sample_effective_cost_follows_the_line_item_types(connect):
    path = real_file("cur-legacy-2023-11-sample.csv")
    con = connect()
    con.execute(f"SELECT * FROM cbh_ingest('{path}')").fetchall()
    # this export has only Usage and Tax lines, which are not amortized: effective cost equals billed cost
    assert con.execute("SELECT billed_cost = effective_cost FROM cbh_silver()").fetchone()[0] is True


def test_real_focus_sample_totals_per_provider_and_period_are_exact(connect):
    path = real_file("focus-1.0-sample.csv")
    con = connect()
    rows = con.execute(f"SELECT format, status, rows, error FROM cbh_ingest('{path}')").fetchall()
    assert rows == [("focus", "ingested", 1000, None)]
    # computed directly from the file by DuckDB, independently of cbh's mapping
    expected = con.execute(f"""
        SELECT ProviderName, BillingAccountId, BillingPeriodStart::DATE, count(*),
               sum(nullif(BilledCost, 'NULL')::DECIMAL(38, 18)), sum(nullif(EffectiveCost, 'NULL')::DECIMAL(38, 18))
        FROM read_csv('{path}', all_varchar = true)
        GROUP BY ALL ORDER BY ALL""").fetchall()
    assert len(expected) == 4  # AWS, Microsoft and Oracle; Oracle in two billing periods
    silver = con.execute("SELECT provider, billing_account, billing_period, line_items, billed_cost, effective_cost "
                         "FROM cbh_silver() ORDER BY ALL").fetchall()
    assert silver == expected
    # literal NULL and empty strings read as NULL
    assert con.execute("SELECT count(*) FROM cbh.silver_line_items WHERE ChargeClass = 'NULL' OR RegionId = 'NULL' "
                       "OR ResourceId = '' OR ResourceId = 'NULL'").fetchone()[0] == 0
    # the idle public IPv4 addresses and NAT gateway hours are in Silver with their resource IDs
    idle = con.execute("SELECT count(*), count(ResourceId) FROM cbh.silver_line_items "
                       "WHERE ChargeDescription LIKE '%Idle public IPv4 address%'").fetchone()
    nat = con.execute("SELECT count(*), count(ResourceId) FROM cbh.silver_line_items "
                      "WHERE ChargeDescription LIKE '%per NAT Gateway Hour%'").fetchone()
    raw_idle, raw_nat = con.execute(f"""
        SELECT count(*) FILTER (WHERE ChargeDescription LIKE '%Idle public IPv4 address%'),
               count(*) FILTER (WHERE ChargeDescription LIKE '%per NAT Gateway Hour%')
        FROM read_csv('{path}', all_varchar = true)""").fetchone()
    assert idle == (raw_idle, raw_idle) and raw_idle > 0
    assert nat == (raw_nat, raw_nat) and raw_nat > 0
    assert con.execute("SELECT count(*) FROM cbh.silver_resources WHERE ResourceId LIKE '%natgate%'").fetchone()[0] > 0
    tags = con.execute("SELECT Tags['environment'] FROM cbh.silver_line_items WHERE Tags['environment'] IS NOT NULL "
                       "LIMIT 1").fetchone()
    assert tags is not None
