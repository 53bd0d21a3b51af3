-- known_sha256.sql: the cheap re-drop check. A file whose path, size and modification time match an earlier
-- attempt has the fingerprint recorded then, so it is not read again.
SELECT sha256
FROM cbh.ledger
WHERE file = $1 AND size = $2 AND last_modified = $3 AND sha256 IS NOT NULL
ORDER BY ledger_id DESC
LIMIT 1;
