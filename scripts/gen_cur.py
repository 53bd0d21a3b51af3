#!/usr/bin/env python3
"""Deterministic generator of synthetic legacy AWS Cost and Usage Report (CUR) CSV files, with ground truth.

For every billing period it writes the CSV file(s) and, beside them, ``<name>-<YYYY-MM>.truth.json`` holding the
line count, the exact total cost, the number of distinct resources and the exact list of zombie resources.

Zombie definition implemented by the truth (exactly): take the line items with a non-empty lineItem/ResourceId and
lineItem/LineItemType in (Usage, DiscountedUsage, SavingsPlanCoveredUsage); group them by resource ID; a resource is
a zombie when sum(UnblendedCost) > 0 and sum(UsageAmount) = 0. Its cost is that sum of UnblendedCost; its service,
usage type, region and account are those of its most expensive usage type (ties: usage type ascending).

The output is streamed (memory grows with the number of resources, never with the number of rows) and byte-identical
for identical arguments (with the same Python version: only random.Random(str seed) and integer arithmetic are used).
Money and usage are kept as integers in units of 1e-10 and formatted at write time.

Standard library only.
"""

import argparse
import calendar
import csv
import io
import json
import math
import os
import random
import re
import sys

SCALE = 10 ** 10  # one unit = 1e-10 (ten decimal places, as legacy CUR writes them)
USAGE_TYPES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")
BASE32 = "abcdefghijklmnopqrstuvwxyz234567"

COLUMNS = [
    "identity/LineItemId", "identity/TimeInterval", "bill/InvoiceId", "bill/BillingEntity", "bill/BillType",
    "bill/PayerAccountId", "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate", "lineItem/UsageAccountId",
    "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/ProductCode",
    "lineItem/UsageType", "lineItem/Operation", "lineItem/ResourceId", "lineItem/UsageAmount",
    "lineItem/CurrencyCode", "lineItem/UnblendedRate", "lineItem/UnblendedCost", "lineItem/BlendedCost",
    "lineItem/LineItemDescription", "product/ProductName", "product/region", "product/instanceType", "pricing/unit",
    "resourceTags/user:Name", "resourceTags/user:Owner", "resourceTags/user:Environment",
]
EVEN_MONTH_COLUMN = "resourceTags/user:CostCenter"

# region, usage-type prefix, location name, price multiplier (percent), weight
REGIONS = [
    ("us-east-1", "USE1", "US East (N. Virginia)", 100, 50),
    ("us-west-2", "USW2", "US West (Oregon)", 100, 14),
    ("eu-west-2", "EUW2", "EU (London)", 116, 14),
    ("eu-west-1", "EU", "EU (Ireland)", 111, 10),
    ("eu-central-1", "EUC1", "EU (Frankfurt)", 115, 6),
    ("ap-southeast-2", "APS2", "Asia Pacific (Sydney)", 125, 6),
]
REGION_BY_NAME = {r[0]: r for r in REGIONS}

EC2 = ("AmazonEC2", "Amazon Elastic Compute Cloud")
ELB = ("AWSELB", "Elastic Load Balancing")
S3 = ("AmazonS3", "Amazon Simple Storage Service")
RDS = ("AmazonRDS", "Amazon Relational Database Service")
DTO = ("AWSDataTransfer", "AWS Data Transfer")

# (instance type, on-demand Linux rate in us-east-1, in 1e-10 units)
EC2_TYPES = [
    ("t2.micro", 116_000_000), ("t3.small", 208_000_000), ("t3.medium", 416_000_000),
    ("m5.large", 960_000_000), ("m5.xlarge", 1_920_000_000), ("c5.2xlarge", 3_400_000_000),
    ("r5.large", 1_260_000_000),
]
EBS_TYPES = [  # (volume type, operation suffix, rate, description)
    ("gp3", "Gp3", 800_000_000, "General Purpose (gp3) provisioned storage"),
    ("gp2", "Gp2", 1_000_000_000, "General Purpose SSD (gp2) provisioned storage"),
    ("st1", "St1", 450_000_000, "Throughput Optimized HDD (st1) provisioned storage"),
]
RDS_TYPES = [("db.t3.micro", 170_000_000), ("db.t3.medium", 680_000_000), ("db.m5.large", 1_710_000_000),
             ("db.r5.large", 2_500_000_000)]
KINDS = [("ec2", 30), ("ebs", 30), ("eip", 6), ("nat", 4), ("elb", 8), ("s3", 14), ("rds", 8)]
TEAMS = ["team-a", "team-b", "team-c", "team-data", "team-platform", "team-web"]
ENVS = ["prod", "dev", "staging"]
COST_CENTERS = ["CC-1001", "CC-1002", "CC-2040", "CC-3100", ""]
APPS = ["web", "api", "worker", "batch", "etl", "search", "auth", "billing", "cache", "reports"]

# Hand-placed resources present in every period: (role, kind). Roles starting with "z_" are zombies, "nm_" are
# near-misses that must not be flagged. The truth is still computed from the rows actually written.
SPECIALS = [
    ("z_ebs", "ebs"),              # unattached-looking volume: cost > 0, usage 0 all period
    ("z_eip", "eip"),              # idle address, appears mid-period
    ("z_nat", "nat"),              # idle NAT gateway, disappears mid-period; has a Credit line with its ResourceId
    ("z_elb", "elb"),              # idle ALB; tag value with a comma and quotes
    ("z_ec2_sp", "ec2"),           # Usage then SavingsPlanCoveredUsage (+ SavingsPlanNegation), all usage 0
    ("z_rds", "rds"),              # idle database, two positive-cost usage types; non-ASCII tag
    ("z_ec2_ri", "ec2"),           # Usage (cost > 0) then DiscountedUsage (cost 0), all usage 0
    ("z_tiny", "eip"),             # total cost 0.0000000001, usage 0
    ("nm_zero", "ec2"),            # cost 0 and usage 0: not a zombie
    ("nm_tiny_usage", "ebs"),      # cost > 0, usage 0.0000000001 in one hour: not a zombie
    ("nm_fee_only", "ec2"),        # usage lines cost 0 / usage 0, positive cost only on a Fee line: not a zombie
    ("nm_rds_storage", "rds"),     # instance hours usage 0 but storage usage > 0 (same resource): not a zombie
    ("nm_ri_usage", "ec2"),        # Usage cost > 0 usage 0, then DiscountedUsage with usage > 0: not a zombie
]
MIN_RESOURCES = 60        # below this the month is thinned (fewer hours) instead of having fewer resources
RANDOM_ZOMBIE_RATE = 0.05
MB = 1_000_000


# ----------------------------------------------------------------------------------------------------- formatting

def fmt(u):
    """Integer 1e-10 units -> plain decimal with 10 places (never scientific)."""
    if u < 0:
        return "-" + fmt(-u)
    return f"{u // SCALE}.{u % SCALE:010d}"


def fmt_short(u):
    """Rate for descriptions: 0.0416, 0.08, 0.005."""
    s = fmt(u).rstrip("0")
    return s + "0" if s.endswith(".") else s


def mul(usage, rate):
    """Cost of usage * rate, both in units, rounded half up to a unit."""
    return (usage * rate + SCALE // 2) // SCALE


def q(s):
    """CSV field, QUOTE_MINIMAL exactly as the csv module does it for this dialect."""
    if any(c in s for c in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def b32(rng, n):
    bits = rng.getrandbits(5 * n)
    out = []
    for _ in range(n):
        out.append(BASE32[bits & 31])
        bits >>= 5
    return "".join(out)


def wchoice(rng, items):
    total = sum(w for _, w in items)
    x = rng.random() * total
    for item, w in items:
        x -= w
        if x < 0:
            return item
    return items[-1][0]


# ------------------------------------------------------------------------------------------------------ resources

class UT:
    """One usage type of a resource. usage: normal per-hour usage variants (units). timed: billed per hour whatever
    the activity (kept, at zero usage, on zombies); otherwise activity-based (dropped on zombies)."""
    __slots__ = ("ut", "op", "unit", "rate", "desc", "timed", "usage", "itype")

    def __init__(self, ut, op, unit, rate, desc, timed, usage, itype=""):
        self.ut, self.op, self.unit, self.rate, self.desc = ut, op, unit, rate, desc
        self.timed, self.usage, self.itype = timed, usage, itype


class Resource:
    __slots__ = ("idx", "role", "kind", "rid", "acct", "region", "pc", "pname", "uts", "coverage", "zombie", "tags",
                 "cc", "itype")


def price(base, region):
    return (base * REGION_BY_NAME[region][3] + 50) // 100


def make_resource(seed, idx, accounts, hours):
    rr = random.Random(f"{seed}/res/{idx}")
    r = Resource()
    r.idx = idx
    r.role = SPECIALS[idx][0] if idx < len(SPECIALS) else ""
    r.kind = SPECIALS[idx][1] if r.role else wchoice(rr, KINDS)
    zombie_draw = rr.random()
    r.zombie = r.role.startswith("z_") if r.role else zombie_draw < RANDOM_ZOMBIE_RATE
    region = wchoice(rr, [(x[0], x[4]) for x in REGIONS])
    if r.role in ("z_eip", "z_elb"):
        region = "eu-west-2"
    r.region = region
    acct_i = idx % len(accounts) if r.role else min(int(rr.random() ** 1.6 * len(accounts)), len(accounts) - 1)
    r.acct = accounts[acct_i]
    pfx = REGION_BY_NAME[region][1]
    loc = REGION_BY_NAME[region][2]
    app = rr.choice(APPS)
    env = rr.choice(ENVS)
    team = rr.choice(TEAMS)
    r.itype = ""
    r.coverage = "od"
    kind = r.kind
    if kind == "ec2":
        it, base = rr.choice(EC2_TYPES)
        rate = price(base, region)
        r.rid = f"i-0{rr.getrandbits(64):016x}"
        r.pc, r.pname = EC2
        r.itype = it
        r.uts = [UT(f"{pfx}-BoxUsage:{it}", "RunInstances", "Hrs", rate,
                    f"${fmt_short(rate)} per On Demand Linux {it} Instance Hour", True, [SCALE], it)]
        x = rr.random()
        r.coverage = "sp" if x < 0.12 else ("ri" if x < 0.24 else "od")
        name = f"{app}-{env}-{idx}"
    elif kind == "ebs":
        vt, opx, base, what = rr.choice(EBS_TYPES)
        rate = price(base, region)
        size = rr.choice([8, 20, 30, 50, 100, 200, 500, 1000, 2000])
        r.rid = f"vol-0{rr.getrandbits(64):016x}"
        r.pc, r.pname = EC2
        r.uts = [UT(f"{pfx}-EBS:VolumeUsage.{vt}", f"CreateVolume-{opx}", "GB-Mo", rate,
                    f"${fmt_short(rate)} per GB-month of {what} - {loc}", True,
                    [(size * SCALE + hours // 2) // hours])]
        name = f"{app}-{env}-data-{idx}"
    elif kind == "eip":
        rate = price(50_000_000, region)
        r.rid = f"eipalloc-0{rr.getrandbits(64):016x}"
        r.pc, r.pname = EC2
        idle = r.zombie
        kindname = "Idle" if idle else "InUse"
        r.uts = [UT(f"{pfx}-PublicIPv4:{kindname}Address", "AssociateAddressVPC" if not idle else "AllocateAddressVPC",
                    "Hrs", rate, f"${fmt_short(rate)} per {'Idle' if idle else 'In-use'} public IPv4 address per hour",
                    True, [SCALE])]
        name = f"{app}-{env}-ip-{idx}"
    elif kind == "nat":
        rate = price(450_000_000, region)
        r.rid = f"nat-0{rr.getrandbits(64):016x}"
        r.pc, r.pname = EC2
        gb = [rr.randrange(1, 50 * SCALE) // rr.choice([1, 10, 100]) for _ in range(8)]
        r.uts = [UT(f"{pfx}-NatGateway-Hours", "NatGateway", "Hrs", rate,
                    f"${fmt_short(rate)} per NAT Gateway Hour", True, [SCALE]),
                 UT(f"{pfx}-NatGateway-Bytes", "NatGateway", "GB", rate,
                    f"${fmt_short(rate)} per GB Data Processed by NAT Gateways", False, gb)]
        name = f"{env}-nat-{idx}"
    elif kind == "elb":
        rate_h = price(225_000_000, region)
        rate_l = price(80_000_000, region)
        lbname = f"{app}-{env}-alb-{idx}"[:32]
        r.rid = f"arn:aws:elasticloadbalancing:{region}:{r.acct}:loadbalancer/app/{lbname}/{rr.getrandbits(64):016x}"
        r.pc, r.pname = ELB
        lcu = [rr.randrange(SCALE // 100, 5 * SCALE) for _ in range(8)]
        r.uts = [UT(f"{pfx}-LoadBalancerUsage", "LoadBalancing:Application", "Hrs", rate_h,
                    f"${fmt_short(rate_h)} per Application LoadBalancer-hour (or partial hour)", True, [SCALE]),
                 UT(f"{pfx}-LCUUsage", "LoadBalancing:Application", "LCU-Hrs", rate_l,
                    f"${fmt_short(rate_l)} per used Application load balancer capacity unit-hour (or partial hour)",
                    False, lcu)]
        name = lbname
    elif kind == "s3":
        rate_s = price(230_000_000, region)
        rate_r = price(50_000, region)
        r.rid = f"acme-{app}-{env}-{rr.getrandbits(24):06x}"
        r.pc, r.pname = S3
        gb = rr.choice([1, 5, 40, 250, 1200, 9000])
        storage = [((gb * SCALE) * (1000 + k) // 1000 + hours // 2) // hours for k in range(4)]
        reqs = [rr.randrange(0, 6000) * SCALE for _ in range(8)]
        r.uts = [UT(f"{pfx}-TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", rate_s,
                    f"${fmt_short(rate_s)} per GB - first 50 TB / month of storage used", True, storage),
                 UT(f"{pfx}-Requests-Tier1", "PutObject", "Requests", rate_r,
                    f"${fmt_short(rate_r * 1000)} per 1,000 PUT, COPY, POST, or LIST requests", False, reqs)]
        name = r.rid
    else:  # rds
        dbt, base = rr.choice(RDS_TYPES)
        rate_i = price(base, region)
        rate_s = price(1_150_000_000, region)
        size = rr.choice([20, 50, 100, 400])
        dbname = f"{app}-{env}-db-{idx}"
        r.rid = f"arn:aws:rds:{region}:{r.acct}:db:{dbname}"
        r.pc, r.pname = RDS
        r.itype = dbt
        r.uts = [UT(f"{pfx}-InstanceUsage:{dbt}", "CreateDBInstance:0002", "Hrs", rate_i,
                    f"${fmt_short(rate_i)} per RDS {dbt} instance hour (or partial hour) running MySQL", True,
                    [SCALE], dbt),
                 UT(f"{pfx}-RDS:GP2-Storage", "CreateDBInstance:0002", "GB-Mo", rate_s,
                    f"${fmt_short(rate_s)} per GB-month of provisioned GP2 storage running MySQL", True,
                    [(size * SCALE + hours // 2) // hours])]
        name = dbname
    # tags
    x = rr.random()
    if x < 0.15:
        r.tags = ("", "", "")
    elif x < 0.22:
        r.tags = (name, "", "")
    else:
        r.tags = (name, team, env)
    r.cc = rr.choice(COST_CENTERS)
    if r.role == "z_elb":
        r.tags = ('checkout, "legacy" alb', "team-web", "prod")
    elif r.role == "z_rds":
        r.tags = ("Zoë's test db", "team-données", "dev")
    elif r.role == "z_ebs":
        r.tags = ("", "", "")
    # zombie status (persistent across periods); random zombies are plain on-demand
    if r.role == "z_ec2_sp":
        r.coverage = "sp"
    elif r.role in ("z_ec2_ri", "nm_ri_usage"):
        r.coverage = "ri"
    elif r.role or r.zombie:
        r.coverage = "od"
    return r


def lifetime(prng, r):
    """Fractions [a, b) of the period during which the resource is billed (drawn from the period RNG)."""
    x, y, z = prng.random(), prng.random(), prng.random()
    present = prng.random() < 0.97
    sw = 0.2 + 0.6 * prng.random()
    if r.role:
        a, b = {"z_eip": (0.3, 1.0), "z_nat": (0.0, 0.7), "z_rds": (0.1, 0.85)}.get(r.role, (0.0, 1.0))
        return True, a, b, sw
    if x < 0.70:
        a, b = 0.0, 1.0
    elif x < 0.82:
        a, b = 0.05 + 0.85 * y, 1.0
    elif x < 0.94:
        a, b = 0.0, 0.1 + 0.85 * y
    else:
        a = 0.5 * y
        b = min(1.0, a + 0.05 + 0.45 * z)
    return present, a, b, sw


def segments(r, lo, hi, sw_frac, tiny_at):
    """Row segments of a resource for emitted-hour indices [lo, hi): (UT, line type, lo, hi, variants) where
    variants is a list of (usage units, cost units, usage string, cost string)."""
    out = []
    n = hi - lo
    split = lo + min(max(1, int(sw_frac * n)), max(1, n - 1)) if n >= 2 else hi
    for k, ut in enumerate(r.uts):
        normal = [(u, mul(u, ut.rate)) for u in ut.usage]
        if r.zombie:
            if not ut.timed:
                continue
            c = mul(ut.usage[0], ut.rate)
            if r.role == "z_tiny":
                out.append((ut, "Usage", lo, lo + 1, [(0, 1, "0.0", fmt(1))]))
                if lo + 1 < hi:
                    out.append((ut, "Usage", lo + 1, hi, [(0, 0, "0.0", "0.0000000000")]))
                continue
            zv = [(0, c, "0.0", fmt(c))]
            if r.coverage == "sp":
                out.append((ut, "Usage", lo, split, zv))
                out.append((ut, "SavingsPlanCoveredUsage", split, hi, zv))
                out.append((ut, "SavingsPlanNegation", split, hi, [(0, -c, "0.0", fmt(-c))]))
            elif r.coverage == "ri":
                out.append((ut, "Usage", lo, split, zv))
                out.append((ut, "DiscountedUsage", split, hi, [(0, 0, "0.0", "0.0000000000")]))
            else:
                out.append((ut, "Usage", lo, hi, zv))
            continue
        if r.role == "nm_zero":
            out.append((ut, "Usage", lo, hi, [(0, 0, "0.0", "0.0")]))
            continue
        if r.role == "nm_fee_only":
            out.append((ut, "Usage", lo, hi, [(0, 0, "0.0", "0.0000000000")]))
            continue
        if r.role == "nm_tiny_usage":
            c = mul(ut.usage[0], ut.rate)
            zv = [(0, c, "0.0", fmt(c))]
            if tiny_at > lo:
                out.append((ut, "Usage", lo, tiny_at, zv))
            out.append((ut, "Usage", tiny_at, tiny_at + 1, [(1, c, fmt(1), fmt(c))]))
            if tiny_at + 1 < hi:
                out.append((ut, "Usage", tiny_at + 1, hi, zv))
            continue
        if r.role == "nm_rds_storage" and k == 0:
            c = mul(ut.usage[0], ut.rate)
            out.append((ut, "Usage", lo, hi, [(0, c, "0.0", fmt(c))]))
            continue
        if r.role == "nm_ri_usage":
            c = mul(ut.usage[0], ut.rate)
            out.append((ut, "Usage", lo, split, [(0, c, "0.0", fmt(c))]))
            out.append((ut, "DiscountedUsage", split, hi,
                        [(u, 0, fmt(u), "0.0000000000") for u in ut.usage]))
            continue
        nv = [(u, c, fmt(u) if u else "0.0", fmt(c)) for u, c in normal]
        if r.coverage == "sp" and ut.timed:
            out.append((ut, "Usage", lo, split, nv))
            out.append((ut, "SavingsPlanCoveredUsage", split, hi, nv))
            out.append((ut, "SavingsPlanNegation", split, hi, [(0, -c, "0.0", fmt(-c)) for u, c in normal]))
        elif r.coverage == "ri" and ut.timed:
            out.append((ut, "DiscountedUsage", lo, hi, [(u, 0, fmt(u), "0.0000000000") for u, c in normal]))
        else:
            out.append((ut, "Usage", lo, hi, nv))
    return [s for s in out if s[2] < s[3]]


class Template:
    """Static parts of the rows of one segment; per-row parts (line id suffix, times, variant) come at write time."""
    __slots__ = ("pre", "head", "mid", "tail", "vstr", "vunits", "cnt", "lo", "hi", "salt", "rest", "n", "rid", "acct",
                 "pc", "pname", "region", "ut", "ltype")


# ------------------------------------------------------------------------------------------------------- periods

class Period:
    def __init__(self, ym):
        y, m = int(ym[:4]), int(ym[5:7])
        self.ym, self.y, self.m = ym, y, m
        self.days = calendar.monthrange(y, m)[1]
        self.hours = self.days * 24
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        self.start = f"{y:04d}-{m:02d}-01T00:00:00Z"
        self.end = f"{ny:04d}-{nm:02d}-01T00:00:00Z"
        self.bps = f"{y:04d}-{m:02d}-01T00:00:00.000Z"
        self.bpe = f"{ny:04d}-{nm:02d}-01T00:00:00.000Z"
        self.even = m % 2 == 0

    def hour_ts(self, h):
        d, hh = divmod(h, 24)
        return f"{self.y:04d}-{self.m:02d}-{d + 1:02d}T{hh:02d}:00:00Z"

    def hour_end_ts(self, h):
        return self.end if h + 1 == self.hours else self.hour_ts(h + 1)


def row_weight(period, r, head_len, tail_extra):
    """Approximate bytes per emitted hour of a resource (all its segments in a typical hour)."""
    w = 0
    for ut in r.uts:
        if r.zombie and not ut.timed:
            continue
        static = 52 + 1 + 41 + head_len + 41 + len(ut.ut) + len(ut.op) + len(r.pc) + len(q(r.rid)) + 5
        var = 5 + len(fmt(ut.rate)) + 2 * 12 + 10
        tail = len(q(ut.desc)) + len(q(r.pname)) + len(r.region) + len(ut.itype) + len(ut.unit) + \
            sum(len(q(t)) for t in r.tags) + 8 + tail_extra
        per = static + var + tail
        w += per
        if r.coverage == "sp" and ut.timed:
            w += per // 2  # negation rows on part of the hours
    return w


def generate_period(args, accounts, ym):
    period = Period(ym)
    prng = random.Random(f"{args.seed}/period/{ym}")
    invoice = str(prng.randrange(10 ** 9, 10 ** 10))
    H = period.hours
    target = max(1, int(args.size_mb * MB))
    head_len = len(f",{invoice},AWS,Anniversary,{args.payer},{period.bps},{period.bpe},{accounts[0]},Usage,")
    tail_extra = 8 if period.even else 0

    # --- plan: resources (with their period lifetimes) and emitted hours
    resources = []  # (resource, present, a_frac, b_frac, sw_frac)
    weight = 0.0
    stream_rng = random.Random(f"{args.seed}/streams")
    streams = []  # resource-less hourly data transfer, per account and region
    for ai, acct in enumerate(accounts):
        regs = [REGIONS[0]] + ([REGIONS[1 + stream_rng.randrange(len(REGIONS) - 1)]] if ai % 2 == 0 else [])
        for reg in regs:
            rate = price(900_000_000, reg[0])
            gb = [stream_rng.randrange(0, 20 * SCALE) // stream_rng.choice([1, 10, 1000]) for _ in range(8)]
            ut = UT(f"{reg[1]}-DataTransfer-Out-Bytes", "", "GB", rate,
                    f"${fmt_short(rate)} per GB - first 10 TB / month data transfer out beyond the global free tier",
                    False, gb)
            streams.append((acct, reg[0], ut))
            weight += 52 + 1 + 41 + head_len + 41 + 60 + len(ut.desc) + 40 + tail_extra

    def add_resource(i):
        nonlocal weight
        r = make_resource(args.seed, i, accounts, H)
        present, a, b, sw = lifetime(prng, r)
        resources.append((r, present, a, b, sw))
        if present:
            weight += row_weight(period, r, head_len, tail_extra) * (b - a)

    i = 0
    while i < MIN_RESOURCES:
        add_resource(i)
        i += 1
    if weight * H >= target:
        M = max(min(H, 6), min(H, int(round(target / weight))))
    else:
        M = H
        while weight * H < target:
            add_resource(i)
            i += 1
    E = [h * H // M for h in range(M)] if M < H else list(range(H))

    # --- per emitted hour strings
    HT, SE, HV = [], [], []
    for k, h in enumerate(E):
        s, e = period.hour_ts(h), period.hour_end_ts(h)
        hid = BASE32[(k >> 15) & 31] + BASE32[(k >> 10) & 31] + BASE32[(k >> 5) & 31] + BASE32[k & 31]
        HT.append(f"{hid},{s}/{e}")
        SE.append(f"{s},{e}")
        HV.append(prng.getrandbits(20))
    days = []  # emitted-hour index ranges per day
    k = 0
    while k < M:
        d = E[k] // 24
        j = k
        while j < M and E[j] // 24 == d:
            j += 1
        days.append((k, j))
        k = j

    # --- templates
    heads = {}

    def head_for(acct, ltype):
        key = (acct, ltype)
        if key not in heads:
            heads[key] = f",{invoice},AWS,Anniversary,{args.payer},{period.bps},{period.bpe},{acct},{ltype},"
        return heads[key]

    def tail_for(ut, pname, region, tags, cc, desc=None):
        t = f",{q(desc if desc is not None else ut.desc)},{q(pname)},{region},{ut.itype},{ut.unit}," + \
            ",".join(q(x) for x in tags)
        if period.even:
            t += "," + q(cc)
        return t + "\n"

    def make_template(rid, acct, pc, pname, region, tags, cc, ut, ltype, lo, hi, variants):
        t = Template()
        t.pre = b32(prng, 48)
        t.head = head_for(acct, ltype)
        t.mid = f",{pc},{ut.ut},{ut.op},{q(rid)},"
        if ltype == "DiscountedUsage":
            rate_s = "0.0000000000"
            desc = f"USD 0.0 hourly fee per Linux/UNIX (Amazon VPC), {ut.itype} instance"
        elif ltype == "SavingsPlanNegation":
            rate_s = fmt(-ut.rate)
            desc = f"SavingsPlanNegation used by AccountId : {acct} and UsageSku : {ut.ut}"
        else:
            rate_s = fmt(ut.rate)
            desc = None
        t.tail = tail_for(ut, pname, region, tags, cc, desc)
        t.vstr = [f"{us},USD,{rate_s},{cs},{cs}" for _, _, us, cs in variants]
        t.vunits = [(uu, cu) for uu, cu, _, _ in variants]
        t.cnt = [0] * len(variants)
        t.lo, t.hi = lo, hi
        t.salt = prng.getrandbits(16)
        t.rest = t.mid + t.vstr[0] + t.tail if len(variants) == 1 else None
        t.n = 0
        t.rid, t.acct, t.pc, t.pname, t.region, t.ut, t.ltype = rid, acct, pc, pname, region, ut.ut, ltype
        return t

    templates = []
    role_ids = {}
    for r, present, a, b, sw in resources:
        if not present:
            continue
        lo = min(int(a * M), M - 1)
        hi = max(lo + 1, min(M, math.ceil(b * M)))
        if r.role:
            role_ids[r.role] = r
        tiny_at = lo + (hi - lo) // 2
        for ut, ltype, slo, shi, variants in segments(r, lo, hi, sw, tiny_at):
            templates.append(make_template(r.rid, r.acct, r.pc, r.pname, r.region, r.tags, r.cc, ut, ltype, slo, shi,
                                           variants))
    for acct, region, ut in streams:
        variants = [(u, mul(u, ut.rate), fmt(u) if u else "0.0", fmt(mul(u, ut.rate))) for u in ut.usage]
        templates.append(make_template("", acct, DTO[0], DTO[1], region, ("", "", ""), "", ut, "Usage", 0, M,
                                       variants))

    planned_rows = sum(t.hi - t.lo for t in templates)
    K = args.split
    if K > 1 and planned_rows < 50 * K:
        sys.exit(f"gen_cur: --split {K} is too many parts for --size-mb {args.size_mb} ({planned_rows} rows)")
    bounds = [planned_rows * j // K for j in range(1, K)] + [float("inf")]

    # --- write
    os.makedirs(args.out, exist_ok=True)
    if K == 1:
        names = [f"{args.name}-{ym}.csv"]
    else:
        names = [f"{args.name}-{ym}-{p}.csv" for p in range(1, K + 1)]
    header_io = io.StringIO()
    csv.writer(header_io, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerow(
        COLUMNS + ([EVEN_MONTH_COLUMN] if period.even else []))
    header = header_io.getvalue()

    part = 0
    f = open(os.path.join(args.out, names[0]), "w", encoding="utf-8", newline="")
    f.write(header)
    rows = 0
    buf = []
    for d0, d1 in days:
        for t in templates:
            lo = t.lo if t.lo > d0 else d0
            hi = t.hi if t.hi < d1 else d1
            if lo >= hi:
                continue
            if rows >= bounds[part]:
                f.write("".join(buf))
                buf = []
                f.close()
                part += 1
                f = open(os.path.join(args.out, names[part]), "w", encoding="utf-8", newline="")
                f.write(header)
            pre, head = t.pre, t.head
            if t.rest is not None:
                rest = t.rest
                buf.extend([f"{pre}{HT[i]}{head}{SE[i]}{rest}" for i in range(lo, hi)])
                t.n += hi - lo
            else:
                mid, tail, vstr, cnt, salt = t.mid, t.tail, t.vstr, t.cnt, t.salt
                nv = len(vstr)
                for i in range(lo, hi):
                    v = (HV[i] + salt) % nv
                    cnt[v] += 1
                    buf.append(f"{pre}{HT[i]}{head}{SE[i]}{mid}{vstr[v]}{tail}")
            rows += hi - lo
            if len(buf) >= 4096:
                f.write("".join(buf))
                buf = []
    f.write("".join(buf))
    buf = []

    # --- aggregate what was written
    total = 0
    res_cost = {}      # rid -> cost over usage line types
    res_usage = {}     # rid -> usage over usage line types
    res_ut = {}        # (rid, usage type) -> cost, with service/region/account
    res_meta = {}
    acct_pc = {}       # (account, product code) -> cost of all lines (tax base)
    acct_total = {}
    product_names = {}
    rids = set()
    for t in templates:
        if t.rest is not None:
            cost = t.n * t.vunits[0][1]
            usage = t.n * t.vunits[0][0]
        else:
            cost = sum(n * cu for n, (uu, cu) in zip(t.cnt, t.vunits))
            usage = sum(n * uu for n, (uu, cu) in zip(t.cnt, t.vunits))
        total += cost
        key = (t.acct, t.pc)
        acct_pc[key] = acct_pc.get(key, 0) + cost
        acct_total[t.acct] = acct_total.get(t.acct, 0) + cost
        product_names[t.pc] = t.pname
        if t.rid:
            rids.add(t.rid)
            if t.ltype in USAGE_TYPES:
                res_cost[t.rid] = res_cost.get(t.rid, 0) + cost
                res_usage[t.rid] = res_usage.get(t.rid, 0) + usage
                k2 = (t.rid, t.ut)
                res_ut[k2] = res_ut.get(k2, 0) + cost
                res_meta[k2] = (t.pname, t.region, t.acct)

    # --- month-level lines: support, fees, credits, taxes (written at the end of the last part)
    empty_tags = ("", "", "")
    extra = []

    def monthly(acct, ltype, pc, pname, ut_name, op, rid, usage_s, rate_s, cost, desc, region="", itype="", unit="",
                tags=empty_tags, cc=""):
        nonlocal total, rows
        fields = [b32(prng, 52), f"{period.start}/{period.end}", invoice, "AWS", "Anniversary", args.payer,
                  period.bps, period.bpe, acct, ltype, period.start, period.end, pc, ut_name, op, rid, usage_s,
                  "USD", rate_s, fmt(cost), fmt(cost), desc, pname, region, itype, unit] + list(tags)
        if period.even:
            fields.append(cc)
        extra.append(",".join(q(x) for x in fields) + "\n")
        total += cost
        rows += 1
        if rid:
            rids.add(rid)

    sup_base = sum(acct_total.values())
    support = max(100 * SCALE, (sup_base // 10) // 10 ** 8 * 10 ** 8)
    monthly(args.payer, "Usage", "AWSSupportBusiness", "AWS Support (Business)", "Dollar", "", "",
            fmt(support), "1.0000000000", support, "AWS Support (Business)", unit="Dollar")
    fee = 12 * SCALE
    monthly(accounts[0], "Fee", "AmazonRoute53", "Amazon Route 53", "DomainRegistration", "", "", "1.0000000000",
            "", fee, "Registration of acme-example.com (1 year)")
    if "nm_fee_only" in role_ids:
        r = role_ids["nm_fee_only"]
        fc = 2 * SCALE + 4_321_000_000
        monthly(r.acct, "Fee", r.pc, r.pname, f"{REGION_BY_NAME[r.region][1]}-DedicatedUsage:{r.itype}",
                "RunInstances", r.rid, "1.0000000000", "", fc, "Dedicated instance per-region fee",
                region=r.region, unit="Hrs", tags=r.tags, cc=r.cc)
    if "z_nat" in role_ids:
        r = role_ids["z_nat"]
        monthly(r.acct, "Credit", r.pc, r.pname, r.uts[0].ut, "NatGateway", r.rid, "1.0000000000", "",
                -3 * SCALE, "AWS Credit - Service Level Agreement", region=r.region, unit="Hrs", tags=r.tags,
                cc=r.cc)
    for acct in accounts:
        base = acct_total.get(acct, 0)
        credit = min(50 * SCALE, (base // 20) // 10 ** 8 * 10 ** 8)
        if credit > 0:
            monthly(acct, "Credit", "AmazonEC2", EC2[1], "", "", "", "0.0", "", -credit,
                    "AWS Credits - Promotional credit (EDU-2024)")
    for (acct, pc) in sorted(acct_pc):
        base = acct_pc[(acct, pc)]
        tax = (base * 8 // 100 + 5 * 10 ** 7) // 10 ** 8 * 10 ** 8  # 8 %, rounded to cents
        if tax > 0:
            monthly(acct, "Tax", pc, product_names[pc], "", "", "", "1.0000000000", "", tax,
                    f"Tax for product code {pc}")
    while part < K - 1:  # only reached if the data ran out early
        f.close()
        part += 1
        f = open(os.path.join(args.out, names[part]), "w", encoding="utf-8", newline="")
        f.write(header)
    f.write("".join(extra))
    f.close()

    # --- truth
    zombies = []
    for rid in sorted(res_cost):
        c, u = res_cost[rid], res_usage[rid]
        if c > 0 and u == 0:
            uts = sorted(((-cost, ut) for (r2, ut), cost in res_ut.items() if r2 == rid))
            top = uts[0][1]
            pname, region, acct = res_meta[(rid, top)]
            zombies.append({"resource_id": rid, "cost": fmt(c), "usage_amount": "0", "service": pname,
                            "usage_type": top, "region": region, "account": acct, "_c": c})
    zombies.sort(key=lambda z: (-z["_c"], z["resource_id"]))
    for z in zombies:
        del z["_c"]
    expected = {r.rid for r in role_ids.values() if r.zombie}
    got = {z["resource_id"] for z in zombies}
    assert expected <= got, f"special zombies missing: {expected - got}"
    for role, r in role_ids.items():
        if role.startswith("nm_"):
            assert r.rid not in got, f"near-miss {role} flagged"
    truth = {
        "billing_account": args.payer,
        "billing_period": f"{period.y:04d}-{period.m:02d}-01",
        "files": names,
        "line_items": rows,
        "billed_cost": fmt(total),
        "currency": "USD",
        "resources": len(rids),
        "zombies": zombies,
    }
    with open(os.path.join(args.out, f"{args.name}-{ym}.truth.json"), "w", encoding="utf-8", newline="") as tf:
        json.dump(truth, tf, indent=1, ensure_ascii=False)
        tf.write("\n")
    size = sum(os.path.getsize(os.path.join(args.out, n)) for n in names)
    print(f"{ym}: {','.join(names)}  {size / MB:.2f} MB  {rows} line items  {len(zombies)} zombies"
          f"  ({len(rids)} resources, {M}/{H} hours)")


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Generate deterministic synthetic legacy AWS CUR CSV files (one per billing period, or --split "
                    "parts), each period with a ground-truth <name>-<YYYY-MM>.truth.json beside it. Same arguments "
                    "give byte-identical output.")
    p.add_argument("--out", required=True, help="output directory (created if missing)")
    p.add_argument("--size-mb", type=float, default=20.0,
                   help="approximate size per billing period, all parts together, in MB of 1,000,000 bytes "
                        "(default 20); small sizes keep >= %d resources and thin the hours" % MIN_RESOURCES)
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--periods", default="2024-09", help="comma-separated billing periods YYYY-MM (default 2024-09)")
    p.add_argument("--payer", default="111111111111", help="12-digit payer account ID (default 111111111111)")
    p.add_argument("--accounts", type=int, default=3, help="number of usage (linked) accounts (default 3)")
    p.add_argument("--split", type=int, default=1,
                   help="files per period: 1 gives <name>-<YYYY-MM>.csv, K > 1 gives <name>-<YYYY-MM>-1.csv .. -K.csv "
                        "(default 1)")
    p.add_argument("--name", default="cur", help="file name prefix (default cur)")
    args = p.parse_args(argv)
    periods = [x.strip() for x in args.periods.split(",") if x.strip()]
    for ym in periods:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", ym):
            p.error(f"bad period {ym!r}: expected YYYY-MM")
    if len(set(periods)) != len(periods):
        p.error("duplicate period")
    if not re.fullmatch(r"\d{12}", args.payer):
        p.error("--payer must be 12 digits")
    if args.accounts < 1 or args.split < 1 or args.size_mb <= 0:
        p.error("--accounts and --split must be >= 1, --size-mb > 0")
    if not re.fullmatch(r"[A-Za-z0-9._-]+", args.name):
        p.error("--name may only contain letters, digits, '.', '_' and '-'")
    arng = random.Random(f"{args.seed}/accounts")
    accounts = []
    while len(accounts) < args.accounts:
        a = str(arng.randrange(10 ** 11, 10 ** 12))
        if a != args.payer and a not in accounts:
            accounts.append(a)
    for ym in periods:
        generate_period(args, accounts, ym)


if __name__ == "__main__":
    main()
