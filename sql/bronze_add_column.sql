-- bronze_add_column.sql: a source column a Bronze table has not seen yet (a new tag, a new field).
ALTER TABLE cbh.{bronze} ADD COLUMN IF NOT EXISTS {column} VARCHAR;
