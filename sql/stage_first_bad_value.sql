-- stage_first_bad_value.sql: the first record of a staged file holding a value cbh cannot type: its rowid, the
-- column, the value and why. Money must fit DECIMAL(38,12) exactly (at most 12 decimal places), quantities
-- DECIMAL(38,18), times must be ISO timestamps, and the billing period and payer account must be present.
WITH checked AS (
    SELECT rowid,
        CASE
            WHEN nullif(trim("bill/PayerAccountId"), '') IS NULL THEN 'bill/PayerAccountId'
            WHEN try_cast("bill/BillingPeriodStartDate" AS TIMESTAMP) IS NULL THEN 'bill/BillingPeriodStartDate'
            WHEN nullif(trim("lineItem/UnblendedCost"), '') IS NOT NULL
                 AND (try_cast("lineItem/UnblendedCost" AS DECIMAL(38, 12)) IS NULL
                      OR length(rtrim(regexp_extract(trim("lineItem/UnblendedCost"), '\.([0-9]*)$', 1), '0')) > 12)
                 THEN 'lineItem/UnblendedCost'
            WHEN nullif(trim("lineItem/UsageAmount"), '') IS NOT NULL
                 AND try_cast("lineItem/UsageAmount" AS DECIMAL(38, 18)) IS NULL THEN 'lineItem/UsageAmount'
            WHEN nullif(trim("lineItem/UsageStartDate"), '') IS NOT NULL
                 AND try_cast("lineItem/UsageStartDate" AS TIMESTAMP) IS NULL THEN 'lineItem/UsageStartDate'
            WHEN nullif(trim("lineItem/UsageEndDate"), '') IS NOT NULL
                 AND try_cast("lineItem/UsageEndDate" AS TIMESTAMP) IS NULL THEN 'lineItem/UsageEndDate'
        END AS bad_column
    FROM {stage}
)
SELECT rowid, bad_column FROM checked WHERE bad_column IS NOT NULL ORDER BY rowid LIMIT 1;
