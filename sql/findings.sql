-- findings.sql: every finding of the enabled zombie rules (the query src/pipeline/rules.rs builds from cbh.rules
-- goes where the rules placeholder is), with its resource's tags, first and last seen, how long the rule has found
-- it without a break, and why cbh.exclusions keeps it out of the report (NULL: it is not excluded). An exclusion
-- matches by resource ID (bare or ARN) or by tag (any value, or one), for one rule or all. cbh_zombies(),
-- cbh_waste() and cbh_status() read it (as a subquery, without the final semicolon).
WITH rule_metrics AS MATERIALIZED (
    SELECT resource_key AS metrics_key, billing_period AS metrics_period, * EXCLUDE (resource_key, billing_period)
    FROM cbh.metrics_summary
),
findings AS ({rules}),
seen AS (
    SELECT f.*, r.Tags AS resource_tags, r.first_seen, r.last_seen, row_number() OVER () AS finding,
           -- months since year 0, less the finding's rank: constant over a run of consecutive months
           year(f.billing_period) * 12 + month(f.billing_period)
               - row_number() OVER (PARTITION BY f.rule, f.verdict, f.provider, f.billing_account, f.resource_key,
                                                 f.account, f.region
                                    ORDER BY f.billing_period) AS run
    FROM findings f
    LEFT JOIN cbh.silver_resources r
           ON r.ProviderName = f.provider AND r.BillingAccountId = f.billing_account AND r.ResourceId = f.resource_id
),
idle AS (
    SELECT *, min(first_charge) OVER (PARTITION BY rule, verdict, provider, billing_account, resource_key, account,
                                                   region, run) AS first_seen_idle
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
SELECT i.* EXCLUDE (finding, run, first_seen_idle),
       CASE WHEN i.verdict = 'idle' THEN i.first_seen_idle END AS first_seen_idle,
       CASE WHEN i.verdict = 'idle' THEN greatest(1, ceil(date_diff('second', i.first_seen_idle, i.last_charge)
                                                          / 86400))::BIGINT END AS days_idle,
       x.reason AS excluded_reason
FROM idle i
LEFT JOIN excluded x USING (finding);
