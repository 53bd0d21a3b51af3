-- migrate_v3.sql: the move from layout 3 (cbh 0.4) to layout 4: the ledger gains a note per attempt (what a
-- replacement replaced, a warning about files that landed together); schema.sql follows.
ALTER TABLE cbh.ledger ADD COLUMN IF NOT EXISTS note VARCHAR;
UPDATE cbh.meta SET schema_version = 4;
