-- read_csv.sql: a fragment, not a statement: the strict reader of a billing CSV file ({path}: its parameter;
-- plain or compressed as {compression} says), every value as text, exactly as received. A line over 1 MiB is
-- refused: no billing record is that long. Used by bronze_load.sql and stage_csv.sql, so both read a file alike.
read_csv({path}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', strict_mode = true,
         null_padding = false, compression = {compression}, hive_partitioning = false, max_line_size = 1048576,
         skip = 0)
