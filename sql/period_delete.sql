-- period_delete.sql: removes a (provider $1, billing account $2, billing period $3) from Silver, Gold and the
-- periods, before its newer delivery lands; Bronze follows (bronze_delete.sql).
DELETE FROM cbh.silver_line_items
WHERE ProviderName = $1 AND BillingAccountId = $2 AND BillingPeriodStart::DATE = $3::DATE;
DELETE FROM cbh.gold_usage WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE;
DELETE FROM cbh.gold_daily WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE;
DELETE FROM cbh.periods WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE;
