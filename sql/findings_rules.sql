-- findings_rules.sql: a fragment, not a statement: the findings of the enabled rules ({names}), findings.sql's
-- {rules}: one pass over cbh.gold_usage (with each resource's metrics of the period, the bill's rates of its region,
-- the successor of its instance family and its row of the month before) for every rule and verdict. {evidence},
-- {waste}, {effective}, {predicate} and {unknown} each pick the rule's own SQL by a CASE on its name
-- (src/pipeline/rules.rs); {unknown} is the rule's no_metrics condition, for the verdict 'no metrics'. The money
-- comes first, so that a rule's evidence can name it (`waste`, `effective_waste`).
SELECT u.*, rule_params.rule AS rule, rule_params.kind AS kind, verdicts.verdict AS verdict,
       coalesce(rule_params.params['min_periods'], 1) AS min_periods,
       CAST({waste} AS DECIMAL(38, 18)) AS waste,
       CAST({effective} AS DECIMAL(38, 18)) AS effective_waste,
       CAST(CASE WHEN verdicts.verdict = 'idle' THEN {evidence}
                 ELSE format('no metrics: not enough days of utilization metrics in {} to tell whether it is idle',
                             strftime(u.billing_period, '%Y-%m')) END AS VARCHAR) AS evidence
FROM cbh.gold_usage u
LEFT JOIN rule_metrics ON rule_metrics.metrics_key = cbh.metric_key(u.resource_key)
                      AND rule_metrics.metrics_period = u.billing_period
LEFT JOIN rule_rates ON rule_rates.rates_provider = u.provider AND rule_rates.rates_account = u.billing_account
                    AND rule_rates.rates_period = u.billing_period
                    AND rule_rates.rates_region IS NOT DISTINCT FROM u.region
                    AND rule_rates.rates_currency IS NOT DISTINCT FROM u.currency
LEFT JOIN rule_generations ON rule_generations.generation_family = cbh.instance_family(u.instance_type)
LEFT JOIN rule_previous ON rule_previous.previous_provider = u.provider
                       AND rule_previous.previous_account = u.billing_account
                       AND rule_previous.previous_next = u.billing_period
                       AND rule_previous.previous_key IS NOT DISTINCT FROM u.resource_key
                       AND rule_previous.previous_sub_account IS NOT DISTINCT FROM u.account
                       AND rule_previous.previous_region IS NOT DISTINCT FROM u.region
                       AND rule_previous.previous_currency IS NOT DISTINCT FROM u.currency
CROSS JOIN (SELECT rule, kind, params FROM cbh.rules WHERE rule IN ({names})) AS rule_params
CROSS JOIN (VALUES ('idle'), ('no metrics')) AS verdicts(verdict)
WHERE CASE WHEN verdicts.verdict = 'idle' THEN {predicate} ELSE {unknown} END
