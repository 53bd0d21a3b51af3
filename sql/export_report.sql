-- export_report.sql: cbh_export's rows, in the order written; then its temporary tables go.
SELECT table_name, provider, billing_account, billing_period, status, rows, file
FROM temp.main.cbh_export_result
ORDER BY rowid;
