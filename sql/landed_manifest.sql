-- landed_manifest.sql: the landing of a manifest with these exact bytes, if it landed before: as landed_sha256.sql.
SELECT format,
       array_to_string(list_transform(deliveries, lambda d: concat_ws(chr(31), d.provider, d.billing_account,
                                                                     d.billing_period::VARCHAR)), chr(30)),
       rows
FROM cbh.ledger
WHERE sha256 = $1 AND status IN ('ingested', 'replaced') AND format = 'manifest'
ORDER BY ledger_id DESC
LIMIT 1;
