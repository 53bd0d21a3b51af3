-- export_result_insert.sql: one partition's outcome.
INSERT INTO temp.main.cbh_export_result VALUES ($1, $2, $3, $4::DATE, $5, $6, $7);
