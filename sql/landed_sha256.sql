-- landed_sha256.sql: the landing of these exact bytes ($1, under any file name), if they landed before, as a data
-- file ($2 false) or as a manifest ($2 true): format, the delivery keys (a list of structs as ledger_insert.sql
-- takes them, the billing period as text) and rows.
SELECT format,
       list_transform(deliveries, lambda d: {'provider': d.provider, 'billing_account': d.billing_account,
                                             'billing_period': d.billing_period::VARCHAR}),
       rows
FROM cbh.ledger
WHERE sha256 = $1 AND status IN ('ingested', 'replaced') AND (format = 'manifest') = $2
ORDER BY ledger_id DESC
LIMIT 1;
