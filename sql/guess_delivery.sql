-- guess_delivery.sql: for a file the strict reader refused, the (payer account, billing period) it belongs to, read
-- leniently (bad lines skipped), so that the rest of its delivery does not land without it.
SELECT count(DISTINCT payer), min(payer), count(DISTINCT period), min(period)
FROM (
    SELECT trim("bill/PayerAccountId") AS payer,
           try_cast("bill/BillingPeriodStartDate" AS TIMESTAMP)::DATE::VARCHAR AS period
    FROM read_csv($1, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
                  strict_mode = false, ignore_errors = true, null_padding = true)
)
WHERE nullif(payer, '') IS NOT NULL AND period IS NOT NULL;
