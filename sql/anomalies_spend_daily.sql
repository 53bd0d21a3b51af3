-- anomalies_spend_daily.sql: a fragment, not a statement: the usage spend cbh_anomalies judges, from Gold's daily
-- spend, per day, currency, billing account, value of the dimension ({value}: a column of cbh.gold_daily), usage
-- type and region; {cost} is billed_cost or effective_cost. Line items spanning more than a day tell no day.
SELECT day, currency, provider, billing_account, {value} AS value, usage_type, region, {cost} AS cost
FROM cbh.gold_daily
WHERE NOT spans_days AND charge_category = 'Usage' AND day IS NOT NULL
