"""cbh_anomalies (issue 17) on a generated daily CUR with known anomalies (scripts/gen_anomalies.py): every injected
anomaly is found on its day and dimension with its impact, the steady series and the one-off purchase give none."""
import csv
import datetime
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest

from conftest import REPO

D = datetime.date


@pytest.fixture(scope="module")
def bill(tmp_path_factory):
    out = tmp_path_factory.mktemp("anomalies")
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_anomalies.py"), str(out)], check=True)
    with open(out / "anomalies.json") as f:
        return str(out), json.load(f)


@pytest.fixture
def con(connect, bill):
    con = connect()
    assert [s for (s,) in con.execute(f"SELECT status FROM cbh_ingest('{bill[0]}/*.csv')").fetchall()] == \
        ["ingested"] * 3
    return con


def episodes(con, args=""):
    """One row per anomaly: value, kind, first and last day, days, total impact."""
    return con.execute(f"""
        SELECT value, any_value(kind), start_day, end_day, count(*), any_value(total_impact)
        FROM cbh_anomalies({args}) GROUP BY anomaly_id, value, start_day, end_day ORDER BY start_day""").fetchall()


def test_the_defaults_find_the_spike_and_the_new_service_and_nothing_else(con, bill):
    _, truth = bill
    found = episodes(con)
    assert [(v, k, s) for v, k, s, *_ in found] == [
        ("Amazon Elastic Compute Cloud", "spike", D(2024, 10, 14)), ("Amazon Bedrock", "new", D(2024, 11, 5))]
    spike = con.execute("SELECT actual_cost, expected_cost, impact, end_day FROM cbh_anomalies() "
                        "WHERE kind = 'spike'").fetchall()
    (actual, expected, impact, end), = spike
    assert end == D(2024, 10, 14) and actual == expected + impact
    # the injected 1500 USD, less what the trailing median lags the growth behind
    assert abs(impact - Decimal(truth["spike"]["extra"])) < 60, impact
    # what is behind it: the new p4d.24xlarge (1230 USD) first, as its share of the impact, then m5.xlarge
    (drivers,) = con.execute("SELECT top_drivers FROM cbh_anomalies() WHERE kind = 'spike'").fetchone()
    first, second = drivers.split("; ")
    assert first == f"BoxUsage:p4d.24xlarge in us-east-1: {round(100 * 1230 / impact, 1).normalize()} %", drivers
    assert second.startswith("BoxUsage:m5.xlarge in us-east-1: ")
    # the 5000 USD RI purchase is not usage: no anomaly on its day
    assert con.execute("SELECT count(*) FROM cbh_anomalies(direction := 'both', weekly := true, lookback_days := 56) "
                       "WHERE day = $1", [truth["purchase"]["day"]]).fetchone() == (0,)


def test_weekly_and_both_directions_find_the_drop_too_and_no_weekend(con, bill):
    _, truth = bill
    found = episodes(con, "direction := 'both', weekly := true, lookback_days := 56")
    assert [(v, k, s, e, n) for v, k, s, e, n, _ in found] == [
        ("Amazon Elastic Compute Cloud", "spike", D(2024, 10, 14), D(2024, 10, 14), 1),
        ("Amazon Relational Database Service", "drop", D(2024, 10, 20), D(2024, 10, 22), 3),
        ("Amazon Bedrock", "new", D(2024, 11, 5), D(2024, 11, 30), 26)]
    drops = con.execute("SELECT impact_pct FROM cbh_anomalies(direction := 'both', weekly := true, "
                        "lookback_days := 56) WHERE kind = 'drop'").fetchall()
    assert all(Decimal("-0.93") < p < Decimal("-0.87") for (p,) in drops), drops  # the RDS fell to 10 %
    # a real CUR's last day is incomplete: flagged, not called a drop or a spike outright
    last = con.execute("SELECT day, provisional FROM cbh_anomalies(direction := 'both', weekly := true, "
                       "lookback_days := 56) WHERE value = 'Amazon Bedrock' ORDER BY day DESC LIMIT 2").fetchall()
    assert last == [(D(2024, 11, 30), True), (D(2024, 11, 29), False)]


def test_status_says_what_the_daily_spend_allows(connect, con, tmp_path):
    assert con.execute("SELECT spend_days, last_spend_day, anomaly_detection FROM cbh_status()").fetchall() == [
        (91, D(2024, 11, 30), "ready: 91 days of spend, 2024-09-01 to 2024-11-30")]
    # a first week: not enough to judge a day yet
    first = tmp_path / "first-week.csv"
    with open(os.path.join(REPO, "test", "data", "anomalies", "daily-2024-09.csv")) as f:
        lines = f.read().splitlines()
    first.write_text("\n".join([lines[0]] + [l for l in lines[1:] if l.split(",")[6][:10] <= "2024-09-05"]) + "\n")
    fresh = connect()
    fresh.execute(f"SELECT * FROM cbh_ingest('{first}')").fetchall()
    assert fresh.execute("SELECT spend_days, anomaly_detection FROM cbh_status()").fetchall() == [
        (5, "learning: 5 days of spend; the first day judged needs 7 before it")]


def test_other_dimensions_and_a_date_range(con):
    rows = con.execute("SELECT value, kind FROM cbh_anomalies(dimension := 'sub_account') WHERE day = '2024-10-14'"
                       ).fetchall()
    assert rows == [("111100002222", "spike")]
    rows = con.execute("SELECT value, kind, impact FROM cbh_anomalies(dimension := 'usage_type', "
                       "from_day := DATE '2024-10-14', to_day := DATE '2024-10-14')").fetchall()
    # the jump by usage type, the largest first: p4d.24xlarge new that day (1230), m5.xlarge 270 over its usual
    assert [(v, k) for v, k, _ in rows] == [("BoxUsage:p4d.24xlarge", "new"), ("BoxUsage:m5.xlarge", "spike")]
    assert rows[0][2] == Decimal("1230") and abs(rows[1][2] - 270) < 40
    # by resource, only the last week is judged unless from_day says otherwise (a large bill has many resources)
    days = con.execute("SELECT min(day), max(day) FROM cbh_anomalies(dimension := 'resource', all_days := true)"
                       ).fetchone()
    assert days == (D(2024, 11, 24), D(2024, 11, 30))
    assert con.execute("SELECT count(*) FROM cbh_anomalies(to_day := DATE '2024-10-13')").fetchone() == (0,)


@pytest.mark.parametrize("args, message", [
    ("dimension := 'colour'", "a dimension is one of service, account, sub_account, region, usage_type, resource or tag:<key>"),
    ("dimension := 'tag:'", "dimension := 'tag:'): a dimension is one of"),
    ("direction := 'sideways'", "the direction is 'up' or 'both'"),
    ("cost := 'list'", "the cost is 'effective' or 'billed'"),
    ("lookback_days := 1", "lookback_days := 1): it is at least 2"),
    ("min_impact := -1", "min_impact := -1"),
])
def test_a_wrong_parameter_is_named(connect, args, message):
    with pytest.raises(Exception, match=message.replace("(", r"\(").replace(")", r"\)")):
        connect().execute(f"SELECT * FROM cbh_anomalies({args})").fetchall()


def test_monthly_bills_are_said_to_be_monthly_and_no_day_is_invented(connect, tmp_path):
    header, *rows = open(os.path.join(REPO, "test", "data", "cur", "sept.csv")).read().splitlines()
    columns = header.split(",")
    path = tmp_path / "monthly.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        for r in rows:
            w.writerow(dict(zip(columns, r.split(",")), **{"lineItem/UsageStartDate": "2024-09-01T00:00:00Z",
                                                           "lineItem/UsageEndDate": "2024-10-01T00:00:00Z"}))
    con = connect()
    assert con.execute(f"SELECT status FROM cbh_ingest('{path}')").fetchall() == [("ingested",)]
    with pytest.raises(Exception, match="the bills in this warehouse are monthly"):
        con.execute("SELECT * FROM cbh_anomalies()").fetchall()
    assert con.execute("SELECT * FROM cbh_anomalies(if_monthly := 'empty')").fetchall() == []  # the watch loop's
    # and cbh_status() says so too
    (days, note), = con.execute("SELECT spend_days, anomaly_detection FROM cbh_status()").fetchall()
    assert days == 0 and note.startswith("not possible: the bills are monthly"), note
    assert connect().execute("SELECT * FROM cbh_anomalies()").fetchall() == []  # no warehouse yet: nothing


def test_the_docs_example_files_are_what_the_generator_writes(bill):
    """docs/functions.md shows cbh_anomalies on test/data/anomalies: the generator's output, kept in the repository."""
    kept = os.path.join(REPO, "test", "data", "anomalies")
    names = sorted(n for n in os.listdir(bill[0]) if n.endswith(".csv"))
    assert names == sorted(os.listdir(kept))
    for n in names:
        with open(os.path.join(bill[0], n), "rb") as a, open(os.path.join(kept, n), "rb") as b:
            assert a.read() == b.read(), n


def test_the_ci_gate_holds_the_anomalies_of_a_period_to_a_budget(con):
    # October's one anomaly is the EC2 spike: the injected 1500 USD, as cbh_anomalies() measures it
    (impact,) = con.execute("SELECT cbh.num(sum(impact)) FROM cbh_anomalies() WHERE day BETWEEN '2024-10-01' AND "
                            "'2024-10-31'").fetchone()
    assert abs(Decimal(impact) - 1500) < 60, impact
    impact = impact.replace(".", r"\.")
    with pytest.raises(Exception, match=rf"anomalies in billing period 2024-10 cost {impact} USD more than expected, "
                                        r"over the budget \(max_anomaly_impact 1000\)\. Top anomalies: 2024-10-14 "
                                        rf"Amazon Elastic Compute Cloud \+{impact} \(spike: BoxUsage:p4d\.24xlarge"):
        con.execute("SELECT * FROM cbh_check(max_anomaly_impact := 1000, billing_period := '2024-10')").fetchall()
    rows = con.execute("SELECT billing_period, status FROM cbh_check(max_anomaly_impact := 2000, "
                       "billing_period := '2024-10')").fetchall()
    assert rows == [(D(2024, 10, 1), "within budget")]
    # the latest period by default: November's new Bedrock spend, 14 days of about 200 USD
    with pytest.raises(Exception, match=r"anomalies in billing period 2024-11 cost 2\d{3}\.\d+ USD .* Amazon Bedrock"):
        con.execute("SELECT * FROM cbh_check(max_anomaly_impact := 1000)").fetchall()


def test_all_days_shows_every_day_judged_with_its_band(con):
    rows = con.execute("SELECT value, kind, lower_bound <= actual_cost AND actual_cost <= upper_bound, anomaly_id "
                       "FROM cbh_anomalies(all_days := true) WHERE day = '2024-10-14' ORDER BY value").fetchall()
    # Bedrock has not started yet: 0 spent, 0 expected
    assert rows == [("Amazon Bedrock", None, True, None), ("Amazon Elastic Compute Cloud", "spike", False, 1),
                    ("Amazon Relational Database Service", None, True, None),
                    ("Amazon Simple Storage Service", None, True, None)]
    days = con.execute("SELECT count(DISTINCT day) FROM cbh_anomalies(all_days := true)").fetchone()[0]
    assert days == 91 - 7  # every day but the first week, which has too little history


def test_by_resource_and_by_tag(con, bill):
    _, truth = bill
    rows = con.execute("SELECT value, kind, impact FROM cbh_anomalies(dimension := 'resource', from_day := $1, "
                       "to_day := $1)", [truth["spike"]["day"]]).fetchall()
    # the new p4d.24xlarge instance (its 1230 USD, all of it new), and the usual EC2 instance 270 over its median
    assert [(v, k) for v, k, _ in rows] == [(truth["spike"]["resource"], "new"), ("amazonec2-111100002222", "spike")]
    assert rows[0][2] == Decimal("1230") and abs(rows[1][2] - 270) < 40
    # by resource, only the last week is judged unless from_day says otherwise (a large bill has many resources)
    days = con.execute("SELECT min(day), max(day) FROM cbh_anomalies(dimension := 'resource', all_days := true)"
                       ).fetchone()
    assert days == (D(2024, 11, 24), D(2024, 11, 30))
    # by tag, as users type the key (case and 'user:' aside): team platform spiked, team ml is new spend
    for key in ("team", "TEAM", "user:team"):
        found = episodes(con, f"dimension := 'tag:{key}'")
        assert [(v, k, s) for v, k, s, *_ in found] == [("platform", "spike", D(2024, 10, 14)),
                                                        ("ml", "new", D(2024, 11, 5))], key
    found = episodes(con, "dimension := 'tag:team', direction := 'both'")
    assert ("data", "drop", D(2024, 10, 20), D(2024, 10, 22), 3) in [tuple(f[:5]) for f in found]
    (dimension,) = con.execute("SELECT DISTINCT dimension FROM cbh_anomalies(dimension := 'tag:Team')").fetchone()
    assert dimension == "tag:Team"
    with pytest.raises(Exception, match=r"cbh_anomalies\(dimension := 'tag:owner'\): no resource in the warehouse "
                                        r"has the tag 'owner'; the tags there are: team"):
        con.execute("SELECT * FROM cbh_anomalies(dimension := 'tag:owner')").fetchall()


# Other bills than the docs' one: other noise, growth and weekly patterns (weekends lower or higher), other seeds.
# With the defaults each finds the spike and the new service and nothing else; with direction := 'both' the drop too.
OTHER_BILLS = [(11, 0.05, 0.003, 0.7), (12, 0.03, 0.005, 0.5), (13, 0.05, 0.003, 1.4), (14, 0.1, 0.002, 0.7),
               (15, 0.02, 0.01, 0.7), (16, 0.05, 0, 1.0)]


@pytest.mark.parametrize("seed, noise, growth, weekend", OTHER_BILLS)
def test_other_bills_give_the_injected_anomalies_and_nothing_else(connect, tmp_path, seed, noise, growth, weekend):
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_anomalies.py"), str(tmp_path), "--seed",
                    str(seed), "--noise", str(noise), "--growth", str(growth), "--weekend", str(weekend)], check=True)
    con = connect()
    con.execute(f"SELECT * FROM cbh_ingest('{tmp_path}/*.csv')").fetchall()
    spike = ("Amazon Elastic Compute Cloud", "spike", D(2024, 10, 14), D(2024, 10, 14), 1)
    new = ("Amazon Bedrock", "new", D(2024, 11, 5))
    drop = ("Amazon Relational Database Service", "drop", D(2024, 10, 20), D(2024, 10, 22), 3)
    found = episodes(con)
    assert [tuple(f[:5]) for f in found[:1]] == [spike] and [tuple(f[:3]) for f in found[1:]] == [new], found
    assert abs(found[0][5] - 1500) < 1500 * Decimal("0.1"), found[0]  # the injected jump, give or take the noise
    found = episodes(con, "direction := 'both'")
    assert [tuple(f[:5]) for f in found[:2]] == [spike, drop] and [tuple(f[:3]) for f in found[2:]] == [new], found
