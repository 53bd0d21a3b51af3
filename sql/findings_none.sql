-- findings_none.sql: a fragment, not a statement: the findings when no rule is enabled (findings.sql's {rules}):
-- none, with the columns findings_rules.sql gives.
SELECT *, NULL::VARCHAR AS rule, NULL::VARCHAR AS verdict, NULL::VARCHAR AS evidence,
       NULL::DECIMAL(38, 18) AS waste, NULL::DECIMAL(38, 18) AS effective_waste
FROM cbh.gold_usage WHERE false
