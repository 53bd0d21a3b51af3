-- findings_none.sql: a fragment, not a statement: the findings when no rule is enabled (findings.sql's {rules}):
-- none, with the columns findings_rules.sql gives.
SELECT *, NULL::VARCHAR AS rule, NULL::VARCHAR AS kind, NULL::VARCHAR AS verdict, 1 AS min_periods,
       NULL::DECIMAL(38, 18) AS waste, NULL::DECIMAL(38, 18) AS effective_waste, NULL::VARCHAR AS evidence
FROM cbh.gold_usage WHERE false
