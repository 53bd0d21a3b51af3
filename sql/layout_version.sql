-- layout_version.sql: the warehouse's layout version (cbh.meta exists: layout 2 and later).
SELECT coalesce(max(schema_version), 2) FROM cbh.meta;
