-- findings_rules.sql: a fragment, not a statement: the findings of the enabled rules ({names}), findings.sql's
-- {rules}: one pass over cbh.gold_usage (with each resource's metrics of the period) for every rule and verdict.
-- {evidence}, {waste}, {effective}, {predicate} and {unknown} each pick the rule's own SQL by a CASE on its name
-- (src/pipeline/rules.rs); {unknown} is the rule's no_metrics condition, for the verdict 'no metrics'.
SELECT u.*, rule_params.rule AS rule, verdicts.verdict AS verdict,
       CAST(CASE WHEN verdicts.verdict = 'idle' THEN {evidence}
                 ELSE format('no metrics: not enough days of utilization metrics in {} to tell whether it is idle',
                             strftime(u.billing_period, '%Y-%m')) END AS VARCHAR) AS evidence,
       CAST({waste} AS DECIMAL(38, 18)) AS waste,
       CAST({effective} AS DECIMAL(38, 18)) AS effective_waste
FROM cbh.gold_usage u
LEFT JOIN rule_metrics ON rule_metrics.metrics_key = u.resource_key
                      AND rule_metrics.metrics_period = u.billing_period
CROSS JOIN (SELECT rule, params FROM cbh.rules WHERE rule IN ({names})) AS rule_params
CROSS JOIN (VALUES ('idle'), ('no metrics')) AS verdicts(verdict)
WHERE CASE WHEN verdicts.verdict = 'idle' THEN {predicate} ELSE {unknown} END
