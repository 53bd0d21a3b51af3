-- export_owner.sql: the warehouse's id (cbh.meta), which cbh_export writes into every file's footer as its owner.
SELECT warehouse_id FROM cbh.meta;
