-- landed_sha256.sql: the landing of these exact bytes (under any file name), if they landed before.
SELECT billing_period::VARCHAR, payer_account, rows
FROM cbh.ledger
WHERE sha256 = $1 AND status IN ('ingested', 'replaced')
ORDER BY ledger_id DESC
LIMIT 1;
