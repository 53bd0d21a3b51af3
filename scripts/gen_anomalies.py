#!/usr/bin/env python3
"""Writes a daily legacy CUR with known spend anomalies, and their truth (anomalies.json), for cbh_anomalies.

Three months (one file per billing period) for two usage accounts: EC2 and S3 in account A, RDS in account B, each
a steady daily series with a weekly pattern (weekends 30 % lower), noise of +-1 % and a gradual growth of 0.1 % a day.
Injected: an EC2 spike (+1500 USD on 2024-10-14, 82 % of it a new p4d.24xlarge instance), a 3-day RDS drop to 10 %
(2024-10-20 to 22), a new service (Bedrock, from 2024-11-05), and a one-off 5000 USD RI purchase (2024-10-01) that is
not usage and must not count. Each series is one resource, tagged team platform (EC2, S3), data (RDS) or ml
(Bedrock). Amounts have 4 decimal places. Same arguments give the same bytes.

Usage: gen_anomalies.py OUT_DIR [--seed N] [--noise 0.01] [--growth 0.001] [--weekend 0.7]

--noise, --growth and --weekend vary the steady series (noise +-, growth a day, weekend factor) for the tests'
other bills; the injected anomalies stay.
"""
import argparse
import datetime as dt
import json
import os
import random

HEADER = ["identity/LineItemId", "bill/PayerAccountId", "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate",
          "lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate",
          "lineItem/ProductCode", "lineItem/UsageType", "lineItem/Operation", "lineItem/ResourceId",
          "lineItem/UsageAmount", "lineItem/CurrencyCode", "lineItem/UnblendedCost", "product/ProductName",
          "product/region", "resourceTags/user:team"]
PAYER, A, B = "999900001111", "111100002222", "333300004444"
START, DAYS = dt.date(2024, 9, 1), 91  # 2024-09-01 .. 2024-11-30
# (account, product code, service, usage type, daily base in USD)
SERIES = [(A, "AmazonEC2", "Amazon Elastic Compute Cloud", "BoxUsage:m5.xlarge", 900),
          (A, "AmazonS3", "Amazon Simple Storage Service", "TimedStorage-ByteHrs", 120),
          (B, "AmazonRDS", "Amazon Relational Database Service", "InstanceUsage:db.r5.large", 300)]
SPIKE_DAY, DROP_DAYS, NEW_FROM, PURCHASE_DAY = dt.date(2024, 10, 14), 3, dt.date(2024, 11, 5), dt.date(2024, 10, 1)
DROP_FROM = dt.date(2024, 10, 20)
P4D = "i-0p4d24xlarge00001"  # the instance behind the spike, new that day
TEAMS = {"AmazonEC2": "platform", "AmazonS3": "platform", "AmazonRDS": "data", "AmazonBedrock": "ml"}


def period(day):
    start = day.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def main():
    args = argparse.ArgumentParser()
    args.add_argument("out")
    args.add_argument("--seed", type=int, default=5)
    args.add_argument("--noise", type=float, default=0.01)
    args.add_argument("--growth", type=float, default=0.001)
    args.add_argument("--weekend", type=float, default=0.7)
    a = args.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    files, n = {}, 0

    def row(day, account, code, service, usage_type, cost, kind="Usage", end=None, resource=None):
        nonlocal n
        n += 1
        start, stop = period(day)
        lines = files.setdefault(start, [])
        end = end or day + dt.timedelta(days=1)
        lines.append([f"a{n}", PAYER, f"{start}T00:00:00Z", f"{stop}T00:00:00Z", account, kind, f"{day}T00:00:00Z",
                      f"{end}T00:00:00Z", code, usage_type, "Run", resource or f"{code.lower()}-{account}", "24", "USD",
                      f"{cost:.4f}", service, "us-east-1", TEAMS[code]])

    for i in range(DAYS):
        day = START + dt.timedelta(days=i)
        for account, code, service, usage_type, base in SERIES:
            cost = base * (1 + a.growth * i) * (a.weekend if day.weekday() >= 5 else 1) \
                * (1 + rnd.uniform(-a.noise, a.noise))
            if code == "AmazonRDS" and DROP_FROM <= day < DROP_FROM + dt.timedelta(days=DROP_DAYS):
                cost *= 0.1
            row(day, account, code, service, usage_type, cost)
        if day == SPIKE_DAY:  # 82 % of the jump on p4d.24xlarge, the rest on the usual type
            row(day, A, "AmazonEC2", "Amazon Elastic Compute Cloud", "BoxUsage:p4d.24xlarge", 1230,
                resource=P4D)
            row(day, A, "AmazonEC2", "Amazon Elastic Compute Cloud", "BoxUsage:m5.xlarge", 270)
        if day >= NEW_FROM:
            row(day, A, "AmazonBedrock", "Amazon Bedrock", "USE1-Claude-Tokens", 200 * (1 + rnd.uniform(-a.noise, a.noise)))
        if day == PURCHASE_DAY:
            row(day, A, "AmazonEC2", "Amazon Elastic Compute Cloud", "HeavyUsage:m5.xlarge", 5000, "RIFee",
                end=day + dt.timedelta(days=1))
    for start, lines in files.items():
        with open(os.path.join(a.out, f"daily-{start:%Y-%m}.csv"), "w") as f:
            f.write(",".join(HEADER) + "\n")
            f.writelines(",".join(line) + "\n" for line in lines)
    truth = {"spike": {"day": str(SPIKE_DAY), "service": "Amazon Elastic Compute Cloud", "extra": "1500",
                       "resource": P4D},
             "drop": {"from": str(DROP_FROM), "days": DROP_DAYS, "service": "Amazon Relational Database Service"},
             "new": {"from": str(NEW_FROM), "service": "Amazon Bedrock"},
             "purchase": {"day": str(PURCHASE_DAY), "cost": "5000"}}
    with open(os.path.join(a.out, "anomalies.json"), "w") as f:
        json.dump(truth, f, indent=1)


if __name__ == "__main__":
    main()
