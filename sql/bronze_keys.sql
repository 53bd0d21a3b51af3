-- bronze_keys.sql: every delivery key Bronze holds, to rebuild Silver and Gold from it.
SELECT DISTINCT provider, billing_account, billing_period::VARCHAR FROM cbh.bronze_cur
UNION SELECT DISTINCT provider, billing_account, billing_period::VARCHAR FROM cbh.bronze_cur_athena
UNION SELECT DISTINCT provider, billing_account, billing_period::VARCHAR FROM cbh.bronze_cur2
UNION SELECT DISTINCT provider, billing_account, billing_period::VARCHAR FROM cbh.bronze_focus
ORDER BY ALL;
