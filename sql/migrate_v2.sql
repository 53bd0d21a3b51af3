-- migrate_v2.sql: the move from layout 2 (cbh 0.2 and 0.3: one built-in zombie rule, findings stored in
-- cbh.gold_zombies) to layout 3: Gold holds usage per resource, and the rules are data (cbh.rules). schema.sql
-- follows, then the rules are seeded and Gold rebuilt for every period, all in one transaction.
DROP TABLE IF EXISTS cbh.gold_zombies;
UPDATE cbh.meta SET schema_version = 3;
