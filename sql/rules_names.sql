-- rules_names.sql: every zombie rule's name, disabled ones marked, for the message naming an unknown rule.
SELECT rule || CASE WHEN enabled THEN '' ELSE ' (disabled)' END FROM cbh.rules ORDER BY rule;
