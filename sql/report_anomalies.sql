-- report_anomalies.sql: a fragment, not a statement (check_anomalies.sql reads it too): cbh_anomalies' output: the
-- days whose usage spend of one value of a dimension left its expected band. {spend} is the spend it judges
-- (anomalies_spend_daily.sql from Gold's daily spend, anomalies_spend_silver.sql from Silver's line items): usage
-- only (purchases and credits neither fake nor hide a spike), no line item spanning more than a day. {history} is
-- the statistics of each day's trailing days (anomalies_history_join.sql). {recent} is true where only the last 7 days
-- of spend are judged unless $7 says otherwise (resources: a large bill has hundreds of thousands).
-- Each day is held against the trailing $1 days before it (days without spend count as 0): expected is their
-- median, the band expected ± $3 robust deviations (1.4826 × their median absolute deviation × n / (n - 0.8)),
-- widened to the trend (the median projected along the change between the older and the recent half of those
-- days): gradual growth is no spike. Weekly pattern: with $9 true, only the days of the same weekday count; with $9
-- NULL (the default), they do where that weekday's median lies outside the band of all days (a weekend that is
-- always lower, a batch day that is always higher), with the wider of the two deviations, and a day inside its
-- weekday's band is never an anomaly. A day is an anomaly when the warehouse has at least $2 days before it, it is
-- outside the band ($6 'up': above it only), its impact is at least $4 in money and, where something was expected,
-- at least $5 of it. Consecutive anomalous days of one value are one episode. The last day of each billing
-- account's spend is `provisional` (a real CUR's last day is incomplete): it can be a spike, never a drop. $7 and
-- $8 bound the days judged and shown (NULL: all); with $10, every day judged is shown, those in the band with `kind`
-- NULL.
-- Money of two currencies is never added.
WITH source AS (
    {spend}
),
usage AS MATERIALIZED (
    SELECT day, currency, value, sum(cost) AS cost FROM source GROUP BY ALL
),
calendar AS (
    SELECT unnest(generate_series(min(day), max(day), INTERVAL 1 DAY))::DATE AS day FROM usage
),
judged_days AS (
    SELECT coalesce($7::DATE, CASE WHEN {recent} THEN max(day) - 6 END, min(day)) AS first,
           coalesce($8::DATE, max(day)) AS last
    FROM usage
),
-- The values that can have an anomaly at all (with $10, every value): one whose daily spend never reaches $4 cannot
-- move by $4; one that spent every day and never moved by $5 of its least day (up) or of its most (both) cannot
-- move by $5 of what was expected, which lies between the two.
candidates AS (
    SELECT currency, value
    FROM (SELECT currency, value, max(cost) AS most,
                 CASE WHEN count(*) < (SELECT count(*) FROM calendar) THEN 0 ELSE min(cost) END AS least
          FROM usage GROUP BY ALL)
    WHERE $10::BOOLEAN
       OR (most >= $4::DECIMAL(38, 18)
           AND NOT (least > 0 AND most < (1 + $5::DECIMAL(38, 6)) * least
                    AND ($6::VARCHAR = 'up' OR least > (1 - $5::DECIMAL(38, 6)) * most)))
),
filled AS (
    SELECT c.day, s.currency, s.value, coalesce(u.cost, 0)::DECIMAL(38, 18) AS cost
    FROM calendar c
    CROSS JOIN candidates s
    LEFT JOIN usage u
           ON u.day = c.day AND u.currency IS NOT DISTINCT FROM s.currency AND u.value IS NOT DISTINCT FROM s.value
),
stats AS (
    {history}
),
modelled AS (
    SELECT day, currency, value, cost, w_expected, w_days,
           -- small samples: the median absolute deviation's finite-sample correction, n / (n - 0.8)
           (a_deviation * a_days / (a_days - 0.8))::DECIMAL(38, 18) AS a_spread,
           (w_deviation * w_days / (w_days - 0.8))::DECIMAL(38, 18) AS w_spread,
           -- the weekday's spread, at least that of all days scaled to the weekday's level
           greatest(w_spread, CASE WHEN a_expected > 0 THEN a_spread::DOUBLE * w_expected::DOUBLE / a_expected::DOUBLE
                                   ELSE 0 END
                    )::DECIMAL(38, 18) AS wa_spread,
           coalesce($9::BOOLEAN, w_days >= 1 AND abs(w_expected - a_expected) > $3::DECIMAL(38, 6) * a_spread)
               AS by_weekday,
           CASE WHEN by_weekday THEN w_expected ELSE a_expected END AS base,
           -- the trend: the change a day between the older and the recent half of the trailing days, relative to the
           -- older (at most 2 % a day either way), times the mean age of the days behind the base
           CASE WHEN o_median > 0 THEN greatest(-0.02, least(0.02, (r_median - o_median) / o_median / ($1::INTEGER / 2)))
                ELSE 0 END * CASE WHEN by_weekday THEN ($1::INTEGER + 7) / 2 ELSE ($1::INTEGER + 1) / 2 END AS drift,
           (base * (1 + drift))::DECIMAL(38, 18) AS trend,
           CASE WHEN NOT by_weekday THEN a_spread WHEN $9::BOOLEAN THEN w_spread ELSE wa_spread END AS deviation,
           CASE WHEN by_weekday THEN w_days ELSE a_days END AS history_days
    FROM stats
),
judged AS (
    SELECT day, currency, value, cost, by_weekday, deviation, history_days, base, trend,
           (least(base, trend) - $3::DECIMAL(38, 6) * deviation)::DECIMAL(38, 18) AS lower_bound,
           (greatest(base, trend) + $3::DECIMAL(38, 6) * deviation)::DECIMAL(38, 18) AS upper_bound,
           -- what the day was expected to cost: the base, or, outside the band, the nearer of base and trend
           CASE WHEN cost > upper_bound THEN greatest(base, trend) WHEN cost < lower_bound THEN least(base, trend)
                ELSE base END AS expected,
           (cost - expected)::DECIMAL(38, 18) AS impact,
           -- by default, a day inside its own weekday's band is no anomaly, whichever band it is judged by
           $9::BOOLEAN IS NOT NULL OR w_days = 0
               OR abs(cost - w_expected) > $3::DECIMAL(38, 6) * wa_spread AS off_weekday
    FROM modelled
    WHERE history_days > 0 AND date_diff('day', (SELECT min(day) FROM calendar), day) >= $2::INTEGER
),
-- the last day of each billing account's spend, for the values that account has spend of
provisional AS (
    SELECT DISTINCT s.currency, s.value, l.day
    FROM (SELECT DISTINCT currency, value, provider, billing_account
          FROM source g
          SEMI JOIN candidates c ON c.currency IS NOT DISTINCT FROM g.currency AND c.value IS NOT DISTINCT FROM g.value
         ) s
    JOIN (SELECT provider, billing_account, max(day) AS day FROM source GROUP BY ALL) l
      ON l.provider = s.provider AND l.billing_account = s.billing_account
),
marked AS (
    SELECT j.*, p.day IS NOT NULL AS provisional
    FROM judged j
    LEFT JOIN provisional p
           ON p.day = j.day AND p.currency IS NOT DISTINCT FROM j.currency AND p.value IS NOT DISTINCT FROM j.value
),
anomalies AS (
    SELECT *,
           CASE WHEN expected = 0 THEN 'new' WHEN cost = 0 THEN 'gone' WHEN cost > expected THEN 'spike'
                ELSE 'drop' END AS kind,
           -- consecutive days of one value and direction share this (days since the epoch less the row's rank)
           date_diff('day', DATE '1970-01-01', day)
               - row_number() OVER (PARTITION BY currency, value, cost > expected ORDER BY day) AS run
    FROM marked
    WHERE (cost > upper_bound OR ($6::VARCHAR = 'both' AND cost < lower_bound AND NOT provisional)) AND off_weekday
      AND abs(impact) >= $4::DECIMAL(38, 18)
      AND (expected = 0 OR abs(impact) >= $5::DECIMAL(38, 6) * expected)
),
episodes AS (
    SELECT *, min(day) OVER e AS start_day, max(day) OVER e AS end_day, sum(impact) OVER e AS total_impact
    FROM anomalies
    WINDOW e AS (PARTITION BY currency, value, cost > expected, run)
),
-- What is behind each anomaly: the same judgment per usage type and region of the anomalous values, each one's
-- change against its own median that day (of the same weekday where the anomaly was judged so), as a share of the
-- anomaly's impact (the three largest that moved the same way).
driver_usage AS (
    SELECT g.day, g.currency, g.value, g.usage_type, g.region, sum(g.cost) AS cost
    FROM source g
    SEMI JOIN (SELECT DISTINCT currency, value FROM anomalies) a
           ON a.currency IS NOT DISTINCT FROM g.currency AND a.value IS NOT DISTINCT FROM g.value
    GROUP BY ALL
),
driver_filled AS (
    SELECT c.day, s.currency, s.value, s.usage_type, s.region, coalesce(u.cost, 0) AS cost
    FROM calendar c
    CROSS JOIN (SELECT DISTINCT currency, value, usage_type, region FROM driver_usage) s
    LEFT JOIN driver_usage u
           ON u.day = c.day AND u.currency IS NOT DISTINCT FROM s.currency AND u.value IS NOT DISTINCT FROM s.value
          AND u.usage_type IS NOT DISTINCT FROM s.usage_type AND u.region IS NOT DISTINCT FROM s.region
),
driver_deltas AS (
    SELECT t.day, t.currency, t.value, t.usage_type, t.region,
           any_value(t.cost) - coalesce(median(h.cost) FILTER (WHERE NOT a.by_weekday
                                                                  OR dayofweek(h.day) = dayofweek(t.day)), 0) AS delta
    FROM (SELECT DISTINCT day, currency, value, by_weekday FROM anomalies) a
    JOIN driver_filled t
      ON t.day = a.day AND t.currency IS NOT DISTINCT FROM a.currency AND t.value IS NOT DISTINCT FROM a.value
    JOIN driver_filled h
      ON h.currency IS NOT DISTINCT FROM t.currency AND h.value IS NOT DISTINCT FROM t.value
     AND h.usage_type IS NOT DISTINCT FROM t.usage_type AND h.region IS NOT DISTINCT FROM t.region
     AND h.day BETWEEN t.day - $1::INTEGER AND t.day - 1
    GROUP BY t.day, t.currency, t.value, t.usage_type, t.region
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
       e.kind, d.top_drivers, j.history_days, j.provisional,
       CASE WHEN e.day IS NOT NULL
            THEN dense_rank() OVER (PARTITION BY e.day IS NULL ORDER BY e.start_day, e.currency, e.value, e.end_day)
       END AS anomaly_id,
       e.start_day, e.end_day, e.total_impact::DECIMAL(38, 18) AS total_impact, j.currency, j.by_weekday
FROM marked j
LEFT JOIN episodes e
       ON e.day = j.day AND e.currency IS NOT DISTINCT FROM j.currency AND e.value IS NOT DISTINCT FROM j.value
LEFT JOIN drivers d
       ON d.day = j.day AND d.currency IS NOT DISTINCT FROM j.currency AND d.value IS NOT DISTINCT FROM j.value
WHERE (e.day IS NOT NULL OR $10::BOOLEAN)
  AND j.day BETWEEN (SELECT first FROM judged_days) AND (SELECT last FROM judged_days)
ORDER BY j.day DESC, e.day IS NULL, abs(j.impact) DESC, j.value
