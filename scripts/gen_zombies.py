#!/usr/bin/env python3
"""A realistic zombie scenario with its ground truth: one legacy CUR month (2024-09) in which every billing-only
zombie rule has planted positives and look-alike negatives, and an older export without resource IDs.

Usage: gen_zombies.py OUT_DIR

Writes:
  cur-2024-09.csv        payer 999999999999: the planted resources below, daily line items
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
"""

import csv, json, os, sys
from datetime import datetime, timedelta
from decimal import Decimal as D

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
    def __init__(self, payer, account):
        self.payer, self.account, self.rows, self.cost = payer, account, [], {}

    def line(self, day, hours, kind, product, usage_type, operation, rid, amount, cost, description, region, unit,
             owner="", keep="", **extra):
        start = PERIOD + timedelta(days=day)
        row = dict.fromkeys(HEADER, "")
        row.update({
            "identity/LineItemId": f"li-{len(self.rows):06d}", "bill/PayerAccountId": self.payer,
            "bill/BillingPeriodStartDate": iso(PERIOD), "bill/BillingPeriodEndDate": iso(PERIOD + timedelta(DAYS)),
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
              **tags):
        """Daily usage lines from first_day to the period's end; returns their billed cost."""
        total = D(0)
        for day in range(first_day, DAYS):
            cost = (D(per_day) * D(rate)).quantize(D("1e-10"))
            self.line(day, 24, "Usage", product, usage_type, operation, rid, D(per_day), cost, description, region,
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
                         evidence="NAT gateway billed 720 h in 2024-09, 0 GB processed"))
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
    b.write(os.path.join(out, "cur-2024-09.csv"))

    # The export without resource IDs: idle addresses are still reported, per account and region.
    n = Bill(NOID_PAYER, NOID_ACCOUNT)
    c = n.daily("", EC2, f"EUW2-{idle_ip}", "AllocateAddressVPC", "0.005", 48,
                "$0.005 per Idle public IPv4 address per hour", "eu-west-2", "Hrs")
    n.daily("", EC2, "EUW2-BoxUsage:t3.micro", "RunInstances", "0.0118", 24,
            "$0.0118 per On Demand Linux t3.micro Instance Hour", "eu-west-2", "Hrs")
    truth.append(finding("idle_public_ip", None, c, NOID_ACCOUNT, "eu-west-2"))
    n.write(os.path.join(out, "cur-noid-2024-09.csv"), [h for h in HEADER if h != "lineItem/ResourceId"])

    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump({"findings": truth, "active": active}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/zombies")
