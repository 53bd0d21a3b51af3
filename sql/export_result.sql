-- export_result.sql: cbh_export's rows, gathered while it writes.
CREATE OR REPLACE TEMP TABLE cbh_export_result (
    table_name VARCHAR, provider VARCHAR, billing_account VARCHAR, billing_period DATE, status VARCHAR, rows BIGINT,
    file VARCHAR
);
