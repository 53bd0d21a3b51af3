-- export_glob.sql: the files of an export's table ($1: a glob), listed through DuckDB's file system.
SELECT file FROM glob($1) ORDER BY file;
