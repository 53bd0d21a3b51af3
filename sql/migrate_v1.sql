-- migrate_v1.sql: first half of the move from layout 1 (cbh 0.1: legacy CUR only, keyed by payer account and
-- period) to layout 2. Bronze is kept and gains the provider; the ledger is copied aside; Silver, Gold and the
-- period summaries are dropped, to be rebuilt from Bronze. schema.sql and migrate_v1_finish.sql follow, all in
-- one transaction.
CREATE OR REPLACE TEMP TABLE cbh_ledger_v1 AS SELECT * FROM cbh.ledger;
DROP TABLE cbh.ledger;
DROP TABLE cbh.periods;
DROP TABLE cbh.silver_line_items;
DROP TABLE cbh.silver_resources;
DROP TABLE cbh.gold_zombies;
ALTER TABLE cbh.bronze_cur RENAME COLUMN payer_account TO billing_account;
ALTER TABLE cbh.bronze_cur ADD COLUMN provider VARCHAR DEFAULT 'AWS';
