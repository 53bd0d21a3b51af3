-- export_folders.sql: creates the folders of the partitions cbh_export is about to write ({keys}: their provider,
-- billing account and billing period; {by}: the partition columns) under {target}: a plain COPY does not create
-- folders, a partitioned one does. Each folder keeps a marker, _cbh0.csv, naming the warehouse ({owner}); its
-- leading _ makes Spark, Trino and Athena skip it.
COPY (SELECT provider, billing_account, billing_period, {owner} AS cbh_owner
      FROM (VALUES {keys}) k(provider, billing_account, billing_period))
TO {target} (FORMAT csv, PARTITION_BY ({by}), OVERWRITE_OR_IGNORE, FILENAME_PATTERN '_cbh');
