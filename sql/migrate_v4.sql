-- migrate_v4.sql: the move from layout 4 (cbh 0.5) to layout 5: money holds 18 decimal places, not 12 (FOCUS sets
-- no limit; OCI writes 18). Widening a DECIMAL keeps every value exactly; schema.sql follows.
ALTER TABLE cbh.periods ALTER COLUMN billed_cost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.periods ALTER COLUMN effective_cost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.silver_line_items ALTER COLUMN BilledCost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.silver_line_items ALTER COLUMN EffectiveCost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.silver_line_items ALTER COLUMN ListCost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.silver_line_items ALTER COLUMN ContractedCost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.gold_usage ALTER COLUMN cost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.gold_usage ALTER COLUMN effective_cost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.gold_usage ALTER COLUMN idle_address_cost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.gold_usage ALTER COLUMN idle_address_effective_cost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.gold_usage ALTER COLUMN unused_commitment TYPE DECIMAL(38, 18);
UPDATE cbh.meta SET schema_version = 5;
