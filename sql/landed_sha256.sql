-- landed_sha256.sql: whether these exact bytes already landed (under any file name).
SELECT count(*) > 0 FROM cbh.ledger WHERE sha256 = $1 AND status IN ('ingested', 'replaced');
