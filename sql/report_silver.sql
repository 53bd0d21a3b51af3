-- report_silver.sql: cbh_silver's output, one row per (provider, billing account, billing period); `rebuilt` marks
-- the periods this call rebuilt (updated at or after $1, microseconds since the epoch).
SELECT billing_period, provider, billing_account, format, line_items, resources, billed_cost, effective_cost,
       currency, files, ingestion_id, updated_at >= make_timestamp($1::BIGINT) AS rebuilt, updated_at
FROM cbh.periods
ORDER BY billing_period, provider, billing_account;
