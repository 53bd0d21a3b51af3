-- bronze_delete.sql: removes a (provider $1, billing account $2, billing period $3) from every format's Bronze
-- (a period may move from one export format to another), except the rows of ingestion $4: the call's own, read
-- into Bronze before it lands (-1 keeps none).
DELETE FROM cbh.bronze_cur
WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE AND ingestion_id <> $4;
DELETE FROM cbh.bronze_cur_athena
WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE AND ingestion_id <> $4;
DELETE FROM cbh.bronze_cur2
WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE AND ingestion_id <> $4;
DELETE FROM cbh.bronze_focus
WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE AND ingestion_id <> $4;
