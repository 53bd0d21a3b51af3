-- anomalies_history_join.sql: a fragment, not a statement, of report_anomalies.sql (its parameters): per day and
-- value of `filled`, its cost and the statistics of the trailing $1 days before it: median, robust deviation and
-- count of all of them (a_) and of those of the same weekday (w_), and the medians of their recent and older halves
-- (r_, o_). Each day is joined to its history and aggregated in one pass (window frames took ten times as long);
-- only the days judged (judged_days).
SELECT f.day, f.currency, f.value, any_value(f.cost) AS cost,
       median(h.cost) AS a_expected, (1.4826 * mad(h.cost))::DECIMAL(38, 18) AS a_deviation, count(*) AS a_days,
       median(h.cost) FILTER (WHERE dayofweek(h.day) = dayofweek(f.day)) AS w_expected,
       (1.4826 * mad(h.cost) FILTER (WHERE dayofweek(h.day) = dayofweek(f.day)))::DECIMAL(38, 18) AS w_deviation,
       count(*) FILTER (WHERE dayofweek(h.day) = dayofweek(f.day)) AS w_days,
       median(h.cost) FILTER (WHERE h.day >= f.day - $1::INTEGER // 2) AS r_median,
       median(h.cost) FILTER (WHERE h.day < f.day - $1::INTEGER // 2) AS o_median
FROM filled f
JOIN filled h
  ON h.currency IS NOT DISTINCT FROM f.currency AND h.value IS NOT DISTINCT FROM f.value
 AND h.day BETWEEN f.day - $1::INTEGER AND f.day - 1
WHERE f.day BETWEEN (SELECT first FROM judged_days) AND (SELECT last FROM judged_days)
GROUP BY f.day, f.currency, f.value
