-- migrate_v1_finish.sql: second half of the move from layout 1: the ledger copied back with the new columns.
INSERT INTO cbh.ledger BY NAME
SELECT ledger_id, ingestion_id, file, size, last_modified, sha256, 'cur' AS format,
       CASE WHEN payer_account IS NOT NULL THEN 'AWS' END AS provider, payer_account AS billing_account,
       billing_period, rows, status, error, NULL AS manifest,
       CASE WHEN payer_account IS NOT NULL AND billing_period IS NOT NULL
            THEN [{'provider': 'AWS', 'billing_account': payer_account, 'billing_period': billing_period}]
            ELSE [] END AS deliveries,
       started_at, finished_at
FROM temp.cbh_ledger_v1;
DROP TABLE temp.cbh_ledger_v1;
