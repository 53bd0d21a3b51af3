-- exclusions_seed.sql: the exclusion every new warehouse starts with: resources tagged cbh:keep (any value).
INSERT INTO cbh.exclusions (tag_key, reason)
SELECT 'cbh:keep', 'tagged cbh:keep' WHERE NOT EXISTS (SELECT 1 FROM cbh.exclusions);
