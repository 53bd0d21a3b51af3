"""What real exports from other tools hold (issue 16): money with as many places as FOCUS allows, lower-case CUR
headers, files of formats cbh does not read, FOCUS 1.3 names, more than one currency. Expected values are worked out
here from the text of the files, independently of cbh."""
import csv
import os
from decimal import Decimal

import pytest

from conftest import LAYOUT, REPO, real_file

FOCUS = ["ProviderName", "BillingAccountId", "BillingPeriodStart", "BillingPeriodEnd", "ChargeCategory",
         "ChargePeriodStart", "ChargePeriodEnd", "ResourceId", "ServiceName", "ConsumedQuantity", "BilledCost",
         "EffectiveCost", "BillingCurrency"]


def focus_row(cost, resource="r-1", quantity="1", currency="USD", account="acct-1", provider="Oracle"):
    return {"ProviderName": provider, "BillingAccountId": account, "BillingPeriodStart": "2024-09-01T00:00:00Z",
            "BillingPeriodEnd": "2024-10-01T00:00:00Z", "ChargeCategory": "Usage",
            "ChargePeriodStart": "2024-09-02T00:00:00Z", "ChargePeriodEnd": "2024-09-02T01:00:00Z",
            "ResourceId": resource, "ServiceName": "Compute", "ConsumedQuantity": quantity, "BilledCost": cost,
            "EffectiveCost": cost, "BillingCurrency": currency}


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return str(path)


def ingest(con, path, **named):
    params = "".join(f", {k} := '{v}'" for k, v in named.items())
    path = [str(p) for p in path] if isinstance(path, list) else str(path)
    return con.execute(f"SELECT status, error FROM cbh_ingest($1{params})", [path]).fetchall()


# --- 1. money to 18 decimal places

# FOCUS 1.2 costs from another vendor's generator (14 and 15 places), an OCI-style 18-place cost, and a large one.
PRECISE = ["0.30238632236250", "0.850786909987500", "0.123456789012345678", "1234567.000000000000000001",
           "-0.000000000000000001", "1.5E-17"]


def test_focus_costs_with_up_to_18_places_land_and_sum_exactly(connect, tmp_path):
    con = connect()
    rows = [focus_row(c, resource=f"r-{i}", quantity="0" if i == 1 else "1") for i, c in enumerate(PRECISE)]
    path = write_csv(tmp_path / "focus.csv", FOCUS, rows)
    assert ingest(con, path) == [("ingested", None)]
    got = con.execute("SELECT BilledCost, EffectiveCost FROM cbh.silver_line_items ORDER BY x_SourceRow").fetchall()
    assert got == [(Decimal(c), Decimal(c)) for c in PRECISE]
    billed, = con.execute("SELECT billed_cost FROM cbh_silver()").fetchone()
    assert billed == sum(Decimal(c) for c in PRECISE) == Decimal("1234568.276630021362345693")
    # the report keeps every place: r-1 used nothing
    cost, = con.execute("SELECT cost FROM cbh_zombies(rule := 'zero_usage', min_cost := 0)").fetchone()
    assert cost == Decimal("0.850786909987500")
    types = con.execute("SELECT typeof(billed_cost) FROM cbh_silver()").fetchone()
    assert types == ("DECIMAL(38,18)",)


@pytest.mark.parametrize("cost", ["0.0000000000000000001", "1E-19", "1.25E-18"])
def test_a_cost_past_18_places_is_refused_by_line_and_column(connect, tmp_path, cost):
    con = connect()
    path = write_csv(tmp_path / "focus.csv", FOCUS, [focus_row("1"), focus_row(cost)])
    (status, error), = ingest(con, path)
    assert status == "rejected"
    assert f"line 3, column 11 ('BilledCost'): '{cost}' is not an amount" in error
    assert "at most 18 decimal places" in error
    assert con.execute("SELECT count(*) FROM cbh.bronze_focus").fetchone()[0] == 0


def test_a_layout_4_warehouse_widens_its_money_to_18_places(connect, tmp_path):
    """cbh 0.5 held money as DECIMAL(38, 12): the first call widens every money column, keeping every value."""
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute(f"SELECT * FROM cbh_ingest('{REPO}/test/data/cur/sept.csv')").fetchall()
    silver = con.execute("SELECT * EXCLUDE (rebuilt, updated_at) FROM cbh_silver()").fetchall()
    zombies = con.execute("SELECT * FROM cbh_zombies(min_cost := 0)").fetchall()
    # Layout 4's money columns (layouts 5 and 6 added gold_daily, gold_rates and Gold's meters of the new rules).
    money = [("gold_usage", c) for c in ("cost", "effective_cost", "idle_address_cost", "idle_address_effective_cost",
                                         "unused_commitment")]
    money += [("periods", "billed_cost"), ("periods", "effective_cost")]
    money += [("silver_line_items", c) for c in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")]
    for table, column in money:  # back to layout 4, as cbh 0.5 left it
        con.execute(f'ALTER TABLE cbh.{table} ALTER COLUMN "{column}" TYPE DECIMAL(38, 12)')
    new_nat = con.execute("SELECT predicate FROM cbh.rules WHERE rule = 'idle_nat_gateway'").fetchone()
    # cbh 0.5's rule text, and a user's own change to another rule
    con.execute("""UPDATE cbh.rules SET predicate = $$nat_gateway_hours > 0 AND nat_gateway_gb <= params['max_gb']$$
                   WHERE rule = 'idle_nat_gateway'""")
    con.execute("UPDATE cbh.rules SET predicate = 'vpc_endpoint_hours > 1' WHERE rule = 'idle_vpc_endpoint'")
    con.execute("UPDATE cbh.meta SET schema_version = 4")
    assert con.execute("SELECT * FROM cbh_zombies(min_cost := 0)").fetchall() == zombies
    assert con.execute("SELECT predicate FROM cbh.rules WHERE rule = 'idle_nat_gateway'").fetchone() == new_nat
    assert con.execute("SELECT predicate FROM cbh.rules WHERE rule = 'idle_vpc_endpoint'").fetchone() == (
        "vpc_endpoint_hours > 1",)
    assert con.execute("SELECT schema_version FROM cbh.meta").fetchall() == [(LAYOUT,)]
    types = {con.execute("SELECT data_type FROM duckdb_columns() WHERE schema_name = 'cbh' AND table_name = $1 "
                         "AND column_name = $2", [t, c]).fetchone()[0] for t, c in money}
    assert types == {"DECIMAL(38,18)"}
    assert con.execute("SELECT * EXCLUDE (rebuilt, updated_at) FROM cbh_silver()").fetchall() == silver


# --- 2. a rule calls a resource idle only when no meter of the bill says otherwise

HOURLY = {"idle_nat_gateway": "per NAT Gateway Hour", "idle_load_balancer": "LoadBalancer-hour",
          "idle_public_ip": "idle public IPv4 address"}


def test_each_finding_on_the_real_focus_sample_is_right(connect):
    """Worked out from the export's own rows: a NAT gateway, load balancer or idle address is idle when every usage
    line the export charges to it is its hourly meter, with nothing processed or transferred; a resource is
    zero_usage when it costs money and its quantities sum to 0."""
    path = real_file("focus-1.0-sample.csv")
    con = connect()
    assert ingest(con, path) == [("ingested", None)]
    got = {(rule, rid): cost for rule, rid, cost in con.execute(
        "SELECT rule, resource_id, cost FROM cbh_zombies(min_cost := 0) WHERE verdict = 'idle'").fetchall()}
    meters = con.execute(f"""
        SELECT ResourceId, list(DISTINCT ChargeDescription), sum(ConsumedQuantity::DECIMAL(38, 18)),
               sum(BilledCost::DECIMAL(38, 18))
        FROM read_csv('{path}', all_varchar = true)
        WHERE ChargeCategory = 'Usage' AND ResourceId <> ''
        GROUP BY ResourceId""").fetchall()
    want = {}
    for rid, descriptions, quantity, cost in meters:
        for rule, meter in HOURLY.items():
            if all(meter.lower() in d.lower() for d in descriptions):
                want[(rule, rid)] = cost
        if cost > 0 and quantity == 0:
            want[("zero_usage", rid)] = cost
    assert got == want
    assert sorted({rule for rule, _ in got}) == ["idle_load_balancer", "idle_nat_gateway", "idle_public_ip"]
    # The gateway: billed 1 h, and the same export charges 6.8 GB of data transfer to it. Not idle.
    gateway = [(rid, d) for rid, d, _, _ in meters if rid.endswith("natgatetal/nat-0f228a69e7be3b979")]
    assert len(gateway) == 1 and any("data transfer" in d for d in gateway[0][1])
    assert not any(rid == gateway[0][0] for _, rid in got)


def test_a_nat_gateway_with_data_transfer_under_another_usage_type_is_not_idle(connect, tmp_path):
    """A legacy CUR: a gateway's hours with 0 bytes processed is idle; with data transfer out billed to the same
    gateway (another usage type), it is not."""
    header, first = open(os.path.join(REPO, "test", "data", "cur", "sept.csv")).read().splitlines()[:2]
    columns = header.split(",")
    hour = dict(zip(columns, first.split(",")), **{"lineItem/UsageAmount": "1"})
    nat = hour["lineItem/ResourceId"]
    transfer = dict(hour, **{"identity/LineItemId": "dt1", "lineItem/UsageType": "USE1-DataTransfer-Out-Bytes",
                             "lineItem/Operation": "", "lineItem/UsageAmount": "0.5", "lineItem/UnblendedCost": "0.045"})
    found = {}
    for name, rows in (("idle", [hour]), ("busy", [hour, transfer])):
        path = write_csv(tmp_path / f"{name}.csv", columns, rows)
        con = connect()
        assert ingest(con, path) == [("ingested", None)]
        found[name] = con.execute("SELECT rule, resource_id, evidence FROM cbh_zombies(min_cost := 0)").fetchall()
    assert found["idle"] == [("idle_nat_gateway", nat, "NAT gateway billed 1 h in 2024-09, 0 GB processed or "
                                                      "transferred")]
    assert found["busy"] == []


# --- 3. exports cbh does not read are named, with what to export instead

# Headers of the FinOps Foundation's focus_converters fixtures (MIT): an OCI cost report, an Azure EA export.
OCI = ("lineItem/referenceNo,lineItem/tenantId,lineItem/intervalUsageStart,lineItem/intervalUsageEnd,product/service,"
       "product/compartmentId,product/compartmentName,product/region,product/availabilityDomain,product/resourceId,"
       "usage/billedQuantity,usage/billedQuantityOverage,cost/subscriptionId,cost/productSku,product/Description,"
       "cost/unitPrice,cost/unitPriceOverage,cost/myCost,cost/myCostOverage,cost/currencyCode")
OCI_ROW = ("7108a1f8,ocid1.tenancy.oc1..aaaa,2023-11-13T10:00Z,2023-11-13T11:00:00Z,DATABASE,ocid1.tenancy.oc1..aaaa,"
           "platformpm2022,us-sanjose-1,sj-1,ocid1.autonomousdatabase.oc1.x,0.083333333333000000,,ocid1.sub,B92911,"
           "Oracle APEX Application Development,0.147171330000000000,,0.012264277499950943,,USD")
AZURE = ("InvoiceSectionName,AccountName,AccountOwnerId,SubscriptionId,SubscriptionName,ResourceGroup,ResourceLocation,"
         "Date,ProductName,MeterCategory,MeterSubCategory,MeterId,MeterName,MeterRegion,UnitOfMeasure,Quantity,"
         "EffectivePrice,CostInBillingCurrency,BillingAccountId,BillingCurrencyCode,BillingPeriodStartDate,"
         "BillingPeriodEndDate,ChargeType")
AZURE_ROW = ("Lorem,example.com,user.one@example.com,e18e1552,sub-example,rg-example,CentralUS,9/2/2023,"
             "Virtual Network Peering,Virtual Network,Peering,59bc01e3,Intra-Region Ingress,,1 GB,0.027265128,"
             "0.011199923,0.000305367,12345678,CAD,9/1/2023,9/30/2023,Usage")


@pytest.mark.parametrize("name, header, row, what, instead", [
    ("oci.csv", OCI, OCI_ROW, "this is an Oracle Cloud (OCI) cost report, which cbh does not read", "FOCUS reports"),
    ("azure.csv", AZURE, AZURE_ROW, "this is an Azure cost details export (EA or Microsoft Customer Agreement)",
     "'Cost and usage details (FOCUS)'"),
], ids=["oci", "azure"])
def test_a_foreign_export_is_named_for_what_it_is(connect, tmp_path, name, header, row, what, instead):
    con = connect()
    path = tmp_path / name
    path.write_text(f"{header}\n{row}\n")
    (status, error), = ingest(con, path)
    assert status == "rejected"
    assert error.startswith(f"cbh: file '{path}': {what}"), error
    assert instead in error and "Is this a legacy AWS CUR" not in error
    rows = con.execute("SELECT format FROM cbh.ledger").fetchall()
    assert rows == [(None,)]


# --- 4. FOCUS 1.3: renamed and added columns, and the contract commitment dataset

FOCUS_13 = [("ServiceProviderName" if c == "ProviderName" else c) for c in FOCUS] + [
    "HostProviderName", "InvoiceIssuerName", "AllocatedMethodId", "AllocatedResourceId", "AllocatedTags"]


def test_focus_1_3_lands_in_the_same_silver_as_1_2(connect, tmp_path):
    rows = [focus_row("0.30238632236250", resource="r-1"), focus_row("2", resource="r-2", quantity="0")]
    v12 = write_csv(tmp_path / "focus-1.2.csv", FOCUS, rows)
    rows13 = [dict({("ServiceProviderName" if k == "ProviderName" else k): v for k, v in r.items()},
                   HostProviderName="Oracle", InvoiceIssuerName="Oracle", AllocatedMethodId="",
                   AllocatedResourceId="", AllocatedTags="") for r in rows]
    v13 = write_csv(tmp_path / "focus-1.3.csv", FOCUS_13, rows13)
    silver = {}
    for name, path in (("1.2", v12), ("1.3", v13)):
        con = connect()
        assert ingest(con, path) == [("ingested", None)]
        silver[name] = con.execute("SELECT * EXCLUDE (x_SourceFile, x_IngestionId) FROM cbh.silver_line_items "
                                   "ORDER BY x_SourceRow").fetchall()
        silver[name + " zombies"] = con.execute("SELECT provider, resource_id, cost FROM cbh_zombies()").fetchall()
    assert silver["1.3"] == silver["1.2"] and len(silver["1.2"]) == 2
    assert silver["1.3 zombies"] == [("Oracle", "r-2", Decimal("2"))]
    # and a month of each in one warehouse
    con = connect()
    october = [dict(r, BillingPeriodStart="2024-10-01T00:00:00Z", BillingPeriodEnd="2024-11-01T00:00:00Z",
                    ChargePeriodStart="2024-10-02T00:00:00Z", ChargePeriodEnd="2024-10-02T01:00:00Z")
               for r in rows13]
    oct13 = write_csv(tmp_path / "focus-1.3-oct.csv", FOCUS_13, october)
    assert ingest(con, [v12, oct13]) == [("ingested", None)] * 2
    assert con.execute("SELECT provider, billing_period::VARCHAR, line_items FROM cbh_silver() ORDER BY 2").fetchall() \
        == [("Oracle", "2024-09-01", 2), ("Oracle", "2024-10-01", 2)]


def test_the_contract_commitment_dataset_is_skipped_as_not_a_bill(connect, tmp_path):
    con = connect()
    path = tmp_path / "contract-commitments.csv"
    path.write_text("BillingCurrency,ContractCommitmentCategory,ContractCommitmentCost,ContractCommitmentId,"
                    "ContractCommitmentPeriodEnd,ContractCommitmentPeriodStart,ContractId\n"
                    "USD,Spend,120000,cc-1,2025-12-31T00:00:00Z,2025-01-01T00:00:00Z,contract-1\n")
    bill = write_csv(tmp_path / "focus.csv", FOCUS, [focus_row("1")])
    rows = con.execute("SELECT file, status, coalesce(error, note) FROM cbh_ingest($1) ORDER BY file",
                       [[str(path), bill]]).fetchall()
    assert rows[0][:2] == (str(path), "skipped") and "contract commitment dataset" in rows[0][2], rows
    assert rows[1][1] == "ingested"


# --- 6. lower-case legacy CUR headers

def lower_header(tmp_path, name):
    header, rest = open(os.path.join(REPO, "test", "data", "cur", name)).read().split("\n", 1)
    path = tmp_path / f"lower-{name}"
    path.write_text(header.lower() + "\n" + rest)
    return path


def test_a_cur_with_lower_case_headers_lands_as_the_same_silver(connect, tmp_path):
    written, lower = connect(), connect()
    assert ingest(written, os.path.join(REPO, "test", "data", "cur", "sept.csv")) == [("ingested", None)]
    assert ingest(lower, lower_header(tmp_path, "sept.csv")) == [("ingested", None)]
    same = ("SELECT * EXCLUDE (Tags, x_SourceTags, x_SourceFile, x_IngestionId) FROM cbh.silver_line_items "
            "ORDER BY x_SourceRow")
    assert lower.execute(same).fetchall() == written.execute(same).fetchall()
    # tag keys stay as the file writes them
    tags = "SELECT DISTINCT map_keys(x_SourceTags) FROM cbh.silver_line_items WHERE cardinality(Tags) > 0"
    assert written.execute(tags).fetchall() == [(["user:Owner"],)]
    assert lower.execute(tags).fetchall() == [(["user:owner"],)]
    zombies = "SELECT resource_id, rule, cost FROM cbh_zombies(min_cost := 0) ORDER BY ALL"
    assert lower.execute(zombies).fetchall() == written.execute(zombies).fetchall()


def test_lower_case_and_written_headers_share_bronze_columns(connect, tmp_path):
    """A month written one way and the next the other way land in the same Bronze columns, read alike; their tags
    keep each file's keys (AWS keeps tag keys case-sensitive)."""
    sept = os.path.join(REPO, "test", "data", "cur", "sept.csv")
    written, mixed = connect(), connect()
    ingest(written, [sept, os.path.join(REPO, "test", "data", "cur", "oct-part1.csv")])
    ingest(mixed, [sept, str(lower_header(tmp_path, "oct-part1.csv"))])
    columns = ("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'bronze_cur' "
               "AND NOT column_name ILIKE 'resourceTags/%'")
    assert mixed.execute(columns).fetchone() == written.execute(columns).fetchone()
    totals = "SELECT billing_period, line_items, billed_cost FROM cbh_silver() ORDER BY ALL"
    assert mixed.execute(totals).fetchall() == written.execute(totals).fetchall()
    keys = ("SELECT DISTINCT strftime(BillingPeriodStart, '%Y-%m'), unnest(map_keys(x_SourceTags)) "
            "FROM cbh.silver_line_items ORDER BY ALL")
    assert [k for k in mixed.execute(keys).fetchall() if k[0] == "2024-10"] == [
        (p, k.lower()) for p, k in written.execute(keys).fetchall() if p == "2024-10"]


def test_tags_that_differ_only_in_case_are_two_tags(connect, tmp_path):
    """AWS tag keys are case-sensitive (`Name` and `name` are two tags); DuckDB's column names are not."""
    header, *rows = open(os.path.join(REPO, "test", "data", "cur", "sept.csv")).read().splitlines()
    both = tmp_path / "both.csv"
    both.write_text("\n".join([header + ",resourceTags/user:owner"] + [f"{r},lower-{i}" for i, r in enumerate(rows)])
                    + "\n")
    con = connect()
    assert ingest(con, both) == [("ingested", None)]
    tags = con.execute("SELECT Tags, x_SourceTags FROM cbh.silver_line_items ORDER BY x_SourceRow LIMIT 1").fetchone()
    assert tags == ({"Owner": "team-a", "owner": "lower-0"}, {"user:Owner": "team-a", "user:owner": "lower-0"})
    # a later month with only the lower-case tag finds its column again, under its own key
    october = tmp_path / "oct.csv"
    october.write_text("\n".join([header.replace("user:Owner", "user:owner")]
                                 + [r.replace("2024-09", "2024-10").replace("2024-10-01T00:00:00.000Z,2024-10-01",
                                                                            "2024-10-01T00:00:00.000Z,2024-11-01")
                                    for r in rows]) + "\n")
    assert ingest(con, october) == [("ingested", None)]
    keys = con.execute("SELECT period, list(DISTINCT k ORDER BY k) FROM (SELECT strftime(BillingPeriodStart, "
                       "'%Y-%m') AS period, unnest(map_keys(Tags)) AS k FROM cbh.silver_line_items) "
                       "GROUP BY ALL ORDER BY ALL").fetchall()
    assert keys == [("2024-09", ["Owner", "owner"]), ("2024-10", ["owner"])]
    columns = con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'bronze_cur' "
                          "AND column_name ILIKE 'resourceTags/%' ORDER BY column_index").fetchall()
    assert columns == [("resourceTags/user:Owner",), ("resourceTags/user:owner#2",)]


# --- 5. money of two currencies is never added

def test_two_currencies_in_one_period_are_never_added(connect, tmp_path):
    rows = [focus_row("10.5", resource="r-usd", quantity="0", currency="USD"),
            focus_row("0.25", resource="r-usd-busy", currency="USD"),
            focus_row("7", resource="r-eur", quantity="0", currency="EUR"),
            focus_row("1.000000000000000001", resource="r-eur-busy", currency="EUR"),
            focus_row("2", resource="r-both", quantity="0", currency="USD"),
            focus_row("3", resource="r-both", quantity="0", currency="EUR")]
    con = connect()
    assert ingest(con, write_csv(tmp_path / "focus.csv", FOCUS, rows)) == [("ingested", None)]
    D = Decimal
    silver = con.execute("SELECT currency, line_items, billed_cost, effective_cost, resources FROM cbh_silver() "
                         "ORDER BY currency").fetchall()
    assert silver == [("EUR", 3, D("11.000000000000000001"), D("11.000000000000000001"), 5),
                      ("USD", 3, D("12.75"), D("12.75"), 5)]
    assert con.execute("SELECT billed_cost, currency FROM cbh.periods").fetchone() == (None, "EUR,USD")
    # a resource billed in both currencies is a finding in each
    zombies = con.execute("SELECT resource_id, currency, cost, evidence FROM cbh_zombies() ORDER BY ALL").fetchall()
    assert zombies == [("r-both", "EUR", D("3"), "Compute billed 3 EUR in 2024-09 with no usage"),
                       ("r-both", "USD", D("2"), "Compute billed 2 USD in 2024-09 with no usage"),
                       ("r-eur", "EUR", D("7"), "Compute billed 7 EUR in 2024-09 with no usage"),
                       ("r-usd", "USD", D("10.5"), "Compute billed 10.5 USD in 2024-09 with no usage")]
    waste = con.execute("SELECT currency, findings, waste, spend FROM cbh_waste() WHERE dimension = 'total' "
                        "ORDER BY currency").fetchall()
    assert waste == [("EUR", 2, D("10"), D("11.000000000000000001")), ("USD", 2, D("12.5"), D("12.75"))]
    # the gate holds each currency's waste to the budget on its own: 12.5 USD is over 11, 10 EUR is not
    within = con.execute("SELECT currency, waste, status FROM cbh_check(max_waste := 13) ORDER BY currency").fetchall()
    assert within == [("EUR", D("10"), "within budget"), ("USD", D("12.5"), "within budget")]
    with pytest.raises(Exception, match=r"waste in billing period 2024-09 is 12\.5 USD \(98\.039 % of spend "
                                        r"12\.75\), over the budget \(max_waste 11\)\. Top offenders: r-usd"):
        con.execute("SELECT * FROM cbh_check(max_waste := 11)").fetchall()


def test_a_layout_4_period_of_two_currencies_is_split_by_the_move(connect, tmp_path):
    rows = [focus_row("1.5", resource="a", currency="USD"), focus_row("2", resource="b", currency="EUR")]
    con = connect(str(tmp_path / "w.duckdb"))
    ingest(con, write_csv(tmp_path / "focus.csv", FOCUS, rows))
    want = con.execute("SELECT * EXCLUDE (rebuilt, updated_at) FROM cbh_silver()").fetchall()
    # as cbh 0.5 left it: one total of both currencies, no by_currency
    con.execute("ALTER TABLE cbh.periods DROP COLUMN by_currency")
    con.execute("DROP TABLE cbh.gold_daily")
    con.execute("UPDATE cbh.periods SET billed_cost = 3.5, effective_cost = 3.5")
    con.execute("UPDATE cbh.meta SET schema_version = 4")
    assert con.execute("SELECT * EXCLUDE (rebuilt, updated_at) FROM cbh_silver()").fetchall() == want
    assert con.execute("SELECT billed_cost FROM cbh.periods").fetchall() == [(None,)]
    # the daily spend is made by the move, per currency
    assert con.execute("SELECT currency, billed_cost FROM cbh.gold_daily ORDER BY ALL").fetchall() == [
        ("EUR", Decimal("2")), ("USD", Decimal("1.5"))]
