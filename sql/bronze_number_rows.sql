-- bronze_number_rows.sql: the record number of each row of one file ($2) just loaded into Bronze by this
-- ingestion ($1), before it commits: the load keeps the file's order, and the rows of one load are consecutive in
-- the transaction (measured cheaper than a row_number() window over the read, which orders the whole file on one
-- thread, or than a copy from a staging table).
UPDATE cbh.{bronze}
SET source_row = rowid - (SELECT min(rowid) FROM cbh.{bronze} WHERE ingestion_id = $1 AND source_file = $2) + 1
WHERE ingestion_id = $1 AND source_file = $2;
