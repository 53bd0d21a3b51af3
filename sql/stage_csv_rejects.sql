-- stage_csv_rejects.sql: for a file the strict reader refused without naming a line (its sniffer gave up), the
-- same strict read with DuckDB's store_rejects, which records each bad line instead of failing; the first one is
-- what cbh reports. Both reject tables ({errors}, {scans}: their names as literals) are temporary tables of cbh's
-- writer connection, dropped afterwards.
CREATE OR REPLACE TEMP TABLE {stage} AS
SELECT * FROM read_csv($1, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
                       strict_mode = true, store_rejects = true, rejects_table = {errors},
                       rejects_scan = {scans}, null_padding = false, compression = {compression},
                       hive_partitioning = false, max_line_size = 1048576, skip = 0);
