-- rule_exists.sql: whether the warehouse has a zombie rule named $1 (cbh seeds a rule only where it has none).
SELECT count(*) > 0 FROM cbh.rules WHERE rule = $1;
