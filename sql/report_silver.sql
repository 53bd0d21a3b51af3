-- report_silver.sql: cbh_silver's output, one row per (payer account, billing period); `rebuilt` marks the periods
-- this call rebuilt (updated at or after $1, microseconds since the epoch).
SELECT billing_period, payer_account, line_items, resources, total_cost, currency, files, ingestion_id,
       updated_at >= make_timestamp($1::BIGINT) AS rebuilt, updated_at
FROM cbh.periods
ORDER BY billing_period, payer_account;
