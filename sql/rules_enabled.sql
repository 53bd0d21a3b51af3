-- rules_enabled.sql: the enabled rules of kind $2 (waste or saving; only rule $1, when not NULL), with their SQL, by
-- name.
SELECT rule, predicate, evidence, waste, effective_waste, no_metrics FROM cbh.rules
WHERE enabled AND ($1::VARCHAR IS NULL OR rule = $1) AND kind = $2 ORDER BY rule;
