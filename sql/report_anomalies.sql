-- report_anomalies.sql: a fragment, not a statement (check_anomalies.sql reads it too): cbh_anomalies' output: the days whose usage spend of one value of a dimension ({value}: a
-- column of cbh.gold_daily) left its expected band, from Gold's daily spend. Only usage counts (purchases and
-- credits neither fake nor hide a spike); a line item spanning more than a day counts on no day. Each day is held
-- against the trailing $1 days before it (days without spend count as 0; with $9, only those of the same weekday):
-- expected is their median, the band expected ± $3 robust deviations (1.4826 × their median absolute deviation). A
-- day is an anomaly when the warehouse has at least $2 days before it, is outside the band ($6 'up': above it only), its impact is at least $4 in money and,
-- where something was expected, at least $5 of it. Consecutive anomalous days of one value are one episode. The
-- last day each delivery has is `provisional`: a real CUR's last day is incomplete. $7 and $8 bound the days shown
-- (NULL: all); with $10, every day judged is shown, those in the band with `kind` NULL. {cost} is the cost column
-- (billed_cost or effective_cost). Money of two currencies is never added.
WITH usage AS (
    SELECT day, currency, {value} AS value, sum({cost}) AS cost
    FROM cbh.gold_daily
    WHERE NOT spans_days AND charge_category = 'Usage' AND day IS NOT NULL
    GROUP BY ALL
),
calendar AS (
    SELECT unnest(generate_series(min(day), max(day), INTERVAL 1 DAY))::DATE AS day FROM usage
),
filled AS (
    SELECT c.day, s.currency, s.value, coalesce(u.cost, 0)::DECIMAL(38, 18) AS cost
    FROM calendar c
    CROSS JOIN (SELECT DISTINCT currency, value FROM usage) s
    LEFT JOIN usage u
           ON u.day = c.day AND u.currency IS NOT DISTINCT FROM s.currency AND u.value IS NOT DISTINCT FROM s.value
),
stats AS (
    SELECT *, median(cost) OVER w AS expected, (1.4826 * mad(cost) OVER w)::DECIMAL(38, 18) AS deviation,
           count(*) OVER w AS history_days
    FROM filled
    WINDOW w AS (PARTITION BY currency, value, CASE WHEN $9::BOOLEAN THEN dayofweek(day) END ORDER BY day
                 RANGE BETWEEN to_days($1::INTEGER) PRECEDING AND INTERVAL 1 DAY PRECEDING)
),
judged AS (
    SELECT *, (expected - $3::DECIMAL(38, 6) * deviation)::DECIMAL(38, 18) AS lower_bound,
           (expected + $3::DECIMAL(38, 6) * deviation)::DECIMAL(38, 18) AS upper_bound,
           (cost - expected)::DECIMAL(38, 18) AS impact
    FROM stats
    WHERE history_days > 0 AND date_diff('day', (SELECT min(day) FROM calendar), day) >= $2::INTEGER
),
anomalies AS (
    SELECT *,
           CASE WHEN expected = 0 THEN 'new' WHEN cost = 0 THEN 'gone' WHEN cost > expected THEN 'spike'
                ELSE 'drop' END AS kind,
           -- consecutive days of one value and direction share this (days since the epoch less the row's rank)
           date_diff('day', DATE '1970-01-01', day)
               - row_number() OVER (PARTITION BY currency, value, cost > expected ORDER BY day) AS run
    FROM judged
    WHERE (cost > upper_bound OR ($6::VARCHAR = 'both' AND cost < lower_bound))
      AND abs(impact) >= $4::DECIMAL(38, 18)
      AND (expected = 0 OR abs(impact) >= $5::DECIMAL(38, 6) * expected)
),
episodes AS (
    SELECT *, min(day) OVER e AS start_day, max(day) OVER e AS end_day, sum(impact) OVER e AS total_impact
    FROM anomalies
    WINDOW e AS (PARTITION BY currency, value, cost > expected, run)
),
-- What is behind each anomaly: the same judgment per usage type and region of the anomalous values, each one's
-- change against its own median that day, as a share of the anomaly's impact (the three largest that moved the
-- same way).
driver_usage AS (
    SELECT g.day, g.currency, g.{value} AS value, g.usage_type, g.region, sum(g.{cost}) AS cost
    FROM cbh.gold_daily g
    SEMI JOIN (SELECT DISTINCT currency, value FROM anomalies) a
           ON a.currency IS NOT DISTINCT FROM g.currency AND a.value IS NOT DISTINCT FROM g.{value}
    WHERE NOT g.spans_days AND g.charge_category = 'Usage' AND g.day IS NOT NULL
    GROUP BY ALL
),
driver_deltas AS (
    SELECT c.day, s.currency, s.value, s.usage_type, s.region,
           coalesce(u.cost, 0) - median(coalesce(u.cost, 0)) OVER (
               PARTITION BY s.currency, s.value, s.usage_type, s.region, CASE WHEN $9::BOOLEAN THEN dayofweek(c.day) END
               ORDER BY c.day RANGE BETWEEN to_days($1::INTEGER) PRECEDING AND INTERVAL 1 DAY PRECEDING) AS delta
    FROM calendar c
    CROSS JOIN (SELECT DISTINCT currency, value, usage_type, region FROM driver_usage) s
    LEFT JOIN driver_usage u
           ON u.day = c.day AND u.currency IS NOT DISTINCT FROM s.currency AND u.value IS NOT DISTINCT FROM s.value
          AND u.usage_type IS NOT DISTINCT FROM s.usage_type AND u.region IS NOT DISTINCT FROM s.region
),
drivers AS (
    SELECT a.day, a.currency, a.value,
           string_agg(format('{} in {}: {} %', coalesce(d.usage_type, '(none)'), coalesce(d.region, '(global)'),
                             cbh.num(round(100 * d.delta / a.impact, 1))), '; ' ORDER BY abs(d.delta) DESC)
               FILTER (WHERE d.rank <= 3) AS top_drivers
    FROM episodes a
    JOIN (SELECT *, row_number() OVER (PARTITION BY day, currency, value, delta > 0 ORDER BY abs(delta) DESC) AS rank
          FROM driver_deltas WHERE delta <> 0) d
      ON d.day = a.day AND d.currency IS NOT DISTINCT FROM a.currency AND d.value IS NOT DISTINCT FROM a.value
     AND (d.delta > 0) = (a.impact > 0)
    GROUP BY ALL
)
SELECT j.day, {dimension} AS dimension, j.value, j.cost AS actual_cost, j.expected::DECIMAL(38, 18) AS expected_cost,
       j.lower_bound, j.upper_bound, j.impact,
       CASE WHEN j.expected > 0 THEN round(j.impact / j.expected, 6)::DECIMAL(38, 18) END AS impact_pct,
       CASE WHEN j.deviation > 0 THEN round((j.cost - j.expected) / j.deviation, 3)::DECIMAL(38, 18) END AS score,
       e.kind, d.top_drivers, j.history_days,
       j.day IN (SELECT max(day) FROM cbh.gold_daily WHERE NOT spans_days
                 GROUP BY provider, billing_account, billing_period) AS provisional,
       CASE WHEN e.day IS NOT NULL
            THEN dense_rank() OVER (PARTITION BY e.day IS NULL ORDER BY e.start_day, e.currency, e.value, e.end_day)
       END AS anomaly_id,
       e.start_day, e.end_day, e.total_impact::DECIMAL(38, 18) AS total_impact, j.currency
FROM judged j
LEFT JOIN episodes e
       ON e.day = j.day AND e.currency IS NOT DISTINCT FROM j.currency AND e.value IS NOT DISTINCT FROM j.value
LEFT JOIN drivers d
       ON d.day = j.day AND d.currency IS NOT DISTINCT FROM j.currency AND d.value IS NOT DISTINCT FROM j.value
WHERE (e.day IS NOT NULL OR $10::BOOLEAN)
  AND ($7::DATE IS NULL OR j.day >= $7::DATE) AND ($8::DATE IS NULL OR j.day <= $8::DATE)
ORDER BY j.day DESC, e.day IS NULL, abs(j.impact) DESC, j.value
