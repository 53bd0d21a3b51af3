-- period_summarize.sql: records one (provider $1, billing account $2, billing period $3) as present, with its
-- Bronze lineage and Silver summary. $4 is the Silver version the rows were built with, $5 the time (microseconds
-- since the epoch, UTC).
INSERT OR REPLACE INTO cbh.periods
WITH bronze AS (
    SELECT 'cur' AS format, ingestion_id, source_file FROM cbh.bronze_cur
    WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE
    UNION ALL
    SELECT 'cur_athena', ingestion_id, source_file FROM cbh.bronze_cur_athena
    WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE
    UNION ALL
    SELECT 'cur2', ingestion_id, source_file FROM cbh.bronze_cur2
    WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE
    UNION ALL
    SELECT 'focus', ingestion_id, source_file FROM cbh.bronze_focus
    WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE
),
lineage AS (
    SELECT string_agg(DISTINCT format, ',' ORDER BY format) AS format, max(ingestion_id) AS ingestion_id,
           count(DISTINCT source_file) AS files, count(*) AS bronze_rows
    FROM bronze
)
SELECT $1, $2, $3::DATE, lineage.format, lineage.ingestion_id, lineage.files, lineage.bronze_rows,
       count(s.x_SourceRow), count(DISTINCT s.ResourceId), coalesce(sum(s.BilledCost), 0),
       coalesce(sum(s.EffectiveCost), 0), string_agg(DISTINCT s.BillingCurrency, ',' ORDER BY s.BillingCurrency),
       $4::INTEGER, make_timestamp($5::BIGINT)
FROM lineage
LEFT JOIN cbh.silver_line_items s
       ON s.ProviderName = $1 AND s.BillingAccountId = $2 AND s.BillingPeriodStart::DATE = $3::DATE
GROUP BY ALL;
