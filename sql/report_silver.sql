-- report_silver.sql: cbh_silver's output, one row per (provider, billing account, billing period) and currency:
-- money of two currencies is never added. `rebuilt` marks the periods this call rebuilt (updated at or after $1,
-- microseconds since the epoch).
SELECT p.billing_period, p.provider, p.billing_account, p.format, u.c.line_items, p.resources, u.c.billed_cost,
       u.c.effective_cost, u.c.currency, p.files, p.ingestion_id, p.updated_at >= make_timestamp($1::BIGINT) AS rebuilt,
       p.updated_at
FROM cbh.periods p, unnest(p.by_currency) AS u(c)
ORDER BY p.billing_period, p.provider, p.billing_account, u.c.currency NULLS FIRST;
