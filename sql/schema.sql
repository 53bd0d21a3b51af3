-- schema.sql: the warehouse, created on first ingest in its own schema of the database the user opened (or named).
-- Every statement is idempotent. Bronze has one table per input format; each gains one VARCHAR column per new
-- source column as files arrive. A delivery is keyed by (provider, billing account, billing period).
-- No constraint but NOT NULL, no sequence, no default but a literal, so that a lake catalog (DuckLake) can hold it:
-- cbh keeps its own keys (a period is replaced by DELETE and INSERT or MERGE, ids are the largest so far plus one).
CREATE SCHEMA IF NOT EXISTS cbh;

-- The warehouse's layout version (cbh migrates older layouts on first use) and its id, which cbh_export writes as
-- the owner of each partition.
CREATE TABLE IF NOT EXISTS cbh.meta (
    schema_version INTEGER NOT NULL,
    warehouse_id   VARCHAR
);

-- Every ingestion attempt, one row per input file (manifests included). billing_period, provider and
-- billing_account are set when the file covers exactly one of each; `deliveries` lists every key it covers.
CREATE TABLE IF NOT EXISTS cbh.ledger (
    ledger_id       BIGINT NOT NULL,
    ingestion_id    BIGINT NOT NULL,
    file            VARCHAR NOT NULL,
    size            BIGINT,
    last_modified   TIMESTAMP,
    sha256          VARCHAR,
    format          VARCHAR,
    provider        VARCHAR,
    billing_account VARCHAR,
    billing_period  DATE,
    rows            BIGINT,
    status          VARCHAR NOT NULL,
    error           VARCHAR,
    manifest        VARCHAR,
    note            VARCHAR,
    deliveries      STRUCT(provider VARCHAR, billing_account VARCHAR, billing_period DATE)[],
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP NOT NULL
);

-- One row per (provider, billing account, billing period) present: which delivery is live and its summary. Money
-- of two currencies is never added: `by_currency` has the totals of each (one entry, currency NULL and 0, for a
-- period without line items); billed_cost and effective_cost are the totals where the period has one currency,
-- NULL where it has several.
CREATE TABLE IF NOT EXISTS cbh.periods (
    provider        VARCHAR NOT NULL,
    billing_account VARCHAR NOT NULL,
    billing_period  DATE NOT NULL,
    format          VARCHAR NOT NULL,
    ingestion_id    BIGINT NOT NULL,
    files           BIGINT NOT NULL,
    bronze_rows     BIGINT NOT NULL,
    line_items      BIGINT NOT NULL,
    resources       BIGINT NOT NULL,
    billed_cost     DECIMAL(38, 18),
    effective_cost  DECIMAL(38, 18),
    currency        VARCHAR,
    silver_version  INTEGER NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    by_currency     STRUCT(currency VARCHAR, line_items BIGINT, billed_cost DECIMAL(38, 18),
                           effective_cost DECIMAL(38, 18))[]
);

-- Bronze: every source column exactly as received (text; Parquet values as their text, maps as JSON), with
-- lineage and the delivery key. One table per format; the same lineage columns lead each.
CREATE TABLE IF NOT EXISTS cbh.bronze_cur (
    ingestion_id    BIGINT NOT NULL,
    source_file     VARCHAR NOT NULL,
    source_row      BIGINT NOT NULL,
    provider        VARCHAR NOT NULL,
    billing_account VARCHAR NOT NULL,
    billing_period  DATE NOT NULL
);
CREATE TABLE IF NOT EXISTS cbh.bronze_cur_athena (
    ingestion_id    BIGINT NOT NULL,
    source_file     VARCHAR NOT NULL,
    source_row      BIGINT NOT NULL,
    provider        VARCHAR NOT NULL,
    billing_account VARCHAR NOT NULL,
    billing_period  DATE NOT NULL
);
CREATE TABLE IF NOT EXISTS cbh.bronze_cur2 (
    ingestion_id    BIGINT NOT NULL,
    source_file     VARCHAR NOT NULL,
    source_row      BIGINT NOT NULL,
    provider        VARCHAR NOT NULL,
    billing_account VARCHAR NOT NULL,
    billing_period  DATE NOT NULL
);
CREATE TABLE IF NOT EXISTS cbh.bronze_focus (
    ingestion_id    BIGINT NOT NULL,
    source_file     VARCHAR NOT NULL,
    source_row      BIGINT NOT NULL,
    provider        VARCHAR NOT NULL,
    billing_account VARCHAR NOT NULL,
    billing_period  DATE NOT NULL
);

-- Silver: typed line items, columns named after FOCUS 1.2 (x_ marks cbh's and providers' own), whatever the
-- input format. Tags has the keys a user types (`team`); x_SourceTags keeps the provider's (`user:team`).
CREATE TABLE IF NOT EXISTS cbh.silver_line_items (
    ProviderName             VARCHAR NOT NULL,
    BillingAccountId         VARCHAR NOT NULL,
    BillingPeriodStart       TIMESTAMP NOT NULL,
    BillingPeriodEnd         TIMESTAMP,
    SubAccountId             VARCHAR,
    ChargeCategory           VARCHAR,
    ChargeClass              VARCHAR,
    ChargeDescription        VARCHAR,
    ChargePeriodStart        TIMESTAMP,
    ChargePeriodEnd          TIMESTAMP,
    ResourceId               VARCHAR,
    ServiceName              VARCHAR,
    RegionId                 VARCHAR,
    SkuId                    VARCHAR,
    ConsumedQuantity         DECIMAL(38, 18),
    ConsumedUnit             VARCHAR,
    BilledCost               DECIMAL(38, 18),
    EffectiveCost            DECIMAL(38, 18),
    ListCost                 DECIMAL(38, 18),
    ContractedCost           DECIMAL(38, 18),
    BillingCurrency          VARCHAR,
    CommitmentDiscountStatus VARCHAR,
    Tags                     MAP(VARCHAR, VARCHAR),
    x_SourceTags             MAP(VARCHAR, VARCHAR),
    x_LineItemType           VARCHAR,
    x_ServiceCode            VARCHAR,
    x_UsageType              VARCHAR,
    x_Operation              VARCHAR,
    x_Format                 VARCHAR NOT NULL,
    x_IngestionId            BIGINT NOT NULL,
    x_SourceFile             VARCHAR NOT NULL,
    x_SourceRow              BIGINT NOT NULL
);

-- Silver resource dimension: one row per (provider, billing account, resource).
CREATE TABLE IF NOT EXISTS cbh.silver_resources (
    ProviderName     VARCHAR NOT NULL,
    BillingAccountId VARCHAR NOT NULL,
    ResourceId       VARCHAR NOT NULL,
    ServiceName      VARCHAR,
    RegionId         VARCHAR,
    SubAccountId     VARCHAR,
    Tags             MAP(VARCHAR, VARCHAR),
    first_seen       TIMESTAMP,
    last_seen        TIMESTAMP,
    line_items       BIGINT NOT NULL
);

-- Gold: what each resource cost and used in a billing period, with the meters the zombie rules read. Line items
-- without a resource ID count once per (account, region). cbh_zombies() evaluates the rules of cbh.rules over this
-- table when it is called, so a rule changed or disabled applies at once. README: "Zombie rules".
CREATE TABLE IF NOT EXISTS cbh.gold_usage (
    provider                    VARCHAR NOT NULL,
    billing_account             VARCHAR NOT NULL,
    billing_period              DATE NOT NULL,
    resource_key                VARCHAR,          -- the ID normalized: an EC2 ARN's last part (nat-0abc)
    resource_id                 VARCHAR,          -- the ID as the export writes it
    account                     VARCHAR,
    region                      VARCHAR,
    service                     VARCHAR,
    usage_type                  VARCHAR,          -- the most expensive usage type
    currency                    VARCHAR,
    cost                        DECIMAL(38, 18) NOT NULL,  -- billed cost of usage line items
    effective_cost              DECIMAL(38, 18) NOT NULL,
    usage_amount                DECIMAL(38, 18) NOT NULL,
    first_charge                TIMESTAMP,
    last_charge                 TIMESTAMP,
    months_seen                 DECIMAL(38, 8) NOT NULL,   -- share of the month from first to last charge
    idle_address_hours          DECIMAL(38, 18) NOT NULL,  -- public IPv4 / Elastic IP billed as idle
    idle_address_cost           DECIMAL(38, 18) NOT NULL,
    idle_address_effective_cost DECIMAL(38, 18) NOT NULL,
    nat_gateway_hours           DECIMAL(38, 18) NOT NULL,
    nat_gateway_gb              DECIMAL(38, 18) NOT NULL,  -- data processed
    load_balancer_hours         DECIMAL(38, 18) NOT NULL,
    load_balancer_lcu           DECIMAL(38, 18) NOT NULL,  -- capacity unit-hours
    load_balancer_gb            DECIMAL(38, 18) NOT NULL,  -- data processed (Classic Load Balancer)
    vpc_endpoint_hours          DECIMAL(38, 18) NOT NULL,
    vpc_endpoint_gb             DECIMAL(38, 18) NOT NULL,
    unused_commitment           DECIMAL(38, 18) NOT NULL,  -- unused RI fees and Savings Plan commitment
    gp2_gb_months               DECIMAL(38, 18) NOT NULL,  -- EBS gp2 storage
    gp2_cost                    DECIMAL(38, 18) NOT NULL,
    io_type                     VARCHAR,                   -- io1 or io2: a Provisioned IOPS SSD volume
    io_gb_months                DECIMAL(38, 18) NOT NULL,
    io_iops_months              DECIMAL(38, 18) NOT NULL,
    io_storage_cost             DECIMAL(38, 18) NOT NULL,
    io_iops_cost                DECIMAL(38, 18) NOT NULL,
    snapshot_gb_months          DECIMAL(38, 18) NOT NULL,  -- EBS snapshots, RDS and Aurora backup storage
    snapshot_cost               DECIMAL(38, 18) NOT NULL,
    snapshot_days               BIGINT NOT NULL,           -- days of the period it was billed
    extended_support_quantity   DECIMAL(38, 18) NOT NULL,  -- RDS, Aurora, EKS, ElastiCache extended support
    extended_support_unit       VARCHAR,
    extended_support_cost       DECIMAL(38, 18) NOT NULL,
    extended_support_effective_cost DECIMAL(38, 18) NOT NULL,
    paid_events                 DECIMAL(38, 18) NOT NULL,  -- CloudTrail management events past the first copy
    paid_events_cost            DECIMAL(38, 18) NOT NULL,
    instance_type               VARCHAR,                   -- m5.large, db.r5.large, cache.t3.micro, dc2.large
    instance_context            VARCHAR,                   -- service and price description, for the bill's rates
    instance_hours              DECIMAL(38, 18) NOT NULL,  -- instance or node hours, covered or not
    on_demand_hours             DECIMAL(38, 18) NOT NULL,  -- of them, not covered by a Savings Plan or RI
    on_demand_cost              DECIMAL(38, 18) NOT NULL,
    cluster_node_hours          DECIMAL(38, 18) NOT NULL,  -- Redshift, EMR, ElastiCache, OpenSearch nodes
    s3_storage_gb_months        DECIMAL(38, 18) NOT NULL,
    s3_storage_cost             DECIMAL(38, 18) NOT NULL,
    s3_requests                 DECIMAL(38, 18) NOT NULL,  -- request lines, lifecycle transitions aside
    log_storage_gb_months       DECIMAL(38, 18) NOT NULL,  -- CloudWatch Logs storage
    log_storage_cost            DECIMAL(38, 18) NOT NULL,
    log_scanned_gb              DECIMAL(38, 18) NOT NULL   -- Logs Insights, with the account's and region's
);

-- Gold: the bill's own unit prices, per region and meter (EBS volume types, instance types in their context), from
-- on-demand usage line items: what the saving rules price an alternative at (cbh.rules sees them as `rates`).
CREATE TABLE IF NOT EXISTS cbh.gold_rates (
    provider        VARCHAR NOT NULL,
    billing_account VARCHAR NOT NULL,
    billing_period  DATE NOT NULL,
    region          VARCHAR,
    currency        VARCHAR,
    rate_key        VARCHAR NOT NULL,  -- ebs:gp3, ebs:gp3-iops, ..., instance:<type>:<context>
    rate            DECIMAL(38, 18) NOT NULL,
    quantity        DECIMAL(38, 18) NOT NULL,
    cost            DECIMAL(38, 18) NOT NULL
);

-- Gold: what each day cost, per sub account, service, region, usage type, charge category and currency, for the
-- spend anomalies. A line item counts on the day its charge period starts (UTC); one whose charge period spans more
-- than a day (a monthly export, a monthly fee) has `spans_days`, so that no day is invented from it.
CREATE TABLE IF NOT EXISTS cbh.gold_daily (
    provider        VARCHAR NOT NULL,
    billing_account VARCHAR NOT NULL,
    billing_period  DATE NOT NULL,
    day             DATE,
    spans_days      BOOLEAN NOT NULL,
    sub_account     VARCHAR,
    service         VARCHAR,
    region          VARCHAR,
    usage_type      VARCHAR,          -- x_UsageType, else the SKU, else the charge description (FOCUS)
    charge_category VARCHAR,
    currency        VARCHAR,
    billed_cost     DECIMAL(38, 18) NOT NULL,
    effective_cost  DECIMAL(38, 18) NOT NULL,
    line_items      BIGINT NOT NULL
);

-- The rules: each a predicate over cbh.gold_usage (and its `params`), with the evidence a person can act on and the
-- money at stake: waste (money for nothing) or a saving (money that could be less). cbh seeds its rules from
-- sql/rules/ (origin 'cbh'); users add, tune and disable rows.
CREATE TABLE IF NOT EXISTS cbh.rules (
    rule            VARCHAR NOT NULL,     -- one row per name: cbh seeds a rule only where its name is absent
    enabled         BOOLEAN NOT NULL DEFAULT true,
    kind            VARCHAR NOT NULL DEFAULT 'waste',  -- waste (cbh_zombies) or saving (cbh_savings)
    description     VARCHAR NOT NULL,
    predicate       VARCHAR NOT NULL,
    evidence        VARCHAR NOT NULL,
    waste           VARCHAR NOT NULL DEFAULT 'cost',
    effective_waste VARCHAR NOT NULL DEFAULT 'effective_cost',
    params          MAP(VARCHAR, DECIMAL(38, 12)) NOT NULL DEFAULT '{}',
    origin          VARCHAR NOT NULL DEFAULT 'user',
    no_metrics      VARCHAR             -- a rule that needs metrics: when it cannot tell (SQL, like predicate)
);

-- Instance families and the current family that replaces them at the same size (previous_generation): data, the
-- user's to change. `list_saving`: the share an EC2 instance saves at AWS's us-east-1 Linux on-demand list prices,
-- the estimate where the bill has no price of the successor (NULL: no estimate).
CREATE TABLE IF NOT EXISTS cbh.instance_generations (
    family      VARCHAR NOT NULL,
    successor   VARCHAR NOT NULL,
    list_saving DECIMAL(38, 18)
);

-- Findings kept out of the report (not lost: cbh_zombies(excluded := true) shows them, flagged): by resource ID
-- (bare or ARN), or by tag (any value, or one). `rule` NULL: every rule. A row with neither a resource ID nor a
-- tag key matches nothing.
CREATE TABLE IF NOT EXISTS cbh.exclusions (
    resource_id VARCHAR,
    tag_key     VARCHAR,
    tag_value   VARCHAR,
    rule        VARCHAR,
    reason      VARCHAR NOT NULL
);

-- Utilization metrics (cbh_ingest(path, kind := 'metrics')), one row per data point; a point ingested again
-- (resource, metric, statistic, time) replaces the earlier one. Values are measurements, not money: DOUBLE.
CREATE TABLE IF NOT EXISTS cbh.metrics (
    resource_key VARCHAR NOT NULL,
    resource_id  VARCHAR NOT NULL,
    metric_name  VARCHAR NOT NULL,
    statistic    VARCHAR NOT NULL,
    "timestamp"  TIMESTAMP NOT NULL,
    value        DOUBLE NOT NULL,
    unit         VARCHAR,
    ingestion_id BIGINT NOT NULL,
    source_file  VARCHAR NOT NULL,
    source_row   BIGINT NOT NULL
);

-- Metrics per resource and day (UTC), as the metric rules read them: the day's maximum CPU (the Maximum statistic
-- where given), network in + out and volume read + write operations (the Sum statistic), maximum connections.
CREATE TABLE IF NOT EXISTS cbh.metrics_daily (
    resource_key       VARCHAR NOT NULL,
    day                DATE NOT NULL,
    cpu_max            DOUBLE,
    network_bytes      DOUBLE,
    volume_ops         DOUBLE,
    db_connections_max DOUBLE,
    activity_max       DOUBLE   -- clusters: connections, commands, searches, running apps
);

-- The metrics of a resource in a billing period (calendar month), for the rules: days observed per measure, the
-- highest daily value (so "every day under a threshold" is "the highest day under it"), total volume operations.
CREATE OR REPLACE VIEW cbh.metrics_summary AS
SELECT resource_key, date_trunc('month', day)::DATE AS billing_period,
       count(cpu_max) AS cpu_days, max(cpu_max) AS cpu_max,
       count(network_bytes) AS network_days, max(network_bytes) / 1e6 AS network_max_mb,
       count(volume_ops) AS volume_days, sum(volume_ops) AS volume_ops,
       count(db_connections_max) AS db_days, max(db_connections_max) AS db_connections_max,
       count(activity_max) AS activity_days, max(activity_max) AS activity_max,
       min(day) AS first_day, max(day) AS last_day
FROM cbh.metrics_daily
GROUP BY ALL;

-- A resource ID as the rules match it: an EC2 ARN's resource part (arn:aws:ec2:...:natgateway/nat-0abc and
-- nat-0abc are one gateway), an RDS instance ARN's name (arn:aws:rds:...:db:orders and orders, CloudWatch's
-- DBInstanceIdentifier), anything else as written.
CREATE OR REPLACE MACRO cbh.resource_key(id) AS
    CASE WHEN NOT starts_with(id, 'arn:') THEN id
         WHEN regexp_matches(id, '^arn:[^:]*:ec2:[^:]*:[^:]*:[^/]+/.') THEN regexp_extract(id, '/([^/]+)$', 1)
         WHEN regexp_matches(id, '^arn:[^:]*:rds:[^:]*:[^:]*:db:.') THEN regexp_extract(id, ':db:(.+)$', 1)
         ELSE id END;

-- A resource ID as metrics name it: cbh.resource_key's, and for a cluster the name CloudWatch gives it: a Redshift or
-- ElastiCache cluster's ARN (ClusterIdentifier, CacheClusterId), an OpenSearch domain's (DomainName), an EMR
-- cluster's (JobFlowId, j-...).
CREATE OR REPLACE MACRO cbh.metric_key(id) AS
    CASE WHEN regexp_matches(id, '^arn:[^:]*:(redshift|elasticache):[^:]*:[^:]*:cluster:.')
             THEN regexp_extract(id, ':cluster:(.+)$', 1)
         WHEN regexp_matches(id, '^arn:[^:]*:(es|elasticmapreduce):[^:]*:[^:]*:(domain|cluster)/.')
             THEN regexp_extract(id, '/([^/]+)$', 1)
         ELSE cbh.resource_key(id) END;

-- A metrics timestamp as UTC: ISO 8601 with or without a zone (2024-09-01T13:00:00Z, 2024-09-01 13:00:00+02:00).
CREATE OR REPLACE MACRO cbh.metric_time(ts) AS
    CASE WHEN regexp_matches(ts, '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$') THEN timezone('UTC', try_cast(ts AS TIMESTAMPTZ))
         ELSE try_cast(ts AS TIMESTAMP) END;

-- A tag's value from a Tags map, the key matched as users type it: case and `:`/`_` do not matter (cbh:keep,
-- CBH_KEEP).
CREATE OR REPLACE MACRO cbh.tag(tags, tag_key) AS
    list_extract(list_filter(map_entries(tags),
                             lambda cbh_entry: regexp_replace(lower(cbh_entry.key), '[^a-z0-9]', '_', 'g')
                                               = regexp_replace(lower(tag_key), '[^a-z0-9]', '_', 'g')), 1).value;

-- A quantity for evidence text: at most 3 decimals, no trailing zeros (720, 0.047); a unit price: at most 8 (0.0952).
CREATE OR REPLACE MACRO cbh.num(x) AS
    rtrim(rtrim(round(x, 3)::DECIMAL(38, 3)::VARCHAR, '0'), '.');
CREATE OR REPLACE MACRO cbh.price(x) AS
    rtrim(rtrim(round(x, 8)::DECIMAL(38, 8)::VARCHAR, '0'), '.');

-- `amount` spent over the charges seen from `first_charge` to `last_charge` (at least an hour), projected to the
-- whole calendar month of `period` at the same rate: exact integer arithmetic in millionths, rounded half up.
CREATE OR REPLACE MACRO cbh.monthly(amount, period, first_charge, last_charge) AS
    ((round(amount * 1000000)::HUGEINT * date_diff('second', period, period + INTERVAL 1 MONTH)
      + cbh.seen_seconds(period, first_charge, last_charge) // 2)
     // cbh.seen_seconds(period, first_charge, last_charge))::DECIMAL(38, 0) * 0.000001::DECIMAL(38, 6);
CREATE OR REPLACE MACRO cbh.seen_seconds(period, first_charge, last_charge) AS
    least(date_diff('second', period, period + INTERVAL 1 MONTH),
          greatest(3600, coalesce(date_diff('second', first_charge::TIMESTAMP, last_charge::TIMESTAMP), 0)))::HUGEINT;

-- Exact decimal arithmetic for the rules (DuckDB divides decimals as DOUBLE, and multiplies two DECIMAL(38, 18) at
-- scale 36). cbh.units: a money amount or quantity as an integer of its 18 decimal places. cbh.ratio: a / b (a at
-- least 0, b more than 0, else NULL) to 8 places by long division, the last rounded half up; past 10^11, b and a
-- count in units of 10^-8 so that nothing overflows, and a quotient past 10^30 is NULL. cbh.mul: a * b as DECIMAL(38,
-- 18) with b to 8 places (a rate or a share), exactly while |a| < 10^9 and |b| < 1000, else with a to 10 places.
-- Each takes its arguments once (a lambda binds them), so that a rule's SQL stays small to plan.
CREATE OR REPLACE MACRO cbh.units(x) AS replace(x::DECIMAL(38, 18)::VARCHAR, '.', '')::HUGEINT;
CREATE OR REPLACE MACRO cbh.ratio(a, b) AS
    list_transform([{'n': cbh.units(a), 'd': cbh.units(b),
                     's': CASE WHEN abs(b) >= 100000000000 THEN 10000000000::HUGEINT ELSE 1::HUGEINT END}],
        lambda x: list_transform([{'n': x.n // x.s, 'd': x.d // x.s}],
            lambda y: CASE WHEN y.d > 0 AND y.n >= 0 AND y.n // y.d < 1000000000000000000000000000000::HUGEINT
                           THEN (y.n // y.d)::DECIMAL(38, 0)::DECIMAL(38, 8)
                                + ((y.n % y.d * 100000000 // y.d)
                                   + (2 * (y.n % y.d * 100000000 % y.d) >= y.d)::INTEGER)::DECIMAL(38, 0)
                                  * 0.00000001::DECIMAL(38, 8) END)[1])[1];
CREATE OR REPLACE MACRO cbh.mul(a, b) AS
    list_transform([{'a': a::DECIMAL(38, 18), 'b': b::DECIMAL(38, 8)}],
        lambda x: CASE WHEN abs(x.a) < 1000000000 AND abs(x.b) < 1000 THEN (x.a * x.b)::DECIMAL(38, 18)
                       ELSE (x.a::DECIMAL(38, 10) * x.b)::DECIMAL(38, 18) END)[1];

-- The share of the month of `period` from `first_charge` to `last_charge` (at least an hour), to 8 places: 1 for a
-- resource billed all month.
CREATE OR REPLACE MACRO cbh.months_seen(period, first_charge, last_charge) AS
    cbh.ratio(cbh.seen_seconds(period, first_charge, last_charge)::DECIMAL(38, 0),
              date_diff('second', period, period + INTERVAL 1 MONTH)::DECIMAL(38, 0));

-- An instance type's family (m4.large, db.m4.large, cache.m4.large, m4.large.search: m4), and the type of the same
-- size in the family `successor` (db.m4.large, m5: db.m5.large).
CREATE OR REPLACE MACRO cbh.instance_family(instance_type) AS
    nullif(regexp_extract(instance_type, '^(?:db\.|cache\.)?([a-z][a-z0-9-]*)\.', 1), '');
CREATE OR REPLACE MACRO cbh.successor_type(instance_type, successor) AS
    regexp_replace(instance_type, '^((?:db\.|cache\.)?)[a-z][a-z0-9-]*\.', '\1' || successor || '.');

INSERT INTO cbh.meta (schema_version, warehouse_id) SELECT 7, uuid()::VARCHAR WHERE NOT EXISTS (SELECT 1 FROM cbh.meta);
