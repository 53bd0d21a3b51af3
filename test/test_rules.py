"""The rules on a generated scenario with its ground truth (scripts/gen_zombies.py): exactly the planted findings
per rule, no false positives on the look-alikes, exact money, metrics; and on the real FOCUS sample. The saving
rules and the rules that take more than a month: test_savings.py."""
import os
from decimal import Decimal

import pytest

from conftest import REPO, real_file

WASTE = ["idle_cluster", "idle_database", "idle_instance", "idle_load_balancer", "idle_nat_gateway", "idle_public_ip",
         "idle_volume", "idle_vpc_endpoint", "log_storage_growing", "old_snapshot", "paid_trail_events",
         "storage_without_requests", "unused_commitment", "zero_usage"]
SAVING = ["extended_support", "gp2_volume", "io1_volume", "on_demand_steady", "previous_generation"]


@pytest.fixture
def scenario(zombie_scenario):
    return zombie_scenario


@pytest.fixture
def warehouse(connect, scenario, tmp_path):
    out, truth = scenario
    con = connect(str(tmp_path / "w.duckdb"))
    rows = con.execute(f"SELECT status FROM cbh_ingest('{out}/cur-*.csv')").fetchall()
    assert rows == [("ingested",)] * 4
    rows = con.execute(f"SELECT format, status FROM cbh_ingest('{out}/metrics-*', kind := 'metrics')").fetchall()
    assert rows == [("metrics", "ingested")] * 2
    return con, truth


def key(f):
    return (f["rule"], f["resource_id"] or "", f["billing_period"], Decimal(f["cost"]), Decimal(f["effective_cost"]),
            f["account"], f["region"] or "")


def test_each_rule_finds_exactly_what_was_planted(warehouse):
    con, truth = warehouse
    got = con.execute("""
        SELECT rule, coalesce(resource_id, ''), billing_period::VARCHAR, cost, effective_cost, account,
               coalesce(region, '')
        FROM cbh_zombies(excluded := true)
        UNION ALL
        SELECT rule, coalesce(resource_id, ''), billing_period::VARCHAR, saving, effective_saving, account,
               coalesce(region, '')
        FROM cbh_savings(excluded := true)""").fetchall()
    want = [key(f) for f in truth["findings"]]
    assert sorted(got) == sorted(want)
    assert {r[0] for r in got} == set(WASTE + SAVING), "every seeded rule has a planted positive"
    seeded = con.execute("SELECT kind, list(rule ORDER BY rule) FROM cbh.rules GROUP BY kind ORDER BY kind").fetchall()
    assert seeded == [("saving", SAVING), ("waste", WASTE)]


def test_no_rule_flags_the_active_look_alikes(warehouse):
    con, truth = warehouse
    flagged = {r for (r,) in con.execute("SELECT resource_id FROM cbh_zombies(excluded := true) "
                                         "UNION ALL SELECT resource_id FROM cbh_savings(excluded := true, "
                                         "min_saving := 0)").fetchall()}
    assert not flagged & set(truth["active"])


def test_arn_and_bare_id_are_one_nat_gateway(warehouse):
    con, _ = warehouse
    # The busy gateway's hour lines name its ARN and its byte lines the bare ID: one resource, with traffic.
    (gb,) = con.execute("SELECT nat_gateway_gb FROM cbh.gold_usage WHERE resource_key = 'nat-0busy000000000002'"
                        ).fetchone()
    assert gb == Decimal("495")


def test_evidence_and_monthly_projection(warehouse):
    con, truth = warehouse
    evidence = {(r, i, p): e for r, i, p, e in con.execute(
        "SELECT rule, resource_id, billing_period::VARCHAR, evidence FROM cbh_zombies() UNION ALL "
        "SELECT rule, resource_id, billing_period::VARCHAR, evidence FROM cbh_savings()").fetchall()}
    for f in truth["findings"]:
        if "evidence" in f:
            assert evidence[(f["rule"], f["resource_id"], f["billing_period"])] == f["evidence"]
        if "monthly" in f:
            query = ("SELECT monthly_saving FROM cbh_savings(rule := $1) WHERE resource_id = $2" if f["rule"] in SAVING
                     else "SELECT monthly_waste FROM cbh_zombies(rule := $1) WHERE resource_id = $2")
            (monthly,) = con.execute(query, [f["rule"], f["resource_id"]]).fetchone()
            assert monthly == Decimal(f["monthly"])
    # Without resource IDs the idle addresses are still reported, per account and region, saying so.
    (text,) = con.execute("SELECT evidence FROM cbh_zombies(rule := 'idle_public_ip') WHERE resource_id IS NULL"
                          ).fetchone()
    assert "no resource IDs: account 222222222222, region eu-west-2" in text


def test_metric_rules_say_no_metrics_where_they_cannot_tell(warehouse):
    con, truth = warehouse
    got = con.execute("SELECT rule, resource_id, billing_period::VARCHAR FROM cbh_zombies(no_metrics := true) "
                      "WHERE verdict = 'no metrics'").fetchall()
    assert sorted(got) == sorted(tuple(x) for x in truth["no_metrics"])
    assert con.execute("SELECT count(*) FROM cbh_zombies() WHERE verdict <> 'idle'").fetchone()[0] == 0


def test_findings_persist_across_periods(warehouse):
    con, truth = warehouse
    for f in truth["findings"]:
        if "days_idle" in f:
            row = con.execute("SELECT days_idle, first_seen_idle::VARCHAR FROM cbh_zombies(rule := $1, "
                              "billing_period := $2::DATE) WHERE resource_id = $3",
                              [f["rule"], f["billing_period"], f["resource_id"]]).fetchone()
            assert row[0] == f["days_idle"], f
            if "first_seen_idle" in f:
                assert row[1] == f["first_seen_idle"]
        if "periods_seen" in f:
            function = "cbh_savings" if f["rule"] in SAVING else "cbh_zombies"
            (seen,) = con.execute(f"SELECT periods_seen FROM {function}(rule := $1, billing_period := $2::DATE) "
                                  "WHERE resource_id = $3", [f["rule"], f["billing_period"], f["resource_id"]]
                                  ).fetchone()
            assert seen == f["periods_seen"], f


def test_metrics_are_idempotent_and_a_revised_point_replaces(warehouse, scenario, tmp_path):
    con, _ = warehouse
    out, _ = scenario
    again = con.execute(f"SELECT status FROM cbh_ingest('{out}/metrics-*', kind := 'metrics')").fetchall()
    assert again == [("skipped",)] * 2
    before = con.execute("SELECT count(*) FROM cbh.metrics").fetchone()[0]
    # The idle instance turns out busy on one day: a revised point for the same time replaces the old one.
    revised = tmp_path / "revised.csv"
    revised.write_text("resource_id,metric_name,timestamp,statistic,value,unit\n"
                       "i-0idle00000000000001,CPUUtilization,2024-09-10T12:00:00Z,Maximum,55.5,Percent\n")
    assert con.execute(f"SELECT status FROM cbh_ingest('{revised}', kind := 'metrics')").fetchall() == [("ingested",)]
    assert con.execute("SELECT count(*) FROM cbh.metrics").fetchone()[0] == before
    assert con.execute("SELECT count(*) FROM cbh_zombies(rule := 'idle_instance')").fetchone()[0] == 0


def test_a_bad_metrics_file_is_rejected_with_line_and_column(warehouse, tmp_path):
    con, _ = warehouse
    bad = tmp_path / "bad.csv"
    bad.write_text("resource_id,metric_name,timestamp,statistic,value,unit\n"
                   "i-1,CPUUtilization,2024-09-10T12:00:00Z,Maximum,1.5,Percent\n"
                   "i-1,CPUUtilization,yesterday,Maximum,1.5,Percent\n")
    (status, error), = con.execute(f"SELECT status, error FROM cbh_ingest('{bad}', kind := 'metrics')").fetchall()
    assert status == "rejected"
    assert error.startswith(f"cbh: file '{bad}', line 3, column 3 ('timestamp'): the timestamp is not"), error
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("instance,cpu\ni-1,1\n")
    (status, error), = con.execute(f"SELECT status, error FROM cbh_ingest('{wrong}', kind := 'metrics')").fetchall()
    assert status == "rejected" and "is not a metrics file: it has no 'resource_id'" in error, error


def test_money_is_decimal_and_waste_counts_each_resource_once(warehouse):
    con, truth = warehouse
    types = con.execute("SELECT DISTINCT typeof(cost), typeof(effective_cost), typeof(monthly_waste) "
                        "FROM cbh_zombies()").fetchall()
    assert types == [("DECIMAL(38,18)",) * 3]
    september = [f for f in truth["findings"] if "excluded" not in f and f["billing_period"] == "2024-09-01"
                 and f["rule"] in WASTE]
    (total, findings, share), = con.execute(
        "SELECT waste, findings, waste_share FROM cbh_waste(billing_period := DATE '2024-09-01') "
        "WHERE dimension = 'total'").fetchall()
    assert findings == len(september)
    assert total == sum(Decimal(f["cost"]) for f in september)
    by_rule = dict(con.execute("SELECT value, waste FROM cbh_waste(billing_period := DATE '2024-09-01') "
                               "WHERE dimension = 'rule'").fetchall())
    assert set(by_rule) == {f["rule"] for f in september}, "savings are not waste"
    for rule in by_rule:
        assert by_rule[rule] == sum(Decimal(f["cost"]) for f in september if f["rule"] == rule)
    (spend,) = con.execute("SELECT sum(billed_cost) FROM cbh.periods WHERE billing_period = '2024-09-01'").fetchone()
    assert share == round(total / spend, 6)


def test_cbh_keep_tag_and_exclusions_by_arn_or_id(warehouse):
    con, truth = warehouse
    excluded = [f for f in truth["findings"] if "excluded" in f]
    rows = con.execute("SELECT resource_id, excluded_reason FROM cbh_zombies(excluded := true) WHERE excluded"
                       ).fetchall()
    assert rows == [(f["resource_id"], f["excluded"]) for f in excluded]
    shown = {r for (r,) in con.execute("SELECT resource_id FROM cbh_zombies()").fetchall()}
    assert not shown & {f["resource_id"] for f in excluded}
    # An exclusion by bare ID keeps out the finding whose resource is written as an ARN, for one rule only.
    con.execute("INSERT INTO cbh.exclusions (resource_id, rule, reason) VALUES "
                "('nat-0idle000000000001', 'idle_nat_gateway', 'decommissioning on Monday')")
    assert con.execute("SELECT count(*) FROM cbh_zombies(rule := 'idle_nat_gateway')").fetchone()[0] == 0


def test_thresholds_are_parameters(warehouse):
    con, _ = warehouse
    busy = "arn:aws:ec2:us-east-1:111111111111:natgateway/nat-0busy000000000002"
    con.execute("UPDATE cbh.rules SET params = MAP {'max_gb': 500} WHERE rule = 'idle_nat_gateway'")
    found = {r for (r,) in con.execute("SELECT resource_id FROM cbh_zombies(rule := 'idle_nat_gateway')").fetchall()}
    assert busy in found  # 495 GB is under the new threshold


def test_real_focus_sample_yields_its_idle_public_ipv4(connect):
    path = real_file("focus-1.0-sample.csv")
    con = connect()
    assert con.execute(f"SELECT status FROM cbh_ingest('{path}')").fetchall() == [("ingested",)]
    want = sorted(con.execute(f"""
        SELECT ResourceId, sum(BilledCost::DECIMAL(38, 18))
        FROM read_csv('{path}', all_varchar = true)
        WHERE ChargeDescription ILIKE '%idle public IPv4%'
        GROUP BY ResourceId""").fetchall())
    got = sorted(con.execute("SELECT resource_id, cost FROM cbh_zombies(rule := 'idle_public_ip')").fetchall())
    assert len(want) == 4 and got == want


def test_the_documented_example_metrics_file_lands(connect):
    path = os.path.join(REPO, "examples", "metrics-example.csv")
    with open(os.path.join(REPO, "docs", "rules.md")) as f:
        doc = f.read()
    with open(path) as f:
        assert f.read() in doc, "docs/rules.md (Metrics) shows the example file as it is"
    con = connect()
    assert con.execute(f"SELECT status, rows FROM cbh_ingest('{path}', kind := 'metrics')").fetchall() == [
        ("ingested", 6)]
    daily = con.execute("SELECT resource_key, cpu_max, network_bytes, volume_ops, db_connections_max "
                        "FROM cbh.metrics_daily ORDER BY 1").fetchall()
    assert daily == [("i-0idle00000000000001", 0.4, 1500000.0, None, None),
                     ("orders-idle", None, None, None, 0.0),
                     ("vol-0idle00000000001", None, None, 0.0, None)]


def test_a_rule_reads_the_month_before_as_previous(warehouse):
    """`previous` is the resource's Gold row of the month before (NULL when it was not billed then). cbh carries only
    the fields the rules read (`previous.cost`) unless a rule reads the whole row (`previous IS NULL`): both agree
    with a self-join of Gold written by hand."""
    con, _ = warehouse
    con.execute("""INSERT INTO cbh.rules (rule, description, predicate, evidence) VALUES
        ('new_resource', 'billed, and not the month before', 'resource_id IS NOT NULL AND previous IS NULL', '''new'''),
        ('cost_doubled', 'cost more than twice the month before', 'cost > 2 * previous.cost', '''doubled''')""")
    joined = """SELECT {select} FROM cbh.gold_usage u LEFT JOIN cbh.gold_usage p
        ON p.provider = u.provider AND p.billing_account = u.billing_account
       AND (p.billing_period + INTERVAL 1 MONTH)::DATE = u.billing_period
       AND p.resource_key IS NOT DISTINCT FROM u.resource_key AND p.account IS NOT DISTINCT FROM u.account
       AND p.region IS NOT DISTINCT FROM u.region AND p.currency IS NOT DISTINCT FROM u.currency WHERE {where}"""
    new = set(con.execute(joined.format(select="u.resource_id, u.billing_period",
                                        where="u.resource_id IS NOT NULL AND p.provider IS NULL")).fetchall())
    doubled = set(con.execute(joined.format(select="u.resource_id, u.billing_period",
                                            where="u.cost > 2 * p.cost")).fetchall())
    assert new and doubled
    found = "SELECT resource_id, billing_period FROM cbh_zombies(min_cost := 0, excluded := true{only}) WHERE rule = $1"
    assert set(con.execute(found.format(only=""), ["new_resource"]).fetchall()) == new
    assert set(con.execute(found.format(only=""), ["cost_doubled"]).fetchall()) == doubled  # with the whole row
    assert set(con.execute(found.format(only=", rule := 'cost_doubled'"), ["cost_doubled"]).fetchall()) == doubled
