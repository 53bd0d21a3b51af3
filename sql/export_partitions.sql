-- export_partitions.sql: the partitions cbh_export writes, one per table and (provider, billing account, billing
-- period), or per (provider, billing account) for the resource dimension, each with a token that changes whenever
-- its rows may have: a period's live delivery, Silver version and last rebuild, cbh's version and layout
-- ({version}); the findings' own rows (export_findings.sql), since rules, exclusions and metrics change them too.
CREATE OR REPLACE TEMP TABLE cbh_export_partitions AS
WITH periods AS (
    SELECT provider, billing_account, billing_period,
           md5(concat_ws('|', {version}, ingestion_id, silver_version, updated_at)) AS token
    FROM cbh.periods
),
findings AS (
    SELECT provider, billing_account, billing_period,
           md5(string_agg(f::VARCHAR, chr(10) ORDER BY f::VARCHAR)) AS content
    FROM temp.main.cbh_export_findings f
    GROUP BY ALL
)
SELECT t.name AS table_name, provider, billing_account, billing_period, md5(t.name || '|' || token) AS token
FROM periods, (VALUES ('silver_line_items'), ('gold_usage'), ('gold_daily')) t(name)
UNION ALL
SELECT 'silver_resources', provider, billing_account, NULL,
       md5('silver_resources|' || string_agg(token, ',' ORDER BY billing_period))
FROM periods
GROUP BY provider, billing_account
UNION ALL
SELECT 'findings', p.provider, p.billing_account, p.billing_period,
       md5(concat_ws('|', 'findings', {version}, coalesce(f.content, 'none')))
FROM periods p
LEFT JOIN findings f USING (provider, billing_account, billing_period);
