-- stage_csv_lenient.sql: for a file the strict reader refused, a lenient read (bad lines skipped) that tells which
-- deliveries it belongs to, so that the rest of a delivery does not land without it.
CREATE OR REPLACE TEMP TABLE {stage} AS
SELECT * FROM read_csv($1, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
                       strict_mode = false, ignore_errors = true, null_padding = true, compression = {compression},
                       hive_partitioning = false, max_line_size = 1048576, skip = 0);
