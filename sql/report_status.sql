-- report_status.sql: cbh_status' output, one row; zombies are the findings cbh_zombies() shows (those of the
-- enabled rules that run, not excluded). $1 cbh version, $2 DuckDB version, $3 lifecycle state.
SELECT $1::VARCHAR AS cbh_version,
       $2::VARCHAR AS duckdb_version,
       'cbh' AS warehouse_schema,
       (SELECT count(*) FROM cbh.periods) AS periods,
       (SELECT min(billing_period) FROM cbh.periods) AS first_period,
       (SELECT max(billing_period) FROM cbh.periods) AS last_period,
       (SELECT (SELECT count(*) FROM cbh.bronze_cur) + (SELECT count(*) FROM cbh.bronze_cur_athena)
               + (SELECT count(*) FROM cbh.bronze_cur2) + (SELECT count(*) FROM cbh.bronze_focus)) AS bronze_rows,
       (SELECT count(*) FROM cbh.silver_line_items) AS silver_line_items,
       (SELECT count(*) FROM cbh.silver_resources) AS resources,
       (SELECT count(*) FROM ({findings}) WHERE excluded_reason IS NULL AND verdict = 'idle') AS zombies,
       (SELECT count(*) FROM cbh.ledger) AS ledger_entries,
       (SELECT max(finished_at) FROM cbh.ledger) AS last_ingestion_at,
       (SELECT arg_max(file, ledger_id) FROM cbh.ledger) AS last_file,
       (SELECT arg_max(status, ledger_id) FROM cbh.ledger) AS last_status,
       $3::VARCHAR AS lifecycle;
