-- export_drop.sql: cbh_export's temporary tables, dropped once its rows are read.
DROP TABLE IF EXISTS temp.main.cbh_export_result;
DROP TABLE IF EXISTS temp.main.cbh_export_partitions;
DROP TABLE IF EXISTS temp.main.cbh_export_findings;
