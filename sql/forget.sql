-- forget.sql: cbh_forget: the ledger's landings of (provider $1, billing account $2, billing period $3) are marked
-- forgotten, so that the same files land again when ingested; period_delete.sql then removes the period's rows.
UPDATE cbh.ledger
SET status = 'forgotten', note = 'forgotten by cbh_forget() at ' || strftime(now()::TIMESTAMP, '%Y-%m-%d %H:%M:%S')
WHERE status IN ('ingested', 'replaced')
  AND list_contains(deliveries, {'provider': $1::VARCHAR, 'billing_account': $2::VARCHAR,
                                 'billing_period': $3::DATE});
