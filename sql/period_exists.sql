-- period_exists.sql: whether a (provider, billing account, billing period) is already in the warehouse.
SELECT count(*) > 0 FROM cbh.periods WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE;
