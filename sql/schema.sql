-- schema.sql: the warehouse, created on first ingest in its own schema of the database the user opened.
-- Every statement is idempotent. Bronze gains one VARCHAR column per new source column as files arrive.
CREATE SCHEMA IF NOT EXISTS cbh;

CREATE SEQUENCE IF NOT EXISTS cbh.ingestion_seq;
CREATE SEQUENCE IF NOT EXISTS cbh.ledger_seq;

-- Every ingestion attempt, one row per input file.
CREATE TABLE IF NOT EXISTS cbh.ledger (
    ledger_id      BIGINT PRIMARY KEY,
    ingestion_id   BIGINT NOT NULL,
    file           VARCHAR NOT NULL,
    size           BIGINT,
    last_modified  TIMESTAMP,
    sha256         VARCHAR,
    billing_period DATE,
    payer_account  VARCHAR,
    rows           BIGINT,
    status         VARCHAR NOT NULL,
    error          VARCHAR,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP NOT NULL
);

-- One row per (payer account, billing period) present: which delivery is live and its Silver summary.
CREATE TABLE IF NOT EXISTS cbh.periods (
    payer_account  VARCHAR NOT NULL,
    billing_period DATE NOT NULL,
    ingestion_id   BIGINT NOT NULL,
    files          BIGINT NOT NULL,
    bronze_rows    BIGINT NOT NULL,
    line_items     BIGINT NOT NULL,
    resources      BIGINT NOT NULL,
    total_cost     DECIMAL(38, 12),
    currency       VARCHAR,
    silver_version INTEGER NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (payer_account, billing_period)
);

-- Bronze: every source column exactly as received (text), with lineage.
CREATE TABLE IF NOT EXISTS cbh.bronze_cur (
    ingestion_id   BIGINT NOT NULL,
    source_file    VARCHAR NOT NULL,
    source_row     BIGINT NOT NULL,
    payer_account  VARCHAR NOT NULL,
    billing_period DATE NOT NULL
);

-- Silver: typed line items, columns named after FOCUS 1.2 (x_ marks cbh's and AWS's own).
CREATE TABLE IF NOT EXISTS cbh.silver_line_items (
    BillingAccountId   VARCHAR NOT NULL,
    BillingPeriodStart TIMESTAMP NOT NULL,
    BillingPeriodEnd   TIMESTAMP,
    SubAccountId       VARCHAR,
    ChargeCategory     VARCHAR,
    ChargeDescription  VARCHAR,
    ChargePeriodStart  TIMESTAMP,
    ChargePeriodEnd    TIMESTAMP,
    ResourceId         VARCHAR,
    ServiceName        VARCHAR,
    RegionId           VARCHAR,
    ConsumedQuantity   DECIMAL(38, 18),
    ConsumedUnit       VARCHAR,
    BilledCost         DECIMAL(38, 12),
    BillingCurrency    VARCHAR,
    Tags               MAP(VARCHAR, VARCHAR),
    x_LineItemType     VARCHAR,
    x_ServiceCode      VARCHAR,
    x_UsageType        VARCHAR,
    x_Operation        VARCHAR,
    x_IngestionId      BIGINT NOT NULL,
    x_SourceFile       VARCHAR NOT NULL,
    x_SourceRow        BIGINT NOT NULL
);

-- Silver resource dimension: one row per (billing account, resource).
CREATE TABLE IF NOT EXISTS cbh.silver_resources (
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
    billing_period DATE NOT NULL,
    payer_account  VARCHAR NOT NULL,
    resource_id    VARCHAR NOT NULL,
    rule           VARCHAR NOT NULL,
    cost           DECIMAL(38, 12) NOT NULL,
    usage_amount   DECIMAL(38, 18) NOT NULL,
    service        VARCHAR,
    usage_type     VARCHAR,
    region         VARCHAR,
    account        VARCHAR
);
