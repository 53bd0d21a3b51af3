-- stage_header.sql: the header line of a CSV file ($1, compressed as {compression} says), as written: DuckDB's
-- reader renames a repeated column name (`a`, `a_1`), so a repeat is confirmed here.
SELECT * FROM read_csv($1, header = false, all_varchar = true, delim = ',', quote = '"', escape = '"',
                       compression = {compression}, hive_partitioning = false, max_line_size = 1048576, skip = 0)
LIMIT 1;
