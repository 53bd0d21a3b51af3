-- list_files.sql: expands one path or glob ($1) through DuckDB's file system; only metadata, no file content.
SELECT filename, size, timezone('UTC', last_modified) AS last_modified
FROM read_blob($1)
ORDER BY filename;
