-- migrate_v6.sql: the move to layout 7 (cbh 0.7): no constraint but NOT NULL, no sequence and no default but a
-- literal, so that a lake catalog (DuckLake) can hold the warehouse; cbh keeps its keys itself. DuckDB cannot drop a
-- key, a check or a default from a table, so the tables that had one are renamed here, schema.sql creates them
-- anew, and migrate_v6_finish.sql copies every row and value into them.
ALTER TABLE cbh.ledger RENAME TO ledger_v6;
ALTER TABLE cbh.periods RENAME TO periods_v6;
ALTER TABLE cbh.rules RENAME TO rules_v6;
ALTER TABLE cbh.exclusions RENAME TO exclusions_v6;
