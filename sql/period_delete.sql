-- period_delete.sql: removes a (payer account, billing period) from every layer, before its newer delivery lands.
DELETE FROM cbh.bronze_cur WHERE payer_account = $1 AND billing_period = $2::DATE;
DELETE FROM cbh.silver_line_items WHERE BillingAccountId = $1 AND BillingPeriodStart::DATE = $2::DATE;
DELETE FROM cbh.gold_zombies WHERE payer_account = $1 AND billing_period = $2::DATE;
DELETE FROM cbh.periods WHERE payer_account = $1 AND billing_period = $2::DATE;
