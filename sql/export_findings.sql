-- export_findings.sql: every finding of the enabled rules, as cbh_zombies(min_cost := 0, excluded := true,
-- no_metrics := true) returns them (report_zombies.sql, which takes its four parameters; money as DECIMAL(38, 18),
-- the type cbh_zombies declares), for cbh_export.
CREATE OR REPLACE TEMP TABLE cbh_export_findings AS
SELECT * REPLACE (monthly_waste::DECIMAL(38, 18) AS monthly_waste)
FROM ({report});
