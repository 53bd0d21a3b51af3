-- migrate_v6_finish.sql: after migrate_v6.sql and schema.sql: every row of the renamed tables copied, by name, into
-- the new ones; the sequences dropped (ids are now the largest so far plus one); the warehouse gets its id.
INSERT INTO cbh.ledger BY NAME SELECT * FROM cbh.ledger_v6;
INSERT INTO cbh.periods BY NAME SELECT * FROM cbh.periods_v6;
INSERT INTO cbh.rules BY NAME SELECT * FROM cbh.rules_v6;
INSERT INTO cbh.exclusions BY NAME SELECT * FROM cbh.exclusions_v6;
DROP TABLE cbh.ledger_v6;
DROP TABLE cbh.periods_v6;
DROP TABLE cbh.rules_v6;
DROP TABLE cbh.exclusions_v6;
DROP SEQUENCE IF EXISTS cbh.ingestion_seq;
DROP SEQUENCE IF EXISTS cbh.ledger_seq;
UPDATE cbh.meta SET warehouse_id = uuid()::VARCHAR WHERE warehouse_id IS NULL;
UPDATE cbh.meta SET schema_version = 7;
