-- period_summarize.sql: records one (payer account $1, billing period $2) as present, with its Silver summary.
-- $3 is the Silver version the rows were built with, $4 the time (microseconds since the epoch, UTC).
INSERT OR REPLACE INTO cbh.periods
SELECT $1, $2::DATE,
       (SELECT max(ingestion_id) FROM cbh.bronze_cur WHERE payer_account = $1 AND billing_period = $2::DATE),
       (SELECT count(DISTINCT source_file) FROM cbh.bronze_cur WHERE payer_account = $1 AND billing_period = $2::DATE),
       (SELECT count(*) FROM cbh.bronze_cur WHERE payer_account = $1 AND billing_period = $2::DATE),
       count(*),
       count(DISTINCT ResourceId),
       coalesce(sum(BilledCost), 0),
       string_agg(DISTINCT BillingCurrency, ',' ORDER BY BillingCurrency),
       $3::INTEGER,
       make_timestamp($4::BIGINT)
FROM cbh.silver_line_items
WHERE BillingAccountId = $1 AND BillingPeriodStart::DATE = $2::DATE;
