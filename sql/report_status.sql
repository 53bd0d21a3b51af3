-- report_status.sql: cbh_status' output, one row; zombies are the findings cbh_zombies() shows (those of the
-- enabled rules that run, not excluded), and what the daily spend allows cbh_anomalies() to judge. $1 cbh version, $2
-- DuckDB version, $3 lifecycle state.
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
       $3::VARCHAR AS lifecycle,
       d.spend_days, d.last_spend_day,
       -- what cbh_anomalies() can judge: nothing on monthly bills (no day can be told), from the 8th day of spend
       CASE WHEN d.rows = 0 THEN 'no bills yet'
            WHEN d.spend_days = 0
                THEN 'not possible: the bills are monthly (each line item covers its month); export the CUR or FOCUS '
                     || 'with hourly or daily granularity'
            WHEN d.spend_days < 8 THEN format('learning: {} days of spend; the first day judged needs 7 before it',
                                              d.spend_days)
            ELSE format('ready: {} days of spend, {} to {}', d.spend_days, d.first_spend_day, d.last_spend_day)
       END || CASE WHEN d.monthly_periods > 0 AND d.spend_days > 0
                   THEN format('; {} monthly billing period(s) not judged', d.monthly_periods) ELSE '' END
           AS anomaly_detection
FROM (SELECT count(*) AS rows, count(DISTINCT day) FILTER (WHERE NOT spans_days) AS spend_days,
             min(day) FILTER (WHERE NOT spans_days) AS first_spend_day,
             max(day) FILTER (WHERE NOT spans_days) AS last_spend_day,
             (SELECT count(*) FROM (SELECT 1 FROM cbh.gold_daily GROUP BY provider, billing_account, billing_period
                                    HAVING bool_and(spans_days))) AS monthly_periods
      FROM cbh.gold_daily) d;
