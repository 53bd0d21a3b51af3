-- live_delivery.sql: the delivery that holds (provider $1, billing account $2, billing period $3) now: the data
-- files the latest ingestion that landed it brought (ingestion id, file, sha256, rows), in file order.
WITH landings AS (
    SELECT ingestion_id, file, sha256, rows
    FROM cbh.ledger
    WHERE status IN ('ingested', 'replaced') AND format IS DISTINCT FROM 'manifest'
      AND list_contains(deliveries, {'provider': $1::VARCHAR, 'billing_account': $2::VARCHAR,
                                     'billing_period': $3::DATE})
)
SELECT ingestion_id, file, sha256, rows
FROM landings
WHERE ingestion_id = (SELECT max(ingestion_id) FROM landings)
ORDER BY file;
