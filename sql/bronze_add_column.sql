-- bronze_add_column.sql: a source column Bronze has not seen yet (a new tag, a new CUR field).
ALTER TABLE cbh.bronze_cur ADD COLUMN {column} VARCHAR;
