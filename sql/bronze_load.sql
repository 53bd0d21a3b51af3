-- bronze_load.sql: reads one file ($2, with {reader}) straight into its format's Bronze table, inside the call's
-- transaction: every source column as text ({texts}: Parquet values as their text), renamed to the Bronze column
-- it lands in ({columns}), with lineage ($1: the ingestion) and the delivery key ({provider}, {account}, {period}:
-- the format's expressions). The record numbers follow (bronze_number_rows.sql).
INSERT INTO cbh.{bronze} BY NAME
SELECT $1::BIGINT AS ingestion_id,
       $2::VARCHAR AS source_file,
       0::BIGINT AS source_row,
       {provider} AS provider,
       {account} AS billing_account,
       {period} AS billing_period,
       {columns}
FROM (SELECT {texts} FROM {reader});
