-- bronze_view.sql: a view ({view}) of the rows one file brought into a Bronze table ({bronze}) in this ingestion,
-- with the file's own column names and `rowid` (the record number - 1), as a staging table would have them
-- ({columns}). A view cannot take parameters: the ingestion ({ingestion}) and the file ({path}) are literals.
CREATE OR REPLACE TEMP VIEW {view} AS
SELECT {columns} FROM cbh.{bronze} WHERE ingestion_id = {ingestion} AND source_file = {path};
