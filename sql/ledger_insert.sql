-- ledger_insert.sql: records one ingestion attempt of one file. Times are microseconds since the epoch (UTC).
INSERT INTO cbh.ledger
VALUES (nextval('cbh.ledger_seq'), $1, $2, $3, make_timestamp($4::BIGINT), $5, $6::DATE, $7, $8, $9, $10,
        make_timestamp($11::BIGINT), make_timestamp($12::BIGINT));
