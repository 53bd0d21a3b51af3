-- export_partitions_read.sql: the partitions export_partitions.sql listed, with their tokens.
SELECT table_name, provider, billing_account, billing_period::VARCHAR, token FROM temp.main.cbh_export_partitions;
