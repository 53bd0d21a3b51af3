-- stage_csv.sql: reads one CSV file ($1, plain or compressed as {compression} says) as text, exactly as received,
-- into a temporary staging table of cbh's writer connection. Insertion order is kept, so rowid + 1 is the record
-- number in the file. A line over 1 MiB is refused: no billing record is that long.
CREATE OR REPLACE TEMP TABLE {stage} AS
SELECT * FROM read_csv($1, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
                       strict_mode = true, null_padding = false, compression = {compression},
                       hive_partitioning = false, max_line_size = 1048576, skip = 0);
