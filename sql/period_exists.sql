-- period_exists.sql: whether a (payer account, billing period) is already in the warehouse.
SELECT count(*) > 0 FROM cbh.periods WHERE payer_account = $1 AND billing_period = $2::DATE;
