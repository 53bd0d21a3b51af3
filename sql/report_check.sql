-- report_check.sql: cbh_check's figures for billing period $3 (the first day of a month), or when NULL the latest
-- loaded, one row per currency of the period (money of two currencies is never added; each is held to the
-- budget on its own): the waste of the findings cbh_zombies() shows (each resource once), the spend and the share,
-- against the budgets $1 (max waste) and $2 (max share of spend), either NULL; and the top offenders, for the
-- message when a budget is exceeded. Rows over budget come first.
WITH latest AS (
    SELECT coalesce($3::DATE, max(billing_period)) AS period FROM cbh.periods
),
found AS (
    SELECT * FROM ({findings}) WHERE excluded_reason IS NULL AND verdict = 'idle'
),
per_resource AS (
    SELECT currency, provider, billing_account, resource_key, account, region,
           -- The largest finding names the resource and the rule; a tie goes to the first rule by name, so that
           -- the same warehouse always gives the same message.
           first(coalesce(resource_id, format('{} in account {}, {}', service, account, region)) ORDER BY waste DESC, rule)
               AS resource,
           first(rule ORDER BY waste DESC, rule) AS rule, max(waste) AS waste
    FROM found
    WHERE billing_period = (SELECT period FROM latest)
    GROUP BY ALL
),
waste AS (
    SELECT currency, sum(waste) AS waste, count(*) AS findings,
           string_agg(format('{} ({}, {})', resource, rule, cbh.num(waste)), '; ' ORDER BY waste DESC, resource)
               FILTER (WHERE rank <= 5) AS top_offenders
    FROM (SELECT *, row_number() OVER (PARTITION BY currency ORDER BY waste DESC, resource) AS rank FROM per_resource)
    GROUP BY currency
),
spend AS (
    SELECT u.c.currency AS currency, sum(u.c.billed_cost) AS spend
    FROM cbh.periods p, unnest(p.by_currency) AS u(c)
    WHERE p.billing_period = (SELECT period FROM latest)
    GROUP BY ALL
),
figures AS (
    SELECT (SELECT period FROM latest) AS billing_period, k.currency,
           coalesce(w.waste, 0)::DECIMAL(38, 18) AS waste, s.spend, coalesce(w.findings, 0) AS findings,
           w.top_offenders
    FROM (SELECT currency FROM spend UNION SELECT currency FROM waste) k
    LEFT JOIN waste w ON w.currency IS NOT DISTINCT FROM k.currency
    LEFT JOIN spend s ON s.currency IS NOT DISTINCT FROM k.currency
)
SELECT billing_period, waste, spend, share AS waste_share, $1::DECIMAL(38, 18) AS max_waste,
       $2::DECIMAL(38, 18) AS max_waste_share, findings,
       CASE WHEN over THEN 'over budget' ELSE 'within budget' END AS status, currency,
       CASE WHEN over
            THEN format('waste in billing period {} is {}{} ({} of spend {}), over the budget ({}). Top offenders: {}',
                        strftime(billing_period, '%Y-%m'), cbh.num(waste), coalesce(' ' || currency, ''),
                        coalesce(cbh.num(share * 100) || ' %', '?'), coalesce(cbh.num(spend), '?'),
                        concat_ws(', ', 'max_waste ' || cbh.num($1::DECIMAL(38, 18)),
                                  'max_waste_share ' || cbh.num($2::DECIMAL(38, 18))),
                        top_offenders)
       END AS message
FROM (
    SELECT *, CASE WHEN spend > 0 THEN round(waste / spend, 6)::DECIMAL(38, 18) END AS share,
           coalesce(waste > $1::DECIMAL(38, 18), false)
               OR coalesce(round(waste / nullif(spend, 0), 6) > $2::DECIMAL(38, 18), false) AS over
    FROM figures
)
ORDER BY over DESC, currency NULLS FIRST;
