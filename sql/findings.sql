-- findings.sql: every finding of the enabled rules (the query src/pipeline/rules.rs builds from cbh.rules goes where
-- the rules placeholder is), with its resource's tags, first and last seen, how long and for how many periods the
-- rule has found it without a break (a finding is reported once that reaches the rule's params['min_periods']), and
-- why cbh.exclusions keeps it out of the report (NULL: it is not excluded). An exclusion
-- matches by resource ID (bare or ARN) or by tag (any value, or one), for one rule or all. cbh_zombies(),
-- cbh_waste() and cbh_status() read it (as a subquery, without the final semicolon).
WITH rule_metrics AS MATERIALIZED (
    SELECT resource_key AS metrics_key, billing_period AS metrics_period, * EXCLUDE (resource_key, billing_period)
    FROM cbh.metrics_summary
),
-- The bill's rates of each region (gold_rates.sql), as the map `rates` ('ebs:gp3' -> 0.08).
rule_rates AS MATERIALIZED (
    SELECT provider AS rates_provider, billing_account AS rates_account, billing_period AS rates_period,
           region AS rates_region, currency AS rates_currency, map_from_entries(list((rate_key, rate))) AS rates
    FROM cbh.gold_rates
    GROUP BY ALL
),
-- An instance family's successor (cbh.instance_generations): `successor`, `list_saving`.
rule_generations AS (
    SELECT family AS generation_family, successor, list_saving FROM cbh.instance_generations
),
-- Each resource's Gold row of the month before, as the STRUCT `previous` (NULL: not billed then): {previous} is the
-- whole row `p`, or only the fields the rules read (src/pipeline/rules.rs).
rule_previous AS MATERIALIZED (
    SELECT p.provider AS previous_provider, p.billing_account AS previous_account,
           (p.billing_period + INTERVAL 1 MONTH)::DATE AS previous_next, p.resource_key AS previous_key,
           p.account AS previous_sub_account, p.region AS previous_region, p.currency AS previous_currency,
           {previous} AS previous
    FROM cbh.gold_usage p
),
findings AS ({rules}),
seen AS (
    SELECT f.*, r.Tags AS resource_tags, r.first_seen, r.last_seen, row_number() OVER () AS finding,
           -- months since year 0, less the finding's rank: constant over a run of consecutive months
           year(f.billing_period) * 12 + month(f.billing_period)
               - row_number() OVER (PARTITION BY f.rule, f.verdict, f.provider, f.billing_account, f.resource_key,
                                                 f.account, f.region, f.currency
                                    ORDER BY f.billing_period) AS run
    FROM findings f
    LEFT JOIN cbh.silver_resources r
           ON r.ProviderName = f.provider AND r.BillingAccountId = f.billing_account AND r.ResourceId = f.resource_id
),
-- Where the run began, and how many periods of it lead up to this one (the grace a rule's min_periods asks for).
idle AS (
    SELECT *, min(first_charge) OVER (PARTITION BY rule, verdict, provider, billing_account, resource_key, account,
                                                   region, currency, run) AS first_seen_idle,
           row_number() OVER (PARTITION BY rule, verdict, provider, billing_account, resource_key, account, region,
                                           currency, run ORDER BY billing_period) AS periods_seen
    FROM seen
),
excluded AS (
    SELECT s.finding, min(e.reason) AS reason
    FROM seen s
    JOIN cbh.exclusions e
      ON (e.rule IS NULL OR e.rule = s.rule)
     AND (cbh.resource_key(e.resource_id) = s.resource_key
          OR coalesce(cbh.tag(s.resource_tags, e.tag_key) = e.tag_value,
                      cbh.tag(s.resource_tags, e.tag_key) IS NOT NULL AND e.tag_value IS NULL))
    GROUP BY s.finding
)
SELECT i.* EXCLUDE (finding, run, first_seen_idle, min_periods),
       CASE WHEN i.verdict = 'idle' THEN i.first_seen_idle END AS first_seen_idle,
       CASE WHEN i.verdict = 'idle' THEN greatest(1, ceil(date_diff('second', i.first_seen_idle, i.last_charge)
                                                          / 86400))::BIGINT END AS days_idle,
       x.reason AS excluded_reason
FROM idle i
LEFT JOIN excluded x USING (finding)
WHERE i.periods_seen >= i.min_periods;
