"""The resources gen_zombies.py plants for the rules that read more than one month or price an alternative: each rule's
positives with their exact money, computed here the way cbh computes it (rates, ratios and products in exact decimal
arithmetic, rounded where cbh rounds), and look-alikes that must stay clean.

  gp2_volume          a 90 GB gp2 volume priced at the bill's gp3 rate in us-east-1; a 2,100 GB one (6,300 IOPS, so
                      gp3 needs 3,300 IOPS more, at the bill's gp3 IOPS rate); a 60 GB one in eu-west-2, where the
                      bill has no gp3 (an estimate at 80 %). Look-alike: a gp3 volume with provisioned IOPS.
  io1_volume          an io1 volume of 300 GB and 9,000 IOPS (gp3 delivers them); an io1 of 40,500 IOPS (io2 prices
                      the 8,500 past 32,000 at 70 %). Look-alike: an io2 volume of 21,000 IOPS (past gp3's 16,000).
  previous_generation an m4.large where the bill prices m5.large; a t2.medium in eu-west-2 without a t3 price (an
                      estimate at 10 %); an RDS db.m4.large where the bill prices db.m5.large. Look-alike: the
                      current generation (the m5.large and db.m5.large themselves).
  extended_support    an RDS MySQL 5.7 database (ExtendedSupport:Yr1-Yr2:MySQL5.7) and an EKS cluster
                      (AmazonEKS-Hours:extendedSupport). Look-alike: the EKS cluster's own perCluster hours.
  paid_trail_events   a second trail's PaidEventsRecorded. Look-alikes: the first trail's free events, data events.
  on_demand_steady    an m5.xlarge on demand all of September and October (found in October). Look-alikes: one
                      covered by a Savings Plan, one billed 12 h a day.
  idle_cluster        idle Redshift, ElastiCache, OpenSearch and EMR clusters (metrics). Look-alike: a Redshift
                      cluster with connections; "no metrics": one without metrics.
  old_snapshot        an EBS snapshot and an RDS snapshot billed every day of September to November (found in
                      October and November). Look-alike: a snapshot taken on 15 October.
  storage_without_requests  a bucket with storage and only lifecycle transitions for three months (found in
                      October and November). Look-alike: a bucket written to in October.
  log_storage_growing a log group growing 9, 12.4, 15 GB-months (found in November). Look-alikes: one queried by Logs
                      Insights in November, one in eu-west-2 where the account's region has unattributed queries, one
                      that does not grow.
"""

from decimal import Decimal as D, ROUND_HALF_UP

EC2 = ("AmazonEC2", "Amazon Elastic Compute Cloud")
RDS = ("AmazonRDS", "Amazon Relational Database Service")
EKS = ("AmazonEKS", "Amazon Elastic Kubernetes Service")
TRAIL = ("AWSCloudTrail", "AWS CloudTrail")
S3 = ("AmazonS3", "Amazon Simple Storage Service")
LOGS = ("AmazonCloudWatch", "AmazonCloudWatch")
REDSHIFT = ("AmazonRedshift", "Amazon Redshift")
CACHE = ("AmazonElastiCache", "Amazon ElastiCache")
SEARCH = ("AmazonES", "Amazon OpenSearch Service")
EMR = ("ElasticMapReduce", "Amazon Elastic MapReduce")


# cbh's exact arithmetic (sql/schema.sql): ratio to 8 places half up, products of a value and a rate at 8 places.
def q(x, places):
    return D(x).quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP)


def ratio(a, b):
    A, B = int(q(a, 18).scaleb(18)), int(q(b, 18).scaleb(18))
    return D((A * 200000000 + B) // (2 * B)).scaleb(-8)


def mul(a, b):
    return q(D(a) * q(b, 8), 18)


def sums(bill, rid, usage_type):
    """Quantity and cost of a resource's line items of a usage type, as written."""
    rows = [r for r in bill.rows if r["lineItem/ResourceId"] == rid and r["lineItem/UsageType"] == usage_type]
    return sum(D(r["lineItem/UsageAmount"]) for r in rows), sum(D(r["lineItem/UnblendedCost"]) for r in rows)


def rate(bill, region, usage_type):
    """The bill's rate of a usage type in a region: on-demand line items with a cost and a quantity."""
    rows = [r for r in bill.rows if r["product/region"] == region and r["lineItem/UsageType"] == usage_type
            and r["lineItem/LineItemType"] == "Usage" and D(r["lineItem/UnblendedCost"]) > 0
            and D(r["lineItem/UsageAmount"]) > 0]
    return ratio(sum(D(r["lineItem/UnblendedCost"]) for r in rows), sum(D(r["lineItem/UsageAmount"]) for r in rows))


def savings(bills, account, finding, truth, active, no_metrics):
    """September's plants (bills[0]) of the saving rules and their truth."""
    sep = bills[0]

    def volume(vid, kind, gb_per_day, price, region="us-east-1", prefix="USE1"):
        desc = {"gp2": f"${price} per GB-month of General Purpose SSD (gp2) provisioned storage", "gp3": f"${price} per GB-month of General Purpose (gp3) provisioned storage",
                "piops": f"${price} per GB-month of Provisioned IOPS SSD (io1) provisioned storage",
                "io2": f"${price} per GB-month of Provisioned IOPS SSD (io2) provisioned storage"}[kind]
        sep.daily(vid, EC2, f"{prefix}-EBS:VolumeUsage.{kind}", f"CreateVolume-{kind.capitalize()}", price, gb_per_day,
                  desc, region, "GB-Mo")
        no_metrics.append(("idle_volume", vid, "2024-09-01"))

    def iops(vid, kind, per_day, price):
        desc = {"gp3": f"${price} per provisioned IOPS-month of gp3 - US East (N. Virginia)",
                "piops": f"${price} per IOPS-month provisioned - US East (Northern Virginia)",
                "io2": f"${price} per IOPS-month provisioned (io2) - US East (N. Virginia)"}[kind]
        sep.daily(vid, EC2, f"USE1-EBS:VolumeP-IOPS.{kind}", f"CreateVolume-{kind.capitalize()}", price, per_day,
                  desc, "us-east-1", "IOPS-Mo")

    # gp2: at the bill's gp3 rate (us-east-1 has gp3 volumes), with extra IOPS for a large one, and an estimate.
    volume("vol-0gp3iops0000001", "gp3", 10, "0.08")
    iops("vol-0gp3iops0000001", "gp3", 100, "0.005")                      # 3,000 IOPS past the free 3,000
    active.append("vol-0gp3iops0000001")
    gp3, gp3_iops = rate(sep, "us-east-1", "USE1-EBS:VolumeUsage.gp3"), rate(sep, "us-east-1", "USE1-EBS:VolumeP-IOPS.gp3")
    for vid, gb_day in (("vol-0gp2small000001", 3), ("vol-0gp2large000002", 70)):
        volume(vid, "gp2", gb_day, "0.10")
        gbm, cost = sums(sep, vid, "USE1-EBS:VolumeUsage.gp2")
        extra = max(D(0), min(3 * gbm, D(16000)) - 3000)
        saving = max(D(0), cost - mul(gbm, gp3) - mul(extra, gp3_iops))
        truth.append(finding("gp2_volume", vid, saving, account, "us-east-1", monthly=str(q(saving, 6))))
    volume("vol-0gp2euw2000003", "gp2", 2, "0.116", "eu-west-2", "EUW2")
    gbm, cost = sums(sep, "vol-0gp2euw2000003", "EUW2-EBS:VolumeUsage.gp2")
    saving = cost - mul(cost, "0.8")                                      # 2 * 30 GB < 1,000: no extra IOPS
    truth.append(finding("gp2_volume", "vol-0gp2euw2000003", saving, account, "eu-west-2",
                         evidence=f"gp2 volume billed 60 GB-months (60 GB) in 2024-09: 6.96 USD; gp3 at the same size "
                                  f"costs 5.568 (estimate: gp3 at 80 % of gp2)"))

    # io1 and io2.
    for vid, kind, gb_day, iops_day in (("vol-0io1small000001", "piops", 10, 300),
                                        ("vol-0io1big00000002", "piops", 50, 1350),
                                        ("vol-0io2big00000003", "io2", 20, 700)):
        volume(vid, kind, gb_day, "0.125")
        iops(vid, kind, iops_day, "0.065")
    gbm, storage = sums(sep, "vol-0io1small000001", "USE1-EBS:VolumeUsage.piops")
    iopsm, iops_cost = sums(sep, "vol-0io1small000001", "USE1-EBS:VolumeP-IOPS.piops")
    saving = storage + iops_cost - mul(gbm, gp3) - mul(iopsm - 3000, gp3_iops)
    truth.append(finding("io1_volume", "vol-0io1small000001", saving, account, "us-east-1"))
    iopsm, iops_cost = sums(sep, "vol-0io1big00000002", "USE1-EBS:VolumeP-IOPS.piops")
    saving = mul(mul(iopsm - 32000, ratio(iops_cost, iopsm)), "0.3")
    truth.append(finding("io1_volume", "vol-0io1big00000002", saving, account, "us-east-1"))
    active.append("vol-0io2big00000003")

    # Previous generations: priced at the bill's successor rate, or estimated.
    def ec2(iid, itype, price, region="us-east-1", prefix="USE1", **kw):
        sep.daily(iid, EC2, f"{prefix}-BoxUsage:{itype}", "RunInstances", price, 24,
                  f"${price} per On Demand Linux {itype} Instance Hour", region, "Hrs", **kw)
        no_metrics.append(("idle_instance", iid, "2024-09-01"))
        return sums(sep, iid, f"{prefix}-BoxUsage:{itype}")

    hours, cost = ec2("i-0m4large00000001", "m4.large", "0.1")
    m5 = rate(sep, "us-east-1", "USE1-BoxUsage:m5.large")
    saving = cost - mul(hours, m5)
    truth.append(finding("previous_generation", "i-0m4large00000001", saving, account, "us-east-1",
                         evidence="m4.large ran 720 h in 2024-09 (720 h on demand: 72 USD); m5.large at the same size "
                                  "costs 69.12 (the bill's rate in us-east-1: 0.096 an hour)"))
    hours, cost = ec2("i-0t2medium0000002", "t2.medium", "0.0528", "eu-west-2", "EUW2")
    truth.append(finding("previous_generation", "i-0t2medium0000002", mul(cost, "0.1"), account, "eu-west-2"))

    def database(name, usage_type, price, itype):
        arn = f"arn:aws:rds:us-east-1:{account}:db:{name}"
        sep.daily(arn, RDS, usage_type, "CreateDBInstance:0002", price, 24,
                  f"${price} per RDS {itype} Single-AZ instance hour (or partial hour) running MySQL", "us-east-1",
                  "Hrs")
        no_metrics.append(("idle_database", arn, "2024-09-01"))
        return arn, sums(sep, arn, usage_type)

    database("orders-m5", "USE1-InstanceUsage:db.m5.large", "0.171", "db.m5.large")
    arn, (hours, cost) = database("legacy-m4", "USE1-InstanceUsage:db.m4.large", "0.175", "db.m4.large")
    saving = cost - mul(hours, rate(sep, "us-east-1", "USE1-InstanceUsage:db.m5.large"))
    truth.append(finding("previous_generation", arn, saving, account, "us-east-1"))
    active.append(f"arn:aws:rds:us-east-1:{account}:db:orders-m5")

    # Extended support: RDS MySQL 5.7 (2 vCPUs) and an EKS cluster past standard support.
    arn, _ = database("legacy-mysql57", "USE1-InstanceUsage:db.r5.large", "0.25", "db.r5.large")
    sep.daily(arn, RDS, "USE1-ExtendedSupport:Yr1-Yr2:MySQL5.7", "CreateDBInstance:0002", "0.1", 48,
              "USD 0.10 per hour per vCPU running RDS Extended Support for MySQL 5.7 in Year 1, Year 2", "us-east-1",
              "vCPU-Hours")
    _, cost = sums(sep, arn, "USE1-ExtendedSupport:Yr1-Yr2:MySQL5.7")
    truth.append(finding("extended_support", arn, cost, account, "us-east-1",
                         evidence="Amazon Relational Database Service billed 1440 vCPU-Hours of extended support in "
                                  "2024-09: 144 USD; a supported version stops the charge"))
    eks = f"arn:aws:eks:us-east-1:{account}:cluster/legacy-eks"
    sep.daily(eks, EKS, "USE1-AmazonEKS-Hours:perCluster", "CreateOperation", "0.1", 24,
              "Amazon EKS cluster usage in US East (N. Virginia)", "us-east-1", "Hrs")
    sep.daily(eks, EKS, "USE1-AmazonEKS-Hours:extendedSupport", "ExtendedSupport", "0.5", 24,
              "Amazon EKS cluster extended support usage in US East (N. Virginia)", "us-east-1", "Hrs")
    _, cost = sums(sep, eks, "USE1-AmazonEKS-Hours:extendedSupport")
    truth.append(finding("extended_support", eks, cost, account, "us-east-1"))

    # CloudTrail: a second trail's copies of management events; the first trail's free ones; data events.
    trail = f"arn:aws:cloudtrail:us-east-1:{account}:trail/"
    sep.daily(trail + "org-main", TRAIL, "USE1-FreeEventsRecorded", "None", "0", 50000,
              "0.0 per free event recorded in US East (N.Virginia) region", "us-east-1", "Events")
    sep.daily(trail + "s3-data", TRAIL, "USE1-DataEventsRecorded", "None", "0.000001", 200000,
              "$0.10 per 100,000 data events recorded", "us-east-1", "Events")
    sep.daily(trail + "security-copy", TRAIL, "USE1-PaidEventsRecorded", "None", "0.00002", 50000,
              "0.00002 per paid event recorded in US East (N.Virginia) region", "us-east-1", "Events")
    _, cost = sums(sep, trail + "security-copy", "USE1-PaidEventsRecorded")
    truth.append(finding("paid_trail_events", trail + "security-copy", cost, account, "us-east-1"))
    active.extend([trail + "org-main", trail + "s3-data"])


def periods(bills, account, finding, truth, active, no_metrics, metric):
    """The plants that take more than one month (bills: September, October, November) and the clusters, with
    their truth; `metric` records a utilization metric."""
    sep, oct_, nov = bills
    periods = {bill: bill.period.strftime("%Y-%m-01") for bill in bills}

    # On demand all month, twice in a row (October): found; one covered by a Savings Plan; one 12 h a day.
    def ec2(bill, iid, per_day, kind="Usage", **extra):
        bill.daily(iid, EC2, "USE1-BoxUsage:m5.xlarge", "RunInstances", "0.192", per_day,
                   "$0.192 per On Demand Linux m5.xlarge Instance Hour", "us-east-1", "Hrs", kind=kind, **extra)
        no_metrics.append(("idle_instance", iid, periods[bill]))

    for bill in (sep, oct_):
        ec2(bill, "i-0steady000000001", 24)
        ec2(bill, "i-0parttime0000003", 12)
        ec2(bill, "i-0covered00000002", 24, kind="SavingsPlanCoveredUsage",
            **{"savingsPlan/SavingsPlanEffectiveCost": "3.312"})
        bill.daily("i-0covered00000002", EC2, "USE1-BoxUsage:m5.xlarge", "RunInstances", "-0.192", 24,
                   "SavingsPlanNegation used by AccountId : 111111111111 and UsageSku : ABC", "us-east-1", "Hrs",
                   kind="SavingsPlanNegation")
    _, cost = sums(oct_, "i-0steady000000001", "USE1-BoxUsage:m5.xlarge")
    truth.append(finding("on_demand_steady", "i-0steady000000001", mul(cost, "0.25"), account, "us-east-1",
                         period=periods[oct_], periods_seen=2))
    active.extend(["i-0covered00000002", "i-0parttime0000003"])

    # Snapshots billed every day of September to November (found in November), and one taken on 15 October.
    snap = f"arn:aws:ec2:us-east-1:{account}:snapshot/"
    rds_snap = f"arn:aws:rds:us-east-1:{account}:snapshot:orders-final"
    for bill in bills:
        days = (bill.days, bill.days)
        bill.daily(snap + "snap-0old0000000001", EC2, "USE1-EBS:SnapshotUsage", "CreateSnapshot", "0.05",
                   q(D(60) / days[0], 10), "$0.05 per GB-Month of snapshot data stored - US East (N. Virginia)",
                   "us-east-1", "GB-Mo")
        bill.daily(rds_snap, RDS, "USE1-RDS:ChargedBackupUsage", "CreateDBInstance:0002", "0.095",
                   q(D(30) / days[1], 10), "$0.095 per GB-month of backup storage exceeding free allocation "
                   "running MySQL", "us-east-1", "GB-Mo")
    for bill, first in ((oct_, 14), (nov, 0)):
        bill.daily(snap + "snap-0young000000002", EC2, "USE1-EBS:SnapshotUsage", "CreateSnapshot", "0.05", 2,
                   "$0.05 per GB-Month of snapshot data stored - US East (N. Virginia)", "us-east-1", "GB-Mo",
                   first_day=first)
    for rid, usage_type in ((snap + "snap-0old0000000001", "USE1-EBS:SnapshotUsage"),
                            (rds_snap, "USE1-RDS:ChargedBackupUsage")):
        for bill, seen in ((oct_, 2), (nov, 3)):
            _, cost = sums(bill, rid, usage_type)
            truth.append(finding("old_snapshot", rid, cost, account, "us-east-1", period=periods[bill],
                                 periods_seen=seen))
    active.append(snap + "snap-0young000000002")

    # S3: a bucket with storage and lifecycle transitions only, three months; one written to in October.
    for bill in bills:
        for bucket in ("archive-untouched", "logs-written"):
            bill.daily(bucket, S3, "USE1-TimedStorage-ByteHrs", "StandardStorage", "0.023", q(D(900) / bill.days, 10),
                       "$0.023 per GB - first 50 TB / month of storage used", "us-east-1", "GB-Mo")
        bill.line(0, 24, "Usage", S3, "USE1-Requests-Tier3", "S3-GlacierTransition", "archive-untouched", 10,
                  D("0.0005"), "$0.05 per 1,000 Glacier transition requests", "us-east-1", "Requests")
    oct_.line(3, 24, "Usage", S3, "USE1-Requests-Tier1", "PutObject", "logs-written", 1000, D("0.005"),
              "$0.005 per 1,000 PUT, COPY, POST, or LIST requests", "us-east-1", "Requests")
    for bill, seen in ((oct_, 2), (nov, 3)):
        cost = sum(D(r["lineItem/UnblendedCost"]) for r in bill.rows if r["lineItem/ResourceId"] == "archive-untouched")
        truth.append(finding("storage_without_requests", "archive-untouched", cost, account, "us-east-1",
                             period=periods[bill], periods_seen=seen))
    active.append("logs-written")

    # CloudWatch Logs: a group growing, unqueried; one queried in November; one in a region with unattributed
    # queries; one that does not grow.
    def group(name, region="us-east-1"):
        return f"arn:aws:logs:{region}:{account}:log-group:{name}"

    for bill, grows in zip(bills, ("9", "12.4", "15")):
        for rid, gb in ((group("/app/debug"), grows), (group("/app/audit"), grows), (group("/app/steady"), "9.3")):
            bill.daily(rid, LOGS, "USE1-TimedStorage-ByteHrs", "HourlyStorageMetering", "0.03",
                       q(D(gb) / bill.days, 10), "$0.03 per GB-mo of log storage - US East (Northern Virginia)",
                       "us-east-1", "GB-Mo")
        bill.daily(group("/app/elsewhere", "eu-west-2"), LOGS, "EUW2-TimedStorage-ByteHrs", "HourlyStorageMetering",
                   "0.0315", q(D(grows) / bill.days, 10), "$0.0315 per GB-mo of log storage - EU (London)",
                   "eu-west-2", "GB-Mo")
        if bill is not sep:
            bill.line(5, 24, "Usage", LOGS, "EUW2-DataScanned-Bytes", "StartQuery", "", 2, D("0.0126"),
                      "$0.0063 per GB of data scanned by CloudWatch Logs Insights queries", "eu-west-2", "GB")
    nov.line(5, 24, "Usage", LOGS, "USE1-DataScanned-Bytes", "StartQuery", group("/app/audit"), 3, D("0.015"),
             "$0.005 per GB of data scanned by CloudWatch Logs Insights queries", "us-east-1", "GB")
    _, cost = sums(nov, group("/app/debug"), "USE1-TimedStorage-ByteHrs")
    truth.append(finding("log_storage_growing", group("/app/debug"), cost, account, "us-east-1", period=periods[nov],
                         periods_seen=2,
                         evidence="Log group stored 15 GB-months in 2024-11, up from 12.4 the month before; 0 GB "
                                  "scanned by Logs Insights: 0.45 USD"))
    active.extend([group("/app/audit"), group("/app/steady"), group("/app/elsewhere", "eu-west-2")])

    # Clusters billed for node hours in September, idle by their metrics; a busy one; one without metrics.
    def cluster(arn, product, usage_type, price, nodes, metrics, named=None):
        itype = usage_type.split(":")[-1]
        desc = {REDSHIFT: f"${price} per {itype.upper()} Compute Node-hour (or partial hour)",
                CACHE: f"${price} per {itype} Node-hour (or partial hour) running Redis",
                SEARCH: f"${price} per {itype} instance hour (or partial hour)",
                EMR: f"${price} per hour for EMR {itype}"}[product]
        sep.daily(arn, product, usage_type, "RunComputeNode", price, 24 * nodes, desc, "us-east-1", "Hrs")
        for name, statistic, value in metrics:      # by ARN, or by the name CloudWatch gives the cluster
            metric(named or arn, name, statistic, [value] * 30, "Count")
        return sums(sep, arn, usage_type)[1]

    idle = [
        (f"arn:aws:redshift:us-east-1:{account}:cluster:analytics-idle", REDSHIFT, "Node:dc2.large", "0.25", 2,
         [("DatabaseConnections", "Maximum", 0), ("CPUUtilization", "Maximum", 1.5)]),
        (f"arn:aws:elasticache:us-east-1:{account}:cluster:cache-idle-0001-001", CACHE,
         "USE1-NodeUsage:cache.t3.medium", "0.068", 1, [("GetTypeCmds", "Sum", 0), ("SetTypeCmds", "Sum", 0)],
         "cache-idle-0001-001"),
        (f"arn:aws:es:us-east-1:{account}:domain/search-idle", SEARCH, "USE1-ESInstance:m5.large.search", "0.142", 2,
         [("SearchRate", "Average", 0), ("IndexingRate", "Average", 0)]),
        (f"arn:aws:elasticmapreduce:us-east-1:{account}:cluster/j-1IDLECLUSTER", EMR, "USE1-BoxUsage:m5.xlarge",
         "0.048", 3, [("IsIdle", "Minimum", 1)], "j-1IDLECLUSTER"),
    ]
    for arn, product, usage_type, price, nodes, metrics, *named in idle:
        cost = cluster(arn, product, usage_type, price, nodes, metrics, *named)
        truth.append(finding("idle_cluster", arn, cost, account, "us-east-1", days_idle=30))
    busy = f"arn:aws:redshift:us-east-1:{account}:cluster:analytics-busy"
    cluster(busy, REDSHIFT, "USE1-Node:dc2.large", "0.25", 2, [("DatabaseConnections", "Maximum", 5)])
    active.append(busy)
    blind = f"arn:aws:redshift:us-east-1:{account}:cluster:analytics-nometrics"
    cluster(blind, REDSHIFT, "USE1-Node:dc2.large", "0.25", 1, [])
    no_metrics.append(("idle_cluster", blind, "2024-09-01"))
