-- schema.sql: the warehouse, created on first ingest in its own schema of the database the user opened.
-- Every statement is idempotent. Bronze has one table per input format; each gains one VARCHAR column per new
-- source column as files arrive. A delivery is keyed by (provider, billing account, billing period).
CREATE SCHEMA IF NOT EXISTS cbh;

CREATE SEQUENCE IF NOT EXISTS cbh.ingestion_seq;
CREATE SEQUENCE IF NOT EXISTS cbh.ledger_seq;

-- The warehouse's layout version (cbh migrates older layouts on first use).
CREATE TABLE IF NOT EXISTS cbh.meta (
    schema_version INTEGER NOT NULL
);

-- Every ingestion attempt, one row per input file (manifests included). billing_period, provider and
-- billing_account are set when the file covers exactly one of each; `deliveries` lists every key it covers.
CREATE TABLE IF NOT EXISTS cbh.ledger (
    ledger_id       BIGINT PRIMARY KEY,
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
    deliveries      STRUCT(provider VARCHAR, billing_account VARCHAR, billing_period DATE)[],
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP NOT NULL
);

-- One row per (provider, billing account, billing period) present: which delivery is live and its summary.
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
    billed_cost     DECIMAL(38, 12),
    effective_cost  DECIMAL(38, 12),
    currency        VARCHAR,
    silver_version  INTEGER NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (provider, billing_account, billing_period)
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
    BilledCost               DECIMAL(38, 12),
    EffectiveCost            DECIMAL(38, 12),
    ListCost                 DECIMAL(38, 12),
    ContractedCost           DECIMAL(38, 12),
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

-- Gold: resources flagged as zombies, one row per (billing period, resource, rule).
CREATE TABLE IF NOT EXISTS cbh.gold_zombies (
    provider        VARCHAR NOT NULL,
    billing_account VARCHAR NOT NULL,
    billing_period  DATE NOT NULL,
    resource_id     VARCHAR NOT NULL,
    rule            VARCHAR NOT NULL,
    cost            DECIMAL(38, 12) NOT NULL,
    effective_cost  DECIMAL(38, 12) NOT NULL,
    usage_amount    DECIMAL(38, 18) NOT NULL,
    service         VARCHAR,
    usage_type      VARCHAR,
    region          VARCHAR,
    account         VARCHAR
);

INSERT INTO cbh.meta SELECT 2 WHERE NOT EXISTS (SELECT 1 FROM cbh.meta);
