-- landed_sha256.sql: the landing of these exact bytes ($1, under any file name), if they landed before, as a data
-- file ($2 false) or as a manifest ($2 true): format, the delivery keys (encoded as in ledger_insert.sql) and rows.
SELECT format,
       array_to_string(list_transform(deliveries, lambda d: concat_ws(chr(31), d.provider, d.billing_account,
                                                                     d.billing_period::VARCHAR)), chr(30)),
       rows
FROM cbh.ledger
WHERE sha256 = $1 AND status IN ('ingested', 'replaced') AND (format = 'manifest') = $2
ORDER BY ledger_id DESC
LIMIT 1;
