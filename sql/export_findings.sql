-- export_findings.sql: every finding of the enabled rules, for cbh_export: the waste rules' as cbh_zombies(min_cost
-- := 0, excluded := true, no_metrics := true) returns them ({zombies}: report_zombies.sql), and the saving rules' as
-- cbh_savings(min_saving := 0, excluded := true) does ({savings}: report_savings.sql) in the same columns: the saving
-- as cost, effective_cost and monthly_waste, the resource's own cost as resource_cost (NULL for waste); `kind` tells
-- them apart. Both take the same four parameters; money as DECIMAL(38, 18), the type the functions declare.
CREATE OR REPLACE TEMP TABLE cbh_export_findings AS
SELECT * REPLACE (monthly_waste::DECIMAL(38, 18) AS monthly_waste)
FROM (
    SELECT * FROM ({zombies})
    UNION ALL BY NAME
    SELECT * EXCLUDE (cost, saving, effective_saving, monthly_saving, first_found),
           saving AS cost, effective_saving AS effective_cost, monthly_saving AS monthly_waste,
           first_found AS first_seen_idle, cost AS resource_cost, 'idle' AS verdict
    FROM ({savings})
);
