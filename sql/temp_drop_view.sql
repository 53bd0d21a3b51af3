-- temp_drop_view.sql: drops a temporary view of cbh's writer connection ({view}), if it is there.
DROP VIEW IF EXISTS temp.main.{view};
