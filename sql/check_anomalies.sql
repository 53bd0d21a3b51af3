-- check_anomalies.sql: cbh_check's anomaly budget: per currency, the impact of the anomalies cbh_anomalies() finds
-- with its defaults ({anomalies}) on the days of billing period $12 (NULL: the latest loaded) and, where the total
-- is over the budget $11, the message naming the largest.
WITH judged AS (
    SELECT coalesce($12::DATE, (SELECT max(billing_period) FROM cbh.periods)) AS period
),
found AS (
    SELECT *, row_number() OVER (PARTITION BY currency ORDER BY impact DESC) AS rank
    FROM ({anomalies})
    WHERE date_trunc('month', day)::DATE = (SELECT period FROM judged)
)
SELECT currency, sum(impact) AS impact,
       format('anomalies in billing period {} cost {}{} more than expected, over the budget (max_anomaly_impact {}). '
              || 'Top anomalies: {}',
              strftime((SELECT period FROM judged), '%Y-%m'), cbh.num(sum(impact)), coalesce(' ' || currency, ''),
              cbh.num($11::DECIMAL(38, 18)),
              string_agg(format('{} {} +{} ({}{})', day, value, cbh.num(impact), kind,
                                coalesce(': ' || top_drivers, '')), '; ' ORDER BY impact DESC)
                  FILTER (WHERE rank <= 3)) AS message
FROM found
GROUP BY currency
HAVING sum(impact) > $11::DECIMAL(38, 18)
ORDER BY sum(impact) DESC;
