-- stage_keys.sql: the deliveries a staged file covers: (provider, billing account, billing period) and rows each.
-- {provider}, {account} and {period} are the format's expressions; rows where one is missing count under NULL.
SELECT provider, billing_account, billing_period::VARCHAR, count(*)
FROM (SELECT {provider} AS provider, {account} AS billing_account, {period} AS billing_period FROM {stage})
GROUP BY ALL
ORDER BY ALL;
