-- stale_periods.sql: keys whose Silver was built by another Silver version ($1) than this cbh's.
SELECT provider, billing_account, billing_period::VARCHAR FROM cbh.periods WHERE silver_version <> $1 ORDER BY ALL;
