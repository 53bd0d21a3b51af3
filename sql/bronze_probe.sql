-- bronze_probe.sql: an empty temporary table ({probe}) with the columns and types a file's reader ({reader}: its
-- path is $1) gives, without reading its rows: DuckDB's CSV sniffer, or the Parquet schema.
CREATE OR REPLACE TEMP TABLE {probe} AS SELECT * FROM {reader} LIMIT 0;
