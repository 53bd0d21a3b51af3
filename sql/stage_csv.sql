-- stage_csv.sql: reads one CSV file ($1) with {reader} (read_csv.sql) into a temporary staging table of cbh's
-- writer connection: the slow way, for a file that could not be read straight into Bronze (bronze_load.sql), to
-- find where it is wrong. Insertion order is kept, so rowid + 1 is the record number in the file.
CREATE OR REPLACE TEMP TABLE {stage} AS
SELECT * FROM {reader};
