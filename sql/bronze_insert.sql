-- bronze_insert.sql: lands one staged file in Bronze, every source column as text, with lineage.
INSERT INTO cbh.bronze_cur BY NAME
SELECT $1::BIGINT AS ingestion_id,
       $2::VARCHAR AS source_file,
       rowid + 1 AS source_row,
       $3::VARCHAR AS payer_account,
       $4::DATE AS billing_period,
       *
FROM {stage};
