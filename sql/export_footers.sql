-- export_footers.sql: what cbh_export wrote into each file's footer ({files}: the files found): the partition, its
-- token and the warehouse that wrote it. Files without them are not cbh's, and left out.
SELECT * FROM (
    SELECT max(v) FILTER (WHERE k = 'cbh_table') AS table_name, max(v) FILTER (WHERE k = 'cbh_provider') AS provider,
           max(v) FILTER (WHERE k = 'cbh_billing_account') AS billing_account,
           nullif(max(v) FILTER (WHERE k = 'cbh_billing_period'), '') AS billing_period,
           max(v) FILTER (WHERE k = 'cbh_token') AS token, max(v) FILTER (WHERE k = 'cbh_owner') AS owner
    FROM (SELECT file_name, decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata([{files}]))
    GROUP BY file_name
)
WHERE owner IS NOT NULL AND table_name IS NOT NULL AND token IS NOT NULL AND provider IS NOT NULL
  AND billing_account IS NOT NULL;
