-- report_anomalies.sql: cbh_anomalies' output: the days whose usage spend of one value of a dimension ({value}: a
-- column of cbh.gold_daily) left its expected band, from Gold's daily spend. Only usage counts (purchases and
-- credits neither fake nor hide a spike); a line item spanning more than a day counts on no day. Each day is held
-- against the trailing $1 days before it (days without spend count as 0; with $9, only those of the same weekday):
-- expected is their median, the band expected ± $3 robust deviations (1.4826 × their median absolute deviation). A
-- day is an anomaly when the warehouse has at least $2 days before it, is outside the band ($6 'up': above it only), its impact is at least $4 in money and,
-- where something was expected, at least $5 of it. Consecutive anomalous days of one value are one episode. The
-- last day each delivery has is `provisional`: a real CUR's last day is incomplete. $7 and $8 bound the days shown
-- (NULL: all). {cost} is the cost column (billed_cost or effective_cost). Money of two currencies is never added.
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
)
SELECT day, {dimension} AS dimension, value, cost AS actual_cost, expected::DECIMAL(38, 18) AS expected_cost,
       lower_bound, upper_bound, impact,
       CASE WHEN expected > 0 THEN round(impact / expected, 6)::DECIMAL(38, 18) END AS impact_pct,
       CASE WHEN deviation > 0 THEN round((cost - expected) / deviation, 3)::DECIMAL(38, 18) END AS score, kind,
       history_days, day IN (SELECT max(day) FROM cbh.gold_daily WHERE NOT spans_days
                             GROUP BY provider, billing_account, billing_period) AS provisional,
       dense_rank() OVER (ORDER BY start_day, currency, value, end_day) AS anomaly_id, start_day, end_day,
       total_impact::DECIMAL(38, 18) AS total_impact, currency
FROM episodes
WHERE ($7::DATE IS NULL OR day >= $7::DATE) AND ($8::DATE IS NULL OR day <= $8::DATE)
ORDER BY day DESC, abs(impact) DESC, value;
