-- ledger_insert.sql: records one ingestion attempt of one file. $5 format; $6 the delivery keys the file covers, a
-- list of structs (provider, billing_account, billing_period: each value bound as it is); provider, billing
-- account and billing period are filled when the file covers one of each; $14 a note (what a replacement replaced).
-- Times are microseconds since the epoch. The id is one more than the largest so far (the writer is single).
INSERT INTO cbh.ledger BY NAME
WITH k AS (
    SELECT $6::STRUCT(provider VARCHAR, billing_account VARCHAR, billing_period DATE)[] AS deliveries
)
SELECT (SELECT coalesce(max(ledger_id), 0) + 1 FROM cbh.ledger) AS ledger_id, $1::BIGINT AS ingestion_id, $2::VARCHAR AS file, $3::BIGINT AS size,
       make_timestamp($4::BIGINT) AS last_modified, $7::VARCHAR AS sha256, $5::VARCHAR AS format,
       CASE WHEN len(list_distinct(list_transform(deliveries, lambda d: d.provider))) = 1
            THEN deliveries[1].provider END AS provider,
       CASE WHEN len(list_distinct(list_transform(deliveries, lambda d: d.billing_account))) = 1
            THEN deliveries[1].billing_account END AS billing_account,
       CASE WHEN len(list_distinct(list_transform(deliveries, lambda d: d.billing_period))) = 1
            THEN deliveries[1].billing_period END AS billing_period,
       $8::BIGINT AS rows, $9::VARCHAR AS status, $10::VARCHAR AS error, $11::VARCHAR AS manifest,
       deliveries, make_timestamp($12::BIGINT) AS started_at, make_timestamp($13::BIGINT) AS finished_at,
       $14::VARCHAR AS note
FROM k;
