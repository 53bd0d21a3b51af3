-- stage_csv_first_reject.sql: the first line stage_csv_rejects.sql recorded as bad (in {errors}), with its column
-- (1-based) and DuckDB's error type and message.
SELECT line, column_idx, coalesce(column_name, ''), error_type, error_message
FROM {errors} ORDER BY line, column_idx LIMIT 1;
