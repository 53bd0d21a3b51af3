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
    unused_commitment           DECIMAL(38, 18) NOT NULL   -- unused RI fees and Savings Plan commitment
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

-- The zombie rules: each a predicate over cbh.gold_usage (and its `params`), with the evidence a person can act on
-- and the money at stake. cbh seeds its rules from sql/rules/ (origin 'cbh'); users add, tune and disable rows.
CREATE TABLE IF NOT EXISTS cbh.rules (
    rule            VARCHAR NOT NULL,     -- one row per name: cbh seeds a rule only where its name is absent
    enabled         BOOLEAN NOT NULL DEFAULT true,
    description     VARCHAR NOT NULL,
    predicate       VARCHAR NOT NULL,
    evidence        VARCHAR NOT NULL,
    waste           VARCHAR NOT NULL DEFAULT 'cost',
    effective_waste VARCHAR NOT NULL DEFAULT 'effective_cost',
    params          MAP(VARCHAR, DECIMAL(38, 12)) NOT NULL DEFAULT '{}',
    origin          VARCHAR NOT NULL DEFAULT 'user',
    no_metrics      VARCHAR             -- a rule that needs metrics: when it cannot tell (SQL, like predicate)
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
    db_connections_max DOUBLE
);

-- The metrics of a resource in a billing period (calendar month), for the rules: days observed per measure, the
-- highest daily value (so "every day under a threshold" is "the highest day under it"), total volume operations.
CREATE OR REPLACE VIEW cbh.metrics_summary AS
SELECT resource_key, date_trunc('month', day)::DATE AS billing_period,
       count(cpu_max) AS cpu_days, max(cpu_max) AS cpu_max,
       count(network_bytes) AS network_days, max(network_bytes) / 1e6 AS network_max_mb,
       count(volume_ops) AS volume_days, sum(volume_ops) AS volume_ops,
       count(db_connections_max) AS db_days, max(db_connections_max) AS db_connections_max,
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

-- A quantity for evidence text: at most 3 decimals, no trailing zeros (720, 0.047).
CREATE OR REPLACE MACRO cbh.num(x) AS
    rtrim(rtrim(round(x, 3)::DECIMAL(38, 3)::VARCHAR, '0'), '.');

-- `amount` spent over the charges seen from `first_charge` to `last_charge` (at least an hour), projected to the
-- whole calendar month of `period` at the same rate: exact integer arithmetic in millionths, rounded half up.
CREATE OR REPLACE MACRO cbh.monthly(amount, period, first_charge, last_charge) AS
    ((round(amount * 1000000)::HUGEINT * date_diff('second', period, period + INTERVAL 1 MONTH)
      + cbh.seen_seconds(period, first_charge, last_charge) // 2)
     // cbh.seen_seconds(period, first_charge, last_charge))::DECIMAL(38, 0) * 0.000001::DECIMAL(38, 6);
CREATE OR REPLACE MACRO cbh.seen_seconds(period, first_charge, last_charge) AS
    least(date_diff('second', period, period + INTERVAL 1 MONTH),
          greatest(3600, coalesce(date_diff('second', first_charge::TIMESTAMP, last_charge::TIMESTAMP), 0)))::HUGEINT;

INSERT INTO cbh.meta (schema_version, warehouse_id) SELECT 6, uuid()::VARCHAR WHERE NOT EXISTS (SELECT 1 FROM cbh.meta);
