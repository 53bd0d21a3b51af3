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
        "FROM cbh_zombies()").fetchall()
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
    # most expensive first
    costs = [z[2] for z in zombies]
    assert costs == sorted(costs, reverse=True)


def test_real_legacy_cur_sample_totals_are_exact(connect, tmp_path):
    path = real_file("cur-legacy-2023-11-sample.csv")
    con = connect(str(tmp_path / "w.duckdb"))
    (status, rows, period, error), = con.execute(
        f"SELECT status, rows, billing_period::VARCHAR, error FROM cbh_ingest('{path}')").fetchall()
    assert (status, error) == ("ingested", None)
    assert rows == 1281 and period == "2023-11-01"
    expected = con.execute(
        f"SELECT sum(\"lineItem/UnblendedCost\"::DECIMAL(38,12)), count(*) FROM read_csv('{path}', all_varchar=true)"
    ).fetchone()
    total, line_items = con.execute("SELECT billed_cost, line_items FROM cbh_silver()").fetchone()
    assert (total, line_items) == expected
    assert con.execute("SELECT ChargeCategory, count(*) FROM cbh.silver_line_items GROUP BY 1 ORDER BY 1"
                       ).fetchall() == [("Tax", 12), ("Usage", 1269)]
    # no resource IDs in this export: no zombies, and no error
    assert con.execute("SELECT count(*) FROM cbh_zombies()").fetchone()[0] == 0
