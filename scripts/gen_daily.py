#!/usr/bin/env python3
"""Writes a large daily legacy CUR for the anomaly benchmark (make bench, row 8): one file per billing period.

A payer with --accounts usage accounts and --resources resources across 12 services and 6 regions, each resource
billed every day of --days (from 2024-09-01) on 1 to 4 usage types (about 1.9 line items a resource a day), with a
weekly pattern, noise and a slow growth, and one injected spike (EC2 in the first account, +5000 USD on day 60).
The defaults write about 35 M line items, 10 GB. Values come from hash() of the row's numbers: the same arguments
give the same rows. It is written by DuckDB itself (COPY), so 10 GB takes minutes, not hours.

Usage: gen_daily.py OUT_DIR [--resources 200000] [--accounts 20] [--days 90]
"""
import argparse
import datetime as dt
import os

import duckdb

SERVICES = [  # product code, product name, usage types (a resource of the service bills the first k of them)
    ("AmazonEC2", "Amazon Elastic Compute Cloud", ["BoxUsage:m5.xlarge", "EBS:VolumeUsage.gp3", "DataTransfer-Out-Bytes", "BoxUsage:c5.2xlarge"]),
    ("AmazonS3", "Amazon Simple Storage Service", ["TimedStorage-ByteHrs", "Requests-Tier1", "Requests-Tier2"]),
    ("AmazonRDS", "Amazon Relational Database Service", ["InstanceUsage:db.r5.large", "RDS:GP2-Storage", "RDS:ChargedBackupUsage"]),
    ("AmazonDynamoDB", "Amazon DynamoDB", ["ReadCapacityUnit-Hrs", "WriteCapacityUnit-Hrs", "TimedStorage-ByteHrs"]),
    ("AWSLambda", "AWS Lambda", ["Lambda-GB-Second", "Request"]),
    ("AmazonCloudWatch", "AmazonCloudWatch", ["CW:MetricMonitorUsage", "TimedStorage-ByteHrs", "DataProcessing-Bytes"]),
    ("AmazonVPC", "Amazon Virtual Private Cloud", ["NatGateway-Hours", "NatGateway-Bytes", "PublicIPv4:InUseAddress"]),
    ("AWSELB", "Elastic Load Balancing", ["LoadBalancerUsage", "LCUUsage"]),
    ("AmazonEKS", "Amazon Elastic Container Service for Kubernetes", ["AmazonEKS-Hours:perCluster"]),
    ("AmazonElastiCache", "Amazon ElastiCache", ["NodeUsage:cache.r6g.large"]),
    ("AmazonKinesis", "Amazon Kinesis", ["Storage-ShardHour", "PutRequestPayloadUnits"]),
    ("AmazonSNS", "Amazon Simple Notification Service", ["Requests-Tier1", "DeliveryAttempts-HTTP"]),
]
REGIONS = [("us-east-1", "USE1"), ("us-west-2", "USW2"), ("eu-west-1", "EU"), ("eu-central-1", "EUC1"),
           ("ap-southeast-2", "APS2"), ("eu-west-2", "EUW2")]
HEADER = ["identity/LineItemId", "bill/PayerAccountId", "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate",
          "lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate",
          "lineItem/ProductCode", "lineItem/UsageType", "lineItem/Operation", "lineItem/ResourceId",
          "lineItem/UsageAmount", "lineItem/CurrencyCode", "lineItem/UnblendedCost", "product/ProductName",
          "product/region", "resourceTags/user:team"]

# One row per (resource, usage type, day): the resource's service, account, region and base come from hashes of its
# number; a usage type's cost is the base, a weekly dip (weekends 30 % lower), a growth of 0.05 % a day and noise.
ROWS = """
WITH services AS (SELECT * FROM (VALUES {services}) s(s, code, name, types)),
regions AS (SELECT * FROM (VALUES {regions}) r(r, region, prefix)),
resources AS (
    SELECT i, (hash(i * 8 + 1) % {n_services})::INTEGER AS s, (hash(i * 8 + 2) % {n_regions})::INTEGER AS r,
           lpad((100000000000 + hash(i * 8 + 3) % {accounts})::VARCHAR, 12, '0') AS account,
           (1 + hash(i * 8 + 4) % 4)::INTEGER AS k, 0.05 + (hash(i * 8 + 5) % 2000) / 100.0 AS base,
           'team-' || (hash(i * 8 + 6) % 15) AS team
    FROM range({resources}) t(i)
),
typed AS (
    SELECT x.i, x.account, x.base, x.team, sv.code, sv.name, sv.types, g.region, g.prefix,
           unnest(generate_series(1, least(x.k, len(sv.types)))) AS j
    FROM resources x
    JOIN services sv ON sv.s = x.s
    JOIN regions g ON g.r = x.r
),
lines AS (SELECT *, types[j] AS ut FROM typed)
SELECT format('l{{}}-{{}}-{{}}', i, j, d) AS "identity/LineItemId", '{payer}' AS "bill/PayerAccountId",
       strftime(date_trunc('month', day), '%Y-%m-%dT00:00:00Z') AS "bill/BillingPeriodStartDate",
       strftime(date_trunc('month', day) + INTERVAL 1 MONTH, '%Y-%m-%dT00:00:00Z') AS "bill/BillingPeriodEndDate",
       account AS "lineItem/UsageAccountId", 'Usage' AS "lineItem/LineItemType",
       strftime(day, '%Y-%m-%dT00:00:00Z') AS "lineItem/UsageStartDate",
       strftime(day + INTERVAL 1 DAY, '%Y-%m-%dT00:00:00Z') AS "lineItem/UsageEndDate",
       code AS "lineItem/ProductCode",
       CASE WHEN prefix = 'USE1' THEN ut ELSE prefix || '-' || ut END AS "lineItem/UsageType",
       'Run' AS "lineItem/Operation", format('{{}}-{{}}', lower(code), i) AS "lineItem/ResourceId",
       '24' AS "lineItem/UsageAmount", 'USD' AS "lineItem/CurrencyCode",
       round(base / j * (1 + 0.0005 * d) * CASE WHEN dayofweek(day) IN (0, 6) THEN 0.7 ELSE 1 END
             * (0.98 + (hash((i * 8 + j) * 1000 + d) % 400) / 10000.0)
             + CASE WHEN i = {spike_resource} AND j = 1 AND d = {spike_day} THEN 5000 ELSE 0 END, 6)::VARCHAR
           AS "lineItem/UnblendedCost",
       name AS "product/ProductName", region AS "product/region", team AS "resourceTags/user:team"
FROM lines
CROSS JOIN (SELECT d, DATE '{start}' + d::INTEGER AS day FROM range({days}) t(d))
WHERE day >= DATE '{month}' AND day < DATE '{month}' + INTERVAL 1 MONTH
"""


def sql_list(rows):
    return ", ".join("(" + ", ".join(repr(v) if not isinstance(v, list) else "[" + ", ".join(map(repr, v)) + "]"
                                     for v in row) + ")" for row in rows)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--resources", type=int, default=200_000)
    p.add_argument("--accounts", type=int, default=20)
    p.add_argument("--days", type=int, default=90)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    start = dt.date(2024, 9, 1)
    last = start + dt.timedelta(days=a.days - 1)
    months, m = [], start
    while m <= last:
        months.append(m)
        m = (m + dt.timedelta(days=32)).replace(day=1)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    # the spike: the first EC2 resource of the first account (EC2 is service 0)
    spike = con.execute(f"SELECT min(i) FROM range({a.resources}) t(i) WHERE hash(i * 8 + 1) % {len(SERVICES)} = 0 "
                        f"AND hash(i * 8 + 3) % {a.accounts} = 0").fetchone()[0]
    for month in months:
        path = os.path.join(a.out, f"daily-{month:%Y-%m}.csv")
        if os.path.exists(path):
            continue
        rows = ROWS.format(services=sql_list([(i, c, n, t) for i, (c, n, t) in enumerate(SERVICES)]),
                           regions=sql_list([(i, r, x) for i, (r, x) in enumerate(REGIONS)]),
                           n_services=len(SERVICES), n_regions=len(REGIONS), accounts=a.accounts,
                           resources=a.resources, payer="999900001111", spike_resource=spike or 0, spike_day=60,
                           start=start, days=a.days, month=month)
        con.execute(f"COPY ({rows}) TO '{path}.part' (HEADER, QUOTE '\"')")
        os.replace(path + ".part", path)
        print(f"gen_daily: {path} ({os.path.getsize(path) / 1e9:.2f} GB)", flush=True)


if __name__ == "__main__":
    main()
