#!/usr/bin/env python3
"""Deterministic fixtures: ONE logical set of AWS billing line items, written in every input format cbh reads.

Usage: gen_formats.py OUT_DIR

Writes, for the billing periods 2024-09 and 2024-10 (2024-10 adds the tag user:cost-center and the column
lineItem/NormalizationFactor):
  cur/        legacy CUR gzip CSV in the AWS S3 layout with manifests, plus plain CSV copies in cur/plain/
  cur_athena/ legacy CUR as Athena Parquet (snake_case columns, year=/month= partitions)
  cur2/       CUR 2.0 (Data Exports), Parquet and gzip CSV, each in the Data Exports layout with manifests
  focus/      FOCUS 1.0, 1.1 and 1.2, CSV and Parquet
  truth.json  per period: rows, billed_cost, effective_cost, by_charge_category, resources, tag_keys, zero_usage

Line items are daily (ChargePeriod = one day). To keep the set small, usage lines are written every third day of
the period (days 1, 4, 7, ...); monthly charges (RIFee, Fee, SavingsPlanRecurringFee, Tax, Credit) are dated on the
period's first day. Money is decimal.Decimal with 10 decimal places; outputs are byte-identical across runs (gzip
mtime 0, single-threaded DuckDB). Stdlib + duckdb only.
"""

import base64, csv, gzip, hashlib, io, json, re, sys, uuid
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import duckdb

PAYER, OTHER = "111122223333", "444455556666"
ACCOUNT_NAMES = {PAYER: "cbh-payer", OTHER: "cbh-workloads"}
BUCKET, REPORT, EXPORT = "cbh-bucket", "cbh-report", "cbh-export"
Q = D("1e-10")
NS = uuid.UUID("6f1c9a52-3b7e-4d0a-9c2e-cb0000000001")
PERIODS = [(2024, 9), (2024, 10)]
DAY_STRIDE = 3
REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "us-west-2": "US West (Oregon)"}
EC2 = ("AmazonEC2", "Amazon Elastic Compute Cloud")
S3 = ("AmazonS3", "Amazon Simple Storage Service")
VPC = ("AmazonVPC", "Amazon Virtual Private Cloud")
CSP = ("ComputeSavingsPlans", "Savings Plans for AWS Compute usage")
RI_ARN = "arn:aws:ec2:us-east-1:111122223333:reserved-instances/4b2a1c3d-0000-4000-8000-000000000001"
SP_ARN = "arn:aws:savingsplans::111122223333:savingsplan/5c3b2d4e-0000-4000-8000-000000000002"
NAT_ARN = "arn:aws:ec2:us-east-1:111122223333:natgateway/nat-0abc0000000000001"
EIP_ARN = "arn:aws:ec2:us-east-1:111122223333:ipv4pool-ec2/eipalloc-0idle000000000001"
RI_AMORTIZED, RI_RECURRING, RI_UPFRONT = D("0.025"), D("0.030"), D("219")  # per hour; upfront = 8760 h * 0.025
SP_COMMITMENT = D("0.15")                                                    # per hour


def R(rid, acct, prod, region, ut, op, unit, rate, desc, tags=None, cc=None, nf=None, hours=None, gb=None,
      idle=False, ltype="Usage", eff_rate=None, rtype="Instance", scat="Compute", ssub="Virtual Machines"):
    return dict(locals())


# One line per sampled day each. gb: storage billed in GB-Mo (usage = gb / days in month). idle: usage written as 0.
RESOURCES = [
    R("i-0aa00000000000001", PAYER, EC2, "us-east-1", "USE1-BoxUsage:m5.large", "RunInstances", "Hrs", "0.096",
      "$0.096 per On Demand Linux m5.large Instance Hour", {"team": "web", "owner": "alice"}, "CC-100", "4", 24),
    R("i-0bb00000000000002", OTHER, EC2, "us-west-2", "USW2-BoxUsage:t3.medium", "RunInstances", "Hrs", "0.0416",
      "$0.0416 per On Demand Linux t3.medium Instance Hour",
      {"team": "data", "owner": "bob", "aws:createdBy": "IAMUser:AIDACKCEVSQ6C2EXAMPLE:bob"}, "CC-200", "2", 24),
    R("i-0cc00000000000003", OTHER, EC2, "us-east-1", "USE1-BoxUsage:c5.xlarge", "RunInstances", "Hrs", "0.17",
      "$0.17 per On Demand Linux c5.xlarge Instance Hour", nf="8", hours=12),
    R("i-0dd00000000000004", PAYER, EC2, "us-east-1", "USE1-BoxUsage:m5.large", "RunInstances", "Hrs", "0",
      "USD 0.0 hourly fee per Linux/UNIX (Amazon VPC), m5.large reserved instance applied", {"team": "data"},
      nf="4", hours=24, ltype="DiscountedUsage", eff_rate=RI_AMORTIZED + RI_RECURRING),
    R("i-0ee00000000000005", OTHER, EC2, "us-east-1", "USE1-BoxUsage:m5.xlarge", "RunInstances", "Hrs", "0.192",
      "$0.192 per On Demand Linux m5.xlarge Instance Hour", {"owner": "alice"}, "CC-100", "8", 24,
      ltype="SavingsPlanCoveredUsage", eff_rate=D("0.124")),
    R("vol-0aa00000000000001", PAYER, EC2, "us-east-1", "USE1-EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo",
      "0.08", "$0.08 per GB-month of General Purpose (gp3) provisioned storage - US East (N. Virginia)",
      {"team": "web", "owner": "alice"}, "CC-100", gb=100, rtype="Volume", scat="Storage", ssub="Block Storage"),
    R("vol-0bb00000000000002", OTHER, EC2, "us-west-2", "USW2-EBS:VolumeUsage.gp2", "CreateVolume-Gp2", "GB-Mo",
      "0.10", "$0.10 per GB-month of General Purpose SSD (gp2) provisioned storage - US West (Oregon)",
      {"team": "data"}, gb=250, rtype="Volume", scat="Storage", ssub="Block Storage"),
    R("vol-0zombie0000000001", OTHER, EC2, "us-east-1", "USE1-EBS:VolumeUsage.gp2", "CreateVolume-Gp2", "GB-Mo",
      "0.10", "$0.10 per GB-month of General Purpose SSD (gp2) provisioned storage - US East (N. Virginia)",
      {"team": "data", "owner": "bob"}, "CC-200", gb=50, idle=True, rtype="Volume", scat="Storage",
      ssub="Block Storage"),
    R("cbh-data-bucket", PAYER, S3, "us-east-1", "USE1-TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", "0.023",
      "$0.023 per GB - first 50 TB / month of storage used", {"team": "data"}, gb=500, rtype="Bucket",
      scat="Storage", ssub="Object Storage"),
    R(NAT_ARN, PAYER, EC2, "us-east-1", "USE1-NatGateway-Hours", "NatGateway", "Hrs", "0.045",
      "$0.045 per NAT Gateway Hour", {"team": "web"}, hours=24, rtype="NAT Gateway", scat="Networking",
      ssub="Network Infrastructure"),
    R(EIP_ARN, PAYER, VPC, "us-east-1", "USE1-PublicIPv4:IdleAddress", "AllocateAddressVPC", "Hrs", "0.005",
      "$0.005 per Idle public IPv4 address per hour", hours=24, rtype="IP Address", scat="Networking",
      ssub="Network Infrastructure"),
]

# Legacy CUR columns: (category/Name, row key, kind) with kind s(tring), n(umber), t(imestamp).
LEGACY = [tuple(c.split(",")) for c in """
    identity/LineItemId,id,s identity/TimeInterval,interval,s bill/InvoiceId,invoice,s bill/BillingEntity,entity,s
    bill/BillType,bill_type,s bill/PayerAccountId,payer,s bill/BillingPeriodStartDate,ps,t
    bill/BillingPeriodEndDate,pe,t lineItem/UsageAccountId,acct,s lineItem/LineItemType,type,s
    lineItem/UsageStartDate,start,t lineItem/UsageEndDate,end,t lineItem/ProductCode,pc,s lineItem/UsageType,ut,s
    lineItem/Operation,op,s lineItem/ResourceId,rid,s lineItem/UsageAmount,usage,n lineItem/CurrencyCode,currency,s
    lineItem/UnblendedRate,rate,n lineItem/UnblendedCost,cost,n lineItem/LineItemDescription,desc,s
    product/ProductName,pname,s product/region,region,s pricing/unit,unit,s reservation/ReservationARN,ri_arn,s
    reservation/EffectiveCost,ri_eff,n
    reservation/UnusedAmortizedUpfrontFeeForBillingPeriod,ri_up,n reservation/UnusedRecurringFee,ri_rec,n
    savingsPlan/SavingsPlanARN,sp_arn,s savingsPlan/SavingsPlanEffectiveCost,sp_eff,n
    savingsPlan/TotalCommitmentToDate,sp_total,n savingsPlan/UsedCommitment,sp_used,n resourceTags/user:team,tag:team,s
    resourceTags/user:owner,tag:owner,s resourceTags/aws:createdBy,tag:aws:createdBy,s""".split()]
DRIFT_AFTER = {"lineItem/UsageAmount": ("lineItem/NormalizationFactor", "nf", "n")}  # real CUR position
DRIFT_TAG = ("resourceTags/user:cost-center", "tag:cost-center", "s")
CUR2_NAMES = """bill_billing_period_start_date bill_billing_period_end_date bill_payer_account_id bill_invoice_id
    identity_line_item_id identity_time_interval line_item_usage_account_id line_item_line_item_type
    line_item_usage_start_date line_item_usage_end_date line_item_product_code line_item_usage_type line_item_operation
    line_item_resource_id line_item_usage_amount line_item_currency_code line_item_unblended_rate
    line_item_unblended_cost line_item_line_item_description pricing_unit""".split()
CUR2_TAIL = """reservation_reservation_a_r_n reservation_effective_cost
    reservation_unused_amortized_upfront_fee_for_billing_period reservation_unused_recurring_fee
    savings_plan_savings_plan_a_r_n savings_plan_savings_plan_effective_cost savings_plan_total_commitment_to_date
    savings_plan_used_commitment""".split()
FOCUS_10 = ("AvailabilityZone BilledCost BillingAccountId BillingAccountName BillingCurrency BillingPeriodEnd "
            "BillingPeriodStart ChargeCategory ChargeClass ChargeDescription ChargeFrequency ChargePeriodEnd "
            "ChargePeriodStart CommitmentDiscountCategory CommitmentDiscountId CommitmentDiscountName "
            "CommitmentDiscountStatus CommitmentDiscountType ConsumedQuantity ConsumedUnit ContractedCost "
            "ContractedUnitPrice EffectiveCost InvoiceIssuerName ListCost ListUnitPrice PricingCategory "
            "PricingQuantity PricingUnit ProviderName PublisherName RegionId RegionName ResourceId ResourceName "
            "ResourceType ServiceCategory ServiceName SkuId SkuPriceId SubAccountId SubAccountName Tags").split()
FOCUS_11 = ("CapacityReservationId CapacityReservationStatus CommitmentDiscountQuantity CommitmentDiscountUnit "
            "ServiceSubcategory SkuMeter SkuPriceDetails").split()
FOCUS_12 = ("InvoiceId PricingCurrency BillingAccountType SubAccountType PricingCurrencyContractedUnitPrice "
            "PricingCurrencyEffectiveCost PricingCurrencyListUnitPrice").split()
FOCUS_X = ["x_UsageType", "x_Operation", "x_ServiceCode"]
FOCUS_VERSIONS = {"1.0": (FOCUS_10, "DOUBLE"), "1.1": (FOCUS_10 + FOCUS_11, "DECIMAL(38, 10)"),
                  "1.2": (FOCUS_10 + FOCUS_11 + FOCUS_12, "DECIMAL(38, 10)")}
FOCUS_NUM = ("Cost", "Price", "Quantity")            # name suffixes of the numeric FOCUS columns
FOCUS_TIME = ("PeriodStart", "PeriodEnd")
CATEGORY = {"Usage": "Usage", "DiscountedUsage": "Usage", "SavingsPlanCoveredUsage": "Usage",
            "SavingsPlanNegation": "Usage", "Tax": "Tax", "Credit": "Credit", "Refund": "Credit", "Fee": "Purchase",
            "RIFee": "Purchase", "SavingsPlanUpfrontFee": "Purchase", "SavingsPlanRecurringFee": "Purchase"}


def q(x):
    return (D(x).quantize(Q) + 0) if x is not None else None   # "+ 0" turns -0 into 0


def ts(d):
    return f"{d.isoformat()}T00:00:00Z"


def snake(s):
    """camelCase and punctuation -> snake_case, as AWS names Athena / CUR 2.0 columns (ARN -> a_r_n)."""
    out = "".join("_" + c.lower() if c.isupper() else c if c.isalnum() else "_" for c in s)
    return re.sub("_+", "_", out).strip("_")


def athena_name(legacy):
    cat, name = legacy.split("/", 1)
    return f"{snake(cat)}_{snake(name)}"


def effective_cost(r):
    t, z = r["type"], D(0)
    if t == "SavingsPlanCoveredUsage":
        return r["sp_eff"]
    if t == "SavingsPlanRecurringFee":
        return r["sp_total"] - r["sp_used"]
    if t in ("SavingsPlanNegation", "SavingsPlanUpfrontFee") or (t == "Fee" and r["ri_arn"]):
        return z
    if t == "DiscountedUsage":
        return r["ri_eff"]
    if t == "RIFee":
        return r["ri_up"] + r["ri_rec"]
    return r["cost"]


def period_rows(year, month):
    first = date(year, month, 1)
    nxt = date(year + month // 12, month % 12 + 1, 1)
    days, drift, label = (nxt - first).days, month == 10, f"{year}-{month:02d}"
    base = dict(ps=ts(first), pe=ts(nxt), payer=PAYER, invoice=f"{year}{month:02d}0000031", entity="AWS",
                bill_type="Anniversary", currency="USD", ri_arn="", sp_arn="", ri_eff=None, ri_up=None, ri_rec=None,
                sp_eff=None, sp_total=None, sp_used=None, nf=None, tags={}, rid="", rtype=None, scat="Compute",
                ssub="Virtual Machines", region="us-east-1", unit="Hrs")
    rows = []

    def add(day, **kw):
        r = dict(base, **kw)
        r.update(start=ts(day), end=ts(day + timedelta(days=1)), interval=f"{ts(day)}/{ts(day + timedelta(days=1))}")
        r["pc"], r["pname"] = r.pop("prod")
        digest = hashlib.sha256(f"cbh/{label}/{len(rows)}".encode()).digest()
        r["id"] = base64.b32encode(digest).decode().lower().rstrip("=")[:52]
        rows.append(r)
        return r

    for day in (first + timedelta(days=i) for i in range(0, days, DAY_STRIDE)):
        for s in RESOURCES:
            nominal = q(D(s["gb"]) / days) if s["gb"] else D(s["hours"])
            rate, tags = D(s["rate"]), dict(s["tags"] or {})
            if drift and s["cc"]:
                tags["cost-center"] = s["cc"]
            common = dict(acct=s["acct"], prod=s["prod"], region=s["region"], ut=s["ut"], op=s["op"], rid=s["rid"],
                          unit=s["unit"], tags=tags, nf=q(s["nf"]) if drift and s["nf"] else None,
                          rtype=s["rtype"], scat=s["scat"], ssub=s["ssub"])
            cost = q(nominal * rate)
            r = add(day, type=s["ltype"], usage=q(0 if s["idle"] else nominal), rate=q(rate), cost=cost,
                    desc=s["desc"], **common)
            if s["ltype"] == "DiscountedUsage":
                r.update(ri_arn=RI_ARN, ri_eff=q(nominal * s["eff_rate"]))
            elif s["ltype"] == "SavingsPlanCoveredUsage":
                r.update(sp_arn=SP_ARN, sp_eff=q(nominal * s["eff_rate"]))
                add(day, type="SavingsPlanNegation", usage=q(0), rate=q(0), cost=q(-cost), sp_arn=SP_ARN,
                    desc=f"SavingsPlanNegation used by AccountId : {s['acct']} and UsageSku : {s['ut']}", **common)

    hours = D(days * 24)
    used_hours = sum(r["usage"] for r in rows if r["type"] == "DiscountedUsage")
    ri = dict(acct=PAYER, prod=EC2, ut="USE1-HeavyUsage:m5.large", op="RunInstances", ri_arn=RI_ARN)
    add(first, type="RIFee", usage=q(hours), rate=q(RI_RECURRING), cost=q(hours * RI_RECURRING),
        desc="USD 0.03 hourly fee per Linux/UNIX (Amazon VPC), m5.large instance",
        ri_up=q((hours - used_hours) * RI_AMORTIZED), ri_rec=q((hours - used_hours) * RI_RECURRING),
        nf=q(4) if drift else None, **ri)
    if month == 9:
        add(first, type="Fee", usage=q(1), rate=q(RI_UPFRONT), cost=q(RI_UPFRONT), unit="Quantity",
            desc="Sign up charge for subscription: 700000000001, planId: 2195493", **ri)
    sp_used = sum(r["sp_eff"] for r in rows if r["type"] == "SavingsPlanCoveredUsage")
    add(first, type="SavingsPlanRecurringFee", acct=PAYER, prod=CSP, region="", ut="ComputeSP:1yrNoUpfront", op="",
        usage=q(hours), rate=q(SP_COMMITMENT), cost=q(hours * SP_COMMITMENT), sp_arn=SP_ARN,
        sp_total=q(hours * SP_COMMITMENT), sp_used=q(sp_used), desc="1 year No Upfront Compute Savings Plan")
    usage_cost = sum(r["cost"] for r in rows if CATEGORY[r["type"]] == "Usage")
    add(first, type="Tax", acct=PAYER, prod=EC2, region="", ut="", op="", usage=None, rate=None, unit="",
        cost=q((usage_cost * D("0.05")).quantize(D("0.01"))), desc="Tax for product code AmazonEC2", scat="Other",
        ssub="Other (Other)")
    add(first, type="Credit", acct=OTHER, prod=EC2, region="", ut="", op="", usage=None, rate=None, unit="",
        cost=q("-10.00" if month == 9 else "-7.50"), desc="AWS Credits - Promotional credit (CBH-2024)",
        scat="Other", ssub="Other (Other)")
    for r in rows:
        r["category"], r["effective"] = CATEGORY.get(r["type"], "Adjustment"), q(effective_cost(r))
    return label, first, nxt, drift, rows


def get(r, key):
    return r["tags"].get(key[4:]) if key.startswith("tag:") else r[key]


def text(v):
    return "" if v is None else f"{v:.10f}" if isinstance(v, D) else str(v)


def legacy_columns(drift):
    cols = []
    for c in LEGACY:
        cols.append(c)
        if drift and c[0] in DRIFT_AFTER:
            cols.append(DRIFT_AFTER[c[0]])
    return cols + ([DRIFT_TAG] if drift else [])


def csv_bytes(header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode()


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else (json.dumps(data, indent=2) + "\n").encode())


def write_parquet(con, path, cols, rows):
    """cols: [(name, sql type)]; rows: lists of text values (None = NULL), cast to the types inside DuckDB."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"CREATE OR REPLACE TEMP TABLE stage ({', '.join(f'c{i} VARCHAR' for i in range(len(cols)))})")
    con.executemany(f"INSERT INTO stage VALUES ({', '.join('?' * len(cols))})", rows)
    exprs = []
    for i, (name, typ) in enumerate(cols):
        src = (f"strptime(c{i}, '%Y-%m-%dT%H:%M:%SZ')" if typ == "TIMESTAMP"
               else f"json(c{i})" if typ.startswith("MAP") else f"c{i}")
        exprs.append(f'CAST({src} AS {typ}) AS "{name}"')
    target = str(path).replace("'", "''")
    con.execute(f"COPY (SELECT {', '.join(exprs)} FROM stage ORDER BY rowid) TO '{target}' "
                "(FORMAT parquet, COMPRESSION snappy)")


def halves(rows):
    return [rows[: len(rows) // 2], rows[len(rows) // 2:]]


def write_cur(out, label, first, nxt, drift, rows, con):
    cols = legacy_columns(drift)
    table = [[text(get(r, k)) for _, k, _ in cols] for r in rows]
    header = [c[0] for c in cols]
    write(out / "cur" / "plain" / f"{REPORT}-{label}.csv", csv_bytes(header, table))
    span = f"{first:%Y%m%d}-{nxt:%Y%m%d}"
    assembly = str(uuid.uuid5(NS, f"assembly/{label}"))
    keys = [f"prefix/{REPORT}/{span}/{assembly}/{REPORT}-{i:05d}.csv.gz" for i in (1, 2)]
    for key, part in zip(keys, halves(table)):
        write(out / "cur" / key, gzip.compress(csv_bytes(header, part), mtime=0))
    types = {"s": "String", "n": "BigDecimal", "t": "DateTime"}
    columns = [{"category": n.split("/")[0], "name": n.split("/", 1)[1], "type": "Interval" if k == "interval"
                else "OptionalString" if k.startswith("tag:") else types[t]} for n, k, t in cols]
    write(out / "cur" / "prefix" / REPORT / span / f"{REPORT}-Manifest.json", {
        "assemblyId": assembly, "account": PAYER, "columns": columns, "charset": "UTF-8", "compression": "GZIP",
        "contentType": "text/csv", "reportId": hashlib.sha256(REPORT.encode()).hexdigest(), "reportName": REPORT,
        "billingPeriod": {"start": f"{first:%Y%m%d}T000000.000Z", "end": f"{nxt:%Y%m%d}T000000.000Z"},
        "bucket": BUCKET, "reportKeys": keys, "additionalArtifactKeys": []})
    sql = {"s": "VARCHAR", "n": "DOUBLE", "t": "TIMESTAMP"}
    athena = out / "cur_athena" / f"year={first.year}" / f"month={first.month}" / f"{REPORT}-00001.snappy.parquet"
    write_parquet(con, athena,
                  [(athena_name(n), sql[k]) for n, _, k in cols],
                  [[text(get(r, key)) or None for _, key, _ in cols] for r in rows])


def cur2_record(r, drift):
    tags = {snake(n.split("/", 1)[1]): r["tags"][k[4:]] for n, k, _ in LEGACY + [DRIFT_TAG]
            if k.startswith("tag:") and r["tags"].get(k[4:])}
    product = {k: v for k, v in (("product_name", r["pname"]), ("region", r["region"]), ("servicecode", r["pc"])) if v}
    legacy = {athena_name(n): (get(r, k), kind) for n, k, kind in legacy_columns(drift)}
    rec = {n: legacy[n] for n in CUR2_NAMES}
    rec.update(product_region_code=(r["region"], "s"), product=(product, "m"), resource_tags=(tags, "m"),
               cost_category=({}, "m"), discount=({}, "m"))
    rec.update({n: legacy[n] for n in CUR2_TAIL})
    if drift:
        rec["line_item_normalization_factor"] = legacy["line_item_normalization_factor"]
    return rec


def write_cur2(out, label, first, nxt, drift, rows, con):
    recs = [cur2_record(r, drift) for r in rows]
    names = list(recs[0])
    kinds = {n: recs[0][n][1] for n in names}
    for form, ext in (("parquet", "snappy.parquet"), ("csv", "csv.gz")):
        root = out / "cur2" / form / "prefix" / EXPORT
        files = [f"data/BILLING_PERIOD={label}/{EXPORT}-{i:05d}.{ext}" for i in (1, 2)]
        for f, part in zip(files, halves(recs)):
            if form == "parquet":
                typ = {"s": "VARCHAR", "n": "DOUBLE", "t": "TIMESTAMP", "m": "MAP(VARCHAR, VARCHAR)"}
                write_parquet(con, root / f, [(n, typ[kinds[n]]) for n in names],
                              [[json.dumps(v[0]) if v[1] == "m" else text(v[0]) or None for v in rec.values()]
                               for rec in part])
            else:
                body = [[json.dumps(v[0], separators=(",", ":")) if v[1] == "m" else text(v[0]) for v in rec.values()]
                        for rec in part]
                write(root / f, gzip.compress(csv_bytes(names, body), mtime=0))
        export_id = uuid.uuid5(NS, f"export/{form}")
        stype = {"s": "string", "n": "double", "t": "timestamp", "m": "map<string,string>"}
        write(root / "metadata" / f"BILLING_PERIOD={label}" / f"{EXPORT}-Manifest.json", {
            "version": "1.0", "executionId": str(uuid.uuid5(NS, f"execution/{form}/{label}")),
            "exportArn": f"arn:aws:bcm-data-exports:us-east-1:{PAYER}:export/{EXPORT}-{export_id}",
            "exportName": EXPORT,
            "billingPeriod": {"start": f"{first.isoformat()}T00:00:00.000Z", "end": f"{nxt.isoformat()}T00:00:00.000Z"},
            "bucket": BUCKET, "dataFileFormat": "parquet" if form == "parquet" else "textORcsv",
            "dataFiles": [f"s3://{BUCKET}/prefix/{EXPORT}/{f}" for f in files],
            "schema": [{"name": n, "type": stype[kinds[n]]} for n in names],
            "exportTime": f"{(nxt + timedelta(days=1)).isoformat()}T06:00:00.000Z"})


def focus_record(r):
    ri, sp, covered = bool(r["ri_arn"]), bool(r["sp_arn"]), r["type"] in ("DiscountedUsage", "SavingsPlanCoveredUsage")
    usage = r["category"] == "Usage"
    sku = base64.b32encode(hashlib.sha256(f"{r['pc']}/{r['ut']}".encode()).digest()).decode()[:16] if r["ut"] else None
    recurring = r["type"] in ("RIFee", "SavingsPlanRecurringFee")
    freq = "Usage-Based" if usage else "Recurring" if recurring else "One-Time"
    return {
        "AvailabilityZone": None, "BilledCost": r["cost"], "BillingAccountId": PAYER,
        "BillingAccountName": ACCOUNT_NAMES[PAYER], "BillingCurrency": "USD", "BillingPeriodEnd": r["pe"],
        "BillingPeriodStart": r["ps"], "ChargeCategory": r["category"], "ChargeClass": None,
        "ChargeDescription": r["desc"], "ChargeFrequency": freq, "ChargePeriodEnd": r["end"],
        "ChargePeriodStart": r["start"], "CommitmentDiscountCategory": "Usage" if ri else "Spend" if sp else None,
        "CommitmentDiscountId": r["ri_arn"] or r["sp_arn"] or None, "CommitmentDiscountName": None,
        "CommitmentDiscountStatus": "Used" if covered else None,
        "CommitmentDiscountType": "Reserved Instance" if ri else "Compute Savings Plan" if sp else None,
        "ConsumedQuantity": r["usage"] if usage else None, "ConsumedUnit": r["unit"] if usage else None,
        "ContractedCost": r["cost"], "ContractedUnitPrice": r["rate"], "EffectiveCost": r["effective"],
        "InvoiceIssuerName": "Amazon Web Services, Inc.", "ListCost": r["cost"], "ListUnitPrice": r["rate"],
        "PricingCategory": ("Committed" if covered or r["type"] == "SavingsPlanNegation" else "Standard")
        if usage else None,
        "PricingQuantity": r["usage"], "PricingUnit": r["unit"] or None, "ProviderName": "AWS",
        "PublisherName": "Amazon Web Services, Inc.", "RegionId": r["region"] or None,
        "RegionName": REGION_NAMES.get(r["region"]), "ResourceId": r["rid"] or None, "ResourceName": None,
        "ResourceType": r["rtype"], "ServiceCategory": r["scat"], "ServiceName": r["pname"], "SkuId": sku,
        "SkuPriceId": f"{sku}.JRTCKXETXF.6YS6EN2CT7" if sku else None, "SubAccountId": r["acct"],
        "SubAccountName": ACCOUNT_NAMES[r["acct"]], "Tags": json.dumps(r["tags"]) if r["tags"] else None,
        "CapacityReservationId": None, "CapacityReservationStatus": None,
        "CommitmentDiscountQuantity": (r["usage"] if ri else r["sp_eff"]) if covered else None,
        "CommitmentDiscountUnit": ("Hours" if ri else "USD") if covered else None,
        "ServiceSubcategory": r["ssub"], "SkuMeter": r["ut"] or None, "SkuPriceDetails": None,
        "InvoiceId": r["invoice"], "PricingCurrency": "USD", "BillingAccountType": "Payer Account",
        "SubAccountType": "Linked Account", "PricingCurrencyContractedUnitPrice": r["rate"],
        "PricingCurrencyEffectiveCost": r["effective"], "PricingCurrencyListUnitPrice": r["rate"],
        "x_UsageType": r["ut"] or None, "x_Operation": r["op"] or None, "x_ServiceCode": r["pc"],
    }


def write_focus(out, label, rows, con):
    recs = [focus_record(r) for r in rows]
    for version, (base, num_type) in FOCUS_VERSIONS.items():
        names = sorted(base) + FOCUS_X
        lines = [",".join(names)]
        for rec in recs:
            vals = [rec[n] for n in names]
            lines.append(",".join("NULL" if v is None else text(v) if n.endswith(FOCUS_NUM) else
                                  '"' + text(v).replace('"', '""') + '"' for n, v in zip(names, vals)))
        write(out / "focus" / version / f"focus-{label}.csv", ("\n".join(lines) + "\n").encode())
        types = [(n, num_type if n.endswith(FOCUS_NUM) else "TIMESTAMP" if n.endswith(FOCUS_TIME) else "VARCHAR")
                 for n in names]
        write_parquet(con, out / "focus" / version / f"focus-{label}.parquet", types,
                      [[None if rec[n] is None else text(rec[n]) for n in names] for rec in recs])


def truth(rows):
    by_cat, per_res = {}, {}
    for r in rows:
        by_cat[r["category"]] = by_cat.get(r["category"], D(0)) + r["cost"]
        if r["category"] == "Usage" and r["rid"]:
            c, u = per_res.get(r["rid"], (D(0), D(0)))
            per_res[r["rid"]] = (c + r["cost"], u + r["usage"])
    return {"rows": len(rows), "billed_cost": text(sum(r["cost"] for r in rows)),
            "effective_cost": text(sum(r["effective"] for r in rows)),
            "by_charge_category": {k: text(v) for k, v in sorted(by_cat.items())},
            "resources": len({r["rid"] for r in rows if r["rid"]}),
            "tag_keys": sorted({k for r in rows for k, v in r["tags"].items() if v}),
            "zero_usage": sorted(rid for rid, (c, u) in per_res.items() if c > 0 and u == 0)}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_formats.py OUT_DIR")
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET threads = 1")
    result = {"account": PAYER}
    for year, month in PERIODS:
        label, first, nxt, drift, rows = period_rows(year, month)
        write_cur(out, label, first, nxt, drift, rows, con)
        write_cur2(out, label, first, nxt, drift, rows, con)
        write_focus(out, label, rows, con)
        result[label] = truth(rows)
    write(out / "truth.json", result)
    counts = " + ".join(str(v["rows"]) for k, v in result.items() if k != "account")
    print(f"gen_formats: {counts} line items in 2 periods -> cur, cur_athena, cur2 (parquet, csv), "
          f"focus (1.0, 1.1, 1.2) and truth.json in {out}")


if __name__ == "__main__":
    main()
