-- report_waste.sql: cbh_waste's output: waste per billing period by rule, service, account and owner tag, and in
-- total, with the share of the period's spend it is, per currency (money of two currencies is never added).
-- Findings kept out by cbh.exclusions do not count. A resource that several rules find counts once (its largest
-- finding) in every grouping but `rule`. $1 billing period (any day of it) or NULL, $2 the owner tag's key.
WITH found AS (
    SELECT *, cbh.monthly(greatest(waste, effective_waste), billing_period, first_charge, last_charge) AS monthly
    FROM ({findings})
    WHERE excluded_reason IS NULL AND verdict = 'idle'
      AND ($1::DATE IS NULL OR billing_period = date_trunc('month', $1::DATE)::DATE)
),
by_rule AS (
    SELECT billing_period, currency, 'rule' AS dimension, rule AS value, count(*) AS findings,
           count(DISTINCT (provider, billing_account, resource_key, account, region)) AS resources,
           sum(waste) AS waste, sum(monthly) AS monthly_waste
    FROM found
    GROUP BY ALL
),
per_resource AS (
    SELECT billing_period, currency, provider, billing_account, resource_key, account, region,
           arg_max(service, waste) AS service, arg_max(cbh.tag(resource_tags, $2::VARCHAR), waste) AS owner,
           count(*) AS findings, max(waste) AS waste, max(monthly) AS monthly
    FROM found
    GROUP BY ALL
),
by_other AS (
    SELECT billing_period, currency,
           CASE WHEN GROUPING(service) = 0 THEN 'service' WHEN GROUPING(account) = 0 THEN 'account'
                WHEN GROUPING(owner) = 0 THEN 'owner' ELSE 'total' END AS dimension,
           CASE WHEN GROUPING(service) = 0 THEN coalesce(service, '(unknown)')
                WHEN GROUPING(account) = 0 THEN coalesce(account, '(unknown)')
                WHEN GROUPING(owner) = 0 THEN coalesce(owner, '(untagged)') ELSE 'all' END AS value,
           sum(findings) AS findings, count(*) AS resources, sum(waste) AS waste, sum(monthly) AS monthly_waste
    FROM per_resource
    GROUP BY GROUPING SETS ((billing_period, currency, service), (billing_period, currency, account),
                            (billing_period, currency, owner), (billing_period, currency))
),
spend AS (
    SELECT p.billing_period, u.c.currency, sum(u.c.billed_cost) AS spend
    FROM cbh.periods p, unnest(p.by_currency) AS u(c)
    GROUP BY ALL
)
SELECT w.billing_period, w.dimension, w.value, w.findings::BIGINT AS findings, w.resources::BIGINT AS resources,
       w.waste, w.monthly_waste, s.spend,
       CASE WHEN s.spend > 0 THEN round(w.waste / s.spend, 6)::DECIMAL(38, 18) END AS waste_share, w.currency
FROM (SELECT * FROM by_rule UNION ALL BY NAME SELECT * FROM by_other) w
LEFT JOIN spend s ON s.billing_period = w.billing_period AND s.currency IS NOT DISTINCT FROM w.currency
ORDER BY w.billing_period DESC, w.currency NULLS FIRST,
         CASE w.dimension WHEN 'total' THEN 0 WHEN 'rule' THEN 1 WHEN 'service' THEN 2 WHEN 'account' THEN 3 ELSE 4 END,
         w.waste DESC, w.value;
