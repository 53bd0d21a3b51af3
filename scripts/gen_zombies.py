#!/usr/bin/env python3
"""A realistic zombie scenario with its ground truth: legacy CUR months (2024-09 to 2024-11) in which every rule has
planted positives and look-alike negatives, and an older export without resource IDs.

Usage: gen_zombies.py OUT_DIR

Writes:
  cur-2024-09.csv        payer 999999999999: the planted resources below, daily line items (and -10, -11)
  cur-noid-2024-09.csv   payer 888888888888: an export without the lineItem/ResourceId column
  truth.json             per rule, the exact findings (resource, cost, effective cost, account, region) and the
                         resources no rule may flag

Planted (the truth is what was planted; money is summed from the rows written, as decimal.Decimal):
  idle_public_ip      an idle address all month; one idle only from day 21 (monthly projection x3); one with the
                      region-less usage type ElasticIP:IdleAddress; in the no-ID export, idle addresses per account
                      and region. Negative: an address in use.
  idle_nat_gateway    a gateway billed 720 h with 0 bytes (its hour lines carry the ARN, its byte lines the bare ID).
                      Negative: a busy gateway written the same way, which only matching ARN to ID keeps unflagged.
                      Excluded: an idle gateway tagged cbh:keep.
  idle_load_balancer  an ALB with hours and no LCU. Negative: an ALB with LCU-hours.
  idle_vpc_endpoint   an interface endpoint with hours and no bytes. Negative: one that processes data.
  unused_commitment   an RI fee partly unused (per account and region: RI fee lines carry no resource ID), a Savings
                      Plan's unused commitment. Negative: a fully used RI fee.
  zero_usage          a volume billed with zero usage. Negatives: the busy instance and everything active.
  idle_instance       an instance under 2 % CPU and 5 MB network every day for 30 days (its metrics name it by ARN).
                      Negatives: a busy one, one with a single busy CPU day, one with a single day of traffic.
                      "no metrics": one without metrics, one with 5 days of them.
  idle_volume         a volume with 0 read/write operations (Parquet metrics). Negative: a volume in use.
  idle_database       an RDS instance with 0 connections (its metrics name it by DBInstanceIdentifier). Negative: one
                      with connections.
  persistence         the idle NAT gateway bills on in October (cur-2024-10.csv): found for 61 days.
  the rest            the saving rules, and the rules that take more than a month (cur-2024-11.csv): see
                      zombie_plants.py.
Metrics files: metrics-ec2-2024-09.csv (instances), metrics-rest-2024-09.parquet (volumes, databases).
"""

import csv, json, os, sys
from datetime import datetime, timedelta
from decimal import Decimal as D

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zombie_plants  # noqa: E402

PERIOD = datetime(2024, 9, 1)
DAYS = 30
PAYER, ACCOUNT = "999999999999", "111111111111"
NOID_PAYER, NOID_ACCOUNT = "888888888888", "222222222222"
HEADER = [
    "identity/LineItemId", "bill/PayerAccountId", "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate",
    "lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate",
    "lineItem/ProductCode", "lineItem/UsageType", "lineItem/Operation", "lineItem/ResourceId",
    "lineItem/UsageAmount", "lineItem/CurrencyCode", "lineItem/UnblendedCost", "lineItem/LineItemDescription",
    "product/ProductName", "product/region", "pricing/unit", "reservation/ReservationARN",
    "reservation/EffectiveCost", "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
    "reservation/UnusedRecurringFee", "savingsPlan/TotalCommitmentToDate", "savingsPlan/UsedCommitment",
    "savingsPlan/SavingsPlanEffectiveCost", "resourceTags/user:Owner", "resourceTags/user:cbh:keep",
]
EC2 = ("AmazonEC2", "Amazon Elastic Compute Cloud")
ELB = ("AWSELB", "Elastic Load Balancing")
VPC = ("AmazonVPC", "Amazon Virtual Private Cloud")
SP = ("ComputeSavingsPlans", "Savings Plans for AWS Compute usage")


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Bill:
    def __init__(self, payer, account, period=PERIOD, days=DAYS):
        self.payer, self.account, self.rows, self.period, self.days = payer, account, [], period, days

    def line(self, day, hours, kind, product, usage_type, operation, rid, amount, cost, description, region, unit,
             owner="", keep="", **extra):
        start = self.period + timedelta(days=day)
        row = dict.fromkeys(HEADER, "")
        row.update({
            "identity/LineItemId": f"li-{len(self.rows):06d}", "bill/PayerAccountId": self.payer,
            "bill/BillingPeriodStartDate": iso(self.period),
            "bill/BillingPeriodEndDate": iso(self.period + timedelta(self.days)),
            "lineItem/UsageAccountId": self.account, "lineItem/LineItemType": kind,
            "lineItem/UsageStartDate": iso(start), "lineItem/UsageEndDate": iso(start + timedelta(hours=hours)),
            "lineItem/ProductCode": product[0], "lineItem/UsageType": usage_type, "lineItem/Operation": operation,
            "lineItem/ResourceId": rid, "lineItem/UsageAmount": str(amount), "lineItem/CurrencyCode": "USD",
            "lineItem/UnblendedCost": str(cost), "lineItem/LineItemDescription": description,
            "product/ProductName": product[1], "product/region": region, "pricing/unit": unit,
            "resourceTags/user:Owner": owner, "resourceTags/user:cbh:keep": keep,
        })
        row.update(extra)
        self.rows.append(row)

    def daily(self, rid, product, usage_type, operation, rate, per_day, description, region, unit, first_day=0,
              kind="Usage", **tags):
        """Daily usage lines from first_day to the period's end; returns their billed cost."""
        total = D(0)
        for day in range(first_day, self.days):
            cost = (D(per_day) * D(rate)).quantize(D("1e-10"))
            self.line(day, 24, kind, product, usage_type, operation, rid, D(per_day), cost, description, region,
                      unit, **tags)
            total += cost
        return total

    def write(self, path, columns=HEADER):
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(columns)
            for row in self.rows:
                w.writerow([row[c] for c in columns])


def finding(rule, rid, cost, account, region, effective=None, period="2024-09-01", **more):
    effective = cost if effective is None else effective
    return {"rule": rule, "resource_id": rid, "billing_period": period, "cost": str(cost),
            "effective_cost": str(effective), "account": account, "region": region, **more}


def main(out):
    os.makedirs(out, exist_ok=True)
    b = Bill(PAYER, ACCOUNT)
    truth, active = [], []
    idle_ip = "PublicIPv4:IdleAddress"

    # Public IPv4 addresses.
    c = b.daily("eipalloc-0idle00000000000a", EC2, f"USE1-{idle_ip}", "AllocateAddressVPC", "0.005", 24,
                "$0.005 per Idle public IPv4 address per hour", "us-east-1", "Hrs", owner="team-net")
    truth.append(finding("idle_public_ip", "eipalloc-0idle00000000000a", c, ACCOUNT, "us-east-1", monthly=str(c)))
    c = b.daily("eipalloc-0late00000000000b", EC2, f"EUW2-{idle_ip}", "AllocateAddressVPC", "0.005", 24,
                "$0.005 per Idle public IPv4 address per hour", "eu-west-2", "Hrs", first_day=20, owner="team-web")
    truth.append(finding("idle_public_ip", "eipalloc-0late00000000000b", c, ACCOUNT, "eu-west-2",
                         monthly=str(c * 3)))
    c = b.daily("eipalloc-0old000000000000c", EC2, "ElasticIP:IdleAddress", "AssociateAddressVPC", "0.005", 24,
                "$0.005 per Elastic IP address not attached to a running instance per hour", "us-east-1", "Hrs")
    truth.append(finding("idle_public_ip", "eipalloc-0old000000000000c", c, ACCOUNT, "us-east-1", monthly=str(c)))
    b.daily("eipalloc-0inuse0000000000d", EC2, "USE1-PublicIPv4:InUseAddress", "AssociateAddressVPC", "0.005", 24,
            "$0.005 per In-use public IPv4 address per hour", "us-east-1", "Hrs")
    active.append("eipalloc-0inuse0000000000d")

    # NAT gateways: hour lines carry the ARN, byte lines the bare ID.
    def nat(gid, gb_per_day, **tags):
        arn = f"arn:aws:ec2:us-east-1:{ACCOUNT}:natgateway/{gid}"
        hours = b.daily(arn, EC2, "USE1-NatGateway-Hours", "NatGateway", "0.045", 24,
                        "$0.045 per NAT Gateway Hour", "us-east-1", "Hrs", **tags)
        data = b.daily(gid, EC2, "USE1-NatGateway-Bytes", "NatGateway", "0.045", gb_per_day,
                       "$0.045 per GB Data Processed by NAT Gateways", "us-east-1", "GB", **tags)
        return arn, hours + data

    arn, c = nat("nat-0idle000000000001", 0, owner="team-net")
    truth.append(finding("idle_nat_gateway", arn, c, ACCOUNT, "us-east-1",
                         evidence="NAT gateway billed 720 h in 2024-09, 0 GB processed or transferred"))
    arn, _ = nat("nat-0busy000000000002", "16.5", owner="team-net")
    active.append(arn)
    arn, c = nat("nat-0keep000000000003", 0, owner="team-dr", keep="true")
    truth.append(finding("idle_nat_gateway", arn, c, ACCOUNT, "us-east-1", excluded="tagged cbh:keep"))

    # Load balancers.
    def alb(name, lcu_per_day):
        arn = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/{name}/50dc6c495c0c9188"
        c = b.daily(arn, ELB, "USE1-LoadBalancerUsage", "LoadBalancing:Application", "0.0225", 24,
                    "$0.0225 per Application LoadBalancer-hour (or partial hour)", "us-east-1", "Hrs")
        if lcu_per_day:
            c += b.daily(arn, ELB, "USE1-LCUUsage", "LoadBalancing:Application", "0.008", lcu_per_day,
                         "$0.008 per used Application load balancer capacity unit-hour (or partial hour)",
                         "us-east-1", "LCU-Hrs")
        return arn, c

    arn, c = alb("idle-alb", 0)
    truth.append(finding("idle_load_balancer", arn, c, ACCOUNT, "us-east-1"))
    arn, _ = alb("busy-alb", "12.5")
    active.append(arn)

    # Interface VPC endpoints.
    def vpce(vid, gb_per_day):
        arn = f"arn:aws:ec2:eu-west-2:{ACCOUNT}:vpc-endpoint/{vid}"
        c = b.daily(arn, VPC, "EUW2-VpcEndpoint-Hours", "VpcEndpoint", "0.011", 24,
                    "$0.011 per VPC Endpoint Hour", "eu-west-2", "Hrs")
        if gb_per_day:
            c += b.daily(arn, VPC, "EUW2-VpcEndpoint-Bytes", "VpcEndpoint", "0.01", gb_per_day,
                         "$0.01 per GB Data Processed by VPC Endpoint", "eu-west-2", "GB")
        return arn, c

    arn, c = vpce("vpce-0idle00000000001", 0)
    truth.append(finding("idle_vpc_endpoint", arn, c, ACCOUNT, "eu-west-2"))
    arn, _ = vpce("vpce-0busy00000000002", "3.25")
    active.append(arn)

    # Commitments. An RI fee line carries no resource ID: the finding is per account and region.
    ri_arn = f"arn:aws:ec2:us-east-1:{ACCOUNT}:reserved-instances/11111111-0000-4000-8000-000000000001"
    b.line(0, 720, "RIFee", EC2, "USE1-HeavyUsage:m5.large", "RunInstances", "", 720, D("69.12"),
           "USD 0.096 hourly fee per Linux/UNIX (Amazon VPC), m5.large instance", "us-east-1", "Hrs",
           **{"reservation/ReservationARN": ri_arn, "reservation/UnusedRecurringFee": "20.16",
              "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": "4.8"})
    truth.append(finding("unused_commitment", None, D("24.96"), ACCOUNT, "us-east-1"))
    used_arn = f"arn:aws:ec2:eu-west-2:{ACCOUNT}:reserved-instances/11111111-0000-4000-8000-000000000002"
    b.line(0, 720, "RIFee", EC2, "EUW2-HeavyUsage:m5.large", "RunInstances", "", 720, D("79.2"),
           "USD 0.11 hourly fee per Linux/UNIX (Amazon VPC), m5.large instance", "eu-west-2", "Hrs",
           **{"reservation/ReservationARN": used_arn, "reservation/UnusedRecurringFee": "0",
              "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": "0"})
    sp_arn = f"arn:aws:savingsplans::{ACCOUNT}:savingsplan/22222222-0000-4000-8000-000000000001"
    b.line(0, 720, "SavingsPlanRecurringFee", SP, "ComputeSP:1yrNoUpfront", "", sp_arn, 720, D("72"),
           "1 year No Upfront Compute Savings Plan", "", "Hrs",
           **{"savingsPlan/TotalCommitmentToDate": "72", "savingsPlan/UsedCommitment": "51.5"})
    truth.append(finding("unused_commitment", sp_arn, D("20.5"), ACCOUNT, None))

    # Busy compute and an unused volume.
    b.daily("i-0busy0000000000001", EC2, "USE1-BoxUsage:m5.large", "RunInstances", "0.096", 24,
            "$0.096 per On Demand Linux m5.large Instance Hour", "us-east-1", "Hrs", owner="team-web")
    active.append("i-0busy0000000000001")
    c = b.daily("vol-0zero00000000001", EC2, "USE1-EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "0.08", 0,
                "$0.08 per GB-month of General Purpose (gp3) provisioned storage", "us-east-1", "GB-Mo")
    # Zero usage at a cost: a volume billed with no GB-months recorded.
    for row in b.rows:
        if row["lineItem/ResourceId"] == "vol-0zero00000000001":
            row["lineItem/UnblendedCost"] = "0.0800000000"
    truth.append(finding("zero_usage", "vol-0zero00000000001", D("0.08") * DAYS, ACCOUNT, "us-east-1"))

    # Resources the metric rules judge, and their utilization metrics (one row per day and metric).
    metrics = []

    def metric(rid, name, statistic, values, unit, first_day=0):
        for i, v in enumerate(values):
            t = PERIOD + timedelta(days=first_day + i, hours=12)
            metrics.append({"resource_id": rid, "metric_name": name, "timestamp": iso(t), "statistic": statistic,
                            "value": str(v), "unit": unit})

    def instance(iid, itype, rate, cpu, network_mb, days=DAYS, arn=False):
        c = b.daily(iid, EC2, f"USE1-BoxUsage:{itype}", "RunInstances", rate, 24,
                    f"${rate} per On Demand Linux {itype} Instance Hour", "us-east-1", "Hrs", owner="team-data")
        rid = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{iid}" if arn else iid
        if cpu is not None:
            metric(rid, "CPUUtilization", "Maximum", cpu[:days], "Percent")
            metric(rid, "NetworkIn", "Sum", [int(mb * 600_000) for mb in network_mb[:days]], "Bytes")
            metric(rid, "NetworkOut", "Sum", [int(mb * 400_000) for mb in network_mb[:days]], "Bytes")
        return c

    quiet = [round(0.4 + (d % 5) * 0.2, 2) for d in range(DAYS)]          # under 2 % every day
    c = instance("i-0idle00000000000001", "m5.large", "0.096", quiet, [1.5] * DAYS, arn=True)
    truth.append(finding("idle_instance", "i-0idle00000000000001", c, ACCOUNT, "us-east-1", days_idle=30,
                         evidence="EC2 instance billed 69.12 USD in 2024-09; daily max CPU at most 1.2 %, network at "
                                  "most 1.5 MB a day, over 30 days"))
    instance("i-0busy0000000000002", "m5.large", "0.096", [45.0] * DAYS, [2000] * DAYS)
    active.append("i-0busy0000000000002")
    spiky = quiet[:14] + [30.0] + quiet[15:]                                  # one busy day: not idle
    instance("i-0spiky000000000003", "m5.large", "0.096", spiky, [1.0] * DAYS)
    active.append("i-0spiky000000000003")
    instance("i-0chatty00000000004", "m5.large", "0.096", quiet, [1.0] * 20 + [80.0] + [1.0] * 9)
    active.append("i-0chatty00000000004")
    instance("i-0nometrics0000005", "t3.micro", "0.0104", None, None)
    instance("i-0short000000000006", "t3.micro", "0.0104", quiet, [1.0] * DAYS, days=5)   # 5 days: too few
    no_metrics = [("idle_instance", "i-0busy0000000000001", "2024-09-01"),
                  ("idle_instance", "i-0nometrics0000005", "2024-09-01"),
                  ("idle_instance", "i-0short000000000006", "2024-09-01"),
                  ("idle_volume", "vol-0zero00000000001", "2024-09-01")]

    def volume(vid, ops):
        c = b.daily(vid, EC2, "USE1-EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "0.08", (D(100) / DAYS).quantize(D("1e-10")),
                    "$0.08 per GB-month of General Purpose (gp3) provisioned storage", "us-east-1", "GB-Mo")
        metric(vid, "VolumeReadOps", "Sum", [ops] * DAYS, "Count")
        metric(vid, "VolumeWriteOps", "Sum", [0] * DAYS, "Count")
        return c

    c = volume("vol-0idle00000000001", 0)
    truth.append(finding("idle_volume", "vol-0idle00000000001", c, ACCOUNT, "us-east-1", days_idle=30))
    volume("vol-0busy00000000002", 1200)
    active.append("vol-0busy00000000002")

    def database(name, connections):
        arn = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:{name}"
        c = b.daily(arn, ("AmazonRDS", "Amazon Relational Database Service"), "USE1-InstanceUsage:db.t3.medium",
                    "CreateDBInstance:0014", "0.068", 24, "$0.068 per RDS db.t3.medium instance hour (or partial "
                    "hour) running PostgreSQL", "us-east-1", "Hrs")
        metric(name, "DatabaseConnections", "Maximum", [connections] * DAYS, "Count")
        return arn, c

    arn, c = database("orders-idle", 0)
    truth.append(finding("idle_database", arn, c, ACCOUNT, "us-east-1", days_idle=30))
    arn, _ = database("orders-busy", 12)
    active.append(arn)

    # The rules that price an alternative, and those that take more than a month (zombie_plants.py).
    october = Bill(PAYER, ACCOUNT, datetime(2024, 10, 1), 31)
    november = Bill(PAYER, ACCOUNT, datetime(2024, 11, 1), 30)
    zombie_plants.savings([b, october, november], ACCOUNT, finding, truth, active, no_metrics)
    zombie_plants.periods([b, october, november], ACCOUNT, finding, truth, active, no_metrics, metric)
    b.write(os.path.join(out, "cur-2024-09.csv"))
    november.write(os.path.join(out, "cur-2024-11.csv"))

    # Metrics: instances as CSV, volumes and databases as Parquet (typed timestamps and values).
    def write_metrics(path, rows):
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=["resource_id", "metric_name", "timestamp", "statistic", "value", "unit"],
                               lineterminator="\n")
            w.writeheader()
            w.writerows(rows)

    write_metrics(os.path.join(out, "metrics-ec2-2024-09.csv"), [m for m in metrics if "i-0" in m["resource_id"]])
    rest = os.path.join(out, "metrics-rest.csv")
    write_metrics(rest, [m for m in metrics if "i-0" not in m["resource_id"]])
    import duckdb
    duckdb.execute(f"""COPY (SELECT resource_id, metric_name, "timestamp"::TIMESTAMP AS "timestamp", statistic,
                                   value::DOUBLE AS value, unit FROM read_csv('{rest}', all_varchar = true))
                       TO '{os.path.join(out, "metrics-rest-2024-09.parquet")}' (FORMAT parquet)""")
    os.remove(rest)

    # October: the idle NAT gateway bills on, so the finding has lasted 61 days.
    arn = f"arn:aws:ec2:us-east-1:{ACCOUNT}:natgateway/nat-0idle000000000001"
    c = october.daily(arn, EC2, "USE1-NatGateway-Hours", "NatGateway", "0.045", 24, "$0.045 per NAT Gateway Hour",
                      "us-east-1", "Hrs", owner="team-net")
    truth.append(finding("idle_nat_gateway", arn, c, ACCOUNT, "us-east-1", period="2024-10-01", days_idle=61,
                         first_seen_idle="2024-09-01 00:00:00"))
    october.write(os.path.join(out, "cur-2024-10.csv"))

    # The export without resource IDs: idle addresses are still reported, per account and region.
    n = Bill(NOID_PAYER, NOID_ACCOUNT)
    c = n.daily("", EC2, f"EUW2-{idle_ip}", "AllocateAddressVPC", "0.005", 48,
                "$0.005 per Idle public IPv4 address per hour", "eu-west-2", "Hrs")
    n.daily("", EC2, "EUW2-BoxUsage:t3.micro", "RunInstances", "0.0118", 24,
            "$0.0118 per On Demand Linux t3.micro Instance Hour", "eu-west-2", "Hrs")
    truth.append(finding("idle_public_ip", None, c, NOID_ACCOUNT, "eu-west-2"))
    n.write(os.path.join(out, "cur-noid-2024-09.csv"), [h for h in HEADER if h != "lineItem/ResourceId"])

    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump({"findings": truth, "active": active, "no_metrics": no_metrics}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/zombies")
