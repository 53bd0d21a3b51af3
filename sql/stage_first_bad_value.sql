-- stage_first_bad_value.sql: the first record of a staged file holding a value cbh cannot type exactly: its rowid
-- and the column. Money must fit DECIMAL(38,12) exactly (at most 12 decimal places, counting an exponent:
-- 1.5E-13 has 14), quantities DECIMAL(38,18) exactly, times must be ISO timestamps, and the billing period and
-- payer account present. Numbers are plain or exponent notation; nothing else (no 1_000, no NaN).
WITH v AS (
    SELECT rowid,
           trim("bill/PayerAccountId") AS payer,
           trim("bill/BillingPeriodStartDate") AS period,
           trim("lineItem/UnblendedCost") AS cost,
           trim("lineItem/UsageAmount") AS usage,
           trim("lineItem/UsageStartDate") AS start_at,
           trim("lineItem/UsageEndDate") AS end_at
    FROM {stage}
),
numbers AS (
    SELECT *,
           regexp_full_match(cost, '[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?') AS cost_is_number,
           length(rtrim(regexp_extract(cost, '^[+-]?[0-9]*\.?([0-9]*)', 1), '0'))
               - coalesce(try_cast(nullif(regexp_extract(cost, '[eE]([+-]?[0-9]+)$', 1), '') AS INTEGER), 0)
               AS cost_decimals,
           regexp_full_match(usage, '[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?') AS usage_is_number,
           length(rtrim(regexp_extract(usage, '^[+-]?[0-9]*\.?([0-9]*)', 1), '0'))
               - coalesce(try_cast(nullif(regexp_extract(usage, '[eE]([+-]?[0-9]+)$', 1), '') AS INTEGER), 0)
               AS usage_decimals
    FROM v
),
checked AS (
    SELECT rowid,
        CASE
            WHEN nullif(payer, '') IS NULL THEN 'bill/PayerAccountId'
            WHEN try_cast(period AS TIMESTAMP) IS NULL THEN 'bill/BillingPeriodStartDate'
            WHEN nullif(cost, '') IS NOT NULL
                 AND NOT (cost_is_number AND cost_decimals <= 12 AND try_cast(cost AS DECIMAL(38, 12)) IS NOT NULL)
                 THEN 'lineItem/UnblendedCost'
            WHEN nullif(usage, '') IS NOT NULL
                 AND NOT (usage_is_number AND usage_decimals <= 18 AND try_cast(usage AS DECIMAL(38, 18)) IS NOT NULL)
                 THEN 'lineItem/UsageAmount'
            WHEN nullif(start_at, '') IS NOT NULL AND try_cast(start_at AS TIMESTAMP) IS NULL
                 THEN 'lineItem/UsageStartDate'
            WHEN nullif(end_at, '') IS NOT NULL AND try_cast(end_at AS TIMESTAMP) IS NULL
                 THEN 'lineItem/UsageEndDate'
        END AS bad_column
    FROM numbers
)
SELECT rowid, bad_column FROM checked WHERE bad_column IS NOT NULL ORDER BY rowid LIMIT 1;
