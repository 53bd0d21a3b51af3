-- export_writer.sql: records in the export's folder ({base}, created here when its parent exists) that this
-- warehouse ({owner}, database {database}) exports there, and when: _cbh_warehouse=<id>/_cbh0.csv, one per writer
-- (the leading _ makes Spark, Trino and Athena skip it).
COPY (SELECT {owner} AS _cbh_warehouse, {database} AS database_name, {version} AS cbh_version,
             now()::TIMESTAMP AS exported_at)
TO {base} (FORMAT csv, PARTITION_BY (_cbh_warehouse), OVERWRITE_OR_IGNORE, FILENAME_PATTERN '_cbh',
           WRITE_PARTITION_COLUMNS true);
