-- migrate_v6_meta.sql: first of every move from layout 2 or later to layout 7: cbh.meta gains the warehouse's id
-- (schema.sql, which the moves run, names it). migrate_v6_finish.sql fills it.
ALTER TABLE cbh.meta ADD COLUMN IF NOT EXISTS warehouse_id VARCHAR;
