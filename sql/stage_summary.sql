-- stage_summary.sql: rows, billing periods and payer accounts of a staged file.
SELECT count(*) AS rows,
       count(DISTINCT try_cast("bill/BillingPeriodStartDate" AS TIMESTAMP)::DATE) AS periods,
       string_agg(DISTINCT try_cast("bill/BillingPeriodStartDate" AS TIMESTAMP)::DATE::VARCHAR, ', '
                  ORDER BY try_cast("bill/BillingPeriodStartDate" AS TIMESTAMP)::DATE::VARCHAR) AS period_list,
       min(try_cast("bill/BillingPeriodStartDate" AS TIMESTAMP)::DATE)::VARCHAR AS billing_period,
       count(DISTINCT "bill/PayerAccountId") AS payers,
       string_agg(DISTINCT "bill/PayerAccountId", ', ' ORDER BY "bill/PayerAccountId") AS payer_list,
       min("bill/PayerAccountId") AS payer_account
FROM {stage};
