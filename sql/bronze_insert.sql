-- bronze_insert.sql: lands one staged file in its format's Bronze table, every source column as text, with lineage
-- and the delivery key ({provider}, {account}, {period}: the format's expressions over the file's columns).
-- {columns} renames each staged column to the Bronze column it lands in (the same column however the file spells it).
INSERT INTO cbh.{bronze} BY NAME
SELECT $1::BIGINT AS ingestion_id,
       $2::VARCHAR AS source_file,
       rowid + 1 AS source_row,
       {provider} AS provider,
       {account} AS billing_account,
       {period} AS billing_period,
       {columns}
FROM {stage};
