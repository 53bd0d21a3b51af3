-- check_period.sql: which billing period cbh_check can judge: how many billing periods the warehouse holds, whether
-- it holds $1 (the first day of a month; NULL for the latest, held whenever there is one), and the latest six
-- periods ('YYYY-MM', newest first), for the message when it does not.
SELECT count(DISTINCT billing_period),
       $1::DATE IS NULL OR count(*) FILTER (WHERE billing_period = $1::DATE) > 0,
       (SELECT string_agg(strftime(p, '%Y-%m'), ', ' ORDER BY p DESC)
        FROM (SELECT DISTINCT billing_period AS p FROM cbh.periods ORDER BY p DESC LIMIT 6))
FROM cbh.periods;
