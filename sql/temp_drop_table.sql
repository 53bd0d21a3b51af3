-- temp_drop_table.sql: drops a temporary table of cbh's writer connection ({table}), if it is there.
DROP TABLE IF EXISTS temp.main.{table};
