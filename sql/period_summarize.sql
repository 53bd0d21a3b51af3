-- period_summarize.sql: records one (provider $1, billing account $2, billing period $3) as present, with its
-- Bronze lineage and Silver summary: totals per currency (never added across currencies), and in billed_cost and
-- effective_cost where there is one. $4 is the Silver version the rows were built with, $5 the time (microseconds
-- since the epoch, UTC). The period's row is replaced (MERGE: the warehouse has no key constraint).
MERGE INTO cbh.periods USING (
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
),
-- One pass over Silver: per currency, and (GROUPING 1) the whole period, which has a row even when empty.
totals AS (
    SELECT GROUPING(BillingCurrency) = 1 AS whole, BillingCurrency AS currency, count(*) AS line_items,
           count(DISTINCT ResourceId) AS resources, coalesce(sum(BilledCost), 0) AS billed_cost,
           coalesce(sum(EffectiveCost), 0) AS effective_cost
    FROM cbh.silver_line_items
    WHERE ProviderName = $1 AND BillingAccountId = $2 AND BillingPeriodStart::DATE = $3::DATE
    GROUP BY GROUPING SETS ((BillingCurrency), ())
),
currencies AS (
    SELECT list({'currency': currency, 'line_items': line_items, 'billed_cost': billed_cost,
                 'effective_cost': effective_cost} ORDER BY currency NULLS FIRST) AS by_currency,
           string_agg(currency, ',' ORDER BY currency) AS currency, count(*) AS n
    FROM totals
    WHERE NOT whole
)
SELECT $1 AS provider, $2 AS billing_account, $3::DATE AS billing_period, lineage.format, lineage.ingestion_id,
       lineage.files, lineage.bronze_rows, t.line_items, t.resources,
       CASE WHEN c.n <= 1 THEN t.billed_cost END AS billed_cost,
       CASE WHEN c.n <= 1 THEN t.effective_cost END AS effective_cost, c.currency,
       $4::INTEGER AS silver_version, make_timestamp($5::BIGINT) AS updated_at,
       coalesce(c.by_currency,
                [{'currency': NULL::VARCHAR, 'line_items': 0::BIGINT, 'billed_cost': 0::DECIMAL(38, 18),
                  'effective_cost': 0::DECIMAL(38, 18)}]) AS by_currency
FROM lineage, (SELECT * FROM totals WHERE whole) t, currencies c
) AS summary
ON cbh.periods.provider = summary.provider AND cbh.periods.billing_account = summary.billing_account
   AND cbh.periods.billing_period = summary.billing_period
WHEN MATCHED THEN UPDATE BY NAME
WHEN NOT MATCHED THEN INSERT BY NAME;
