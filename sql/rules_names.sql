-- rules_names.sql: every rule's name, its kind where it is not waste and disabled ones marked, for the message
-- naming an unknown rule.
SELECT rule || CASE WHEN kind <> 'waste' THEN format(' ({}: cbh_savings)', kind) ELSE '' END
            || CASE WHEN enabled THEN '' ELSE ' (disabled)' END
FROM cbh.rules ORDER BY rule;
