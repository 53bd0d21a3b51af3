-- old_snapshot (waste): snapshot storage billed on every day of the period (EBS:SnapshotUsage per snapshot; RDS
-- ChargedBackupUsage and Aurora BackupUsage of a database no longer running: no instance hours in the period;
-- FOCUS: 'snapshot data stored', RDS 'backup storage'), for min_periods months in a row: a snapshot at least that
-- old, kept at its monthly cost.
INSERT INTO cbh.rules (rule, kind, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('old_snapshot', 'waste',
        'Snapshot or backup storage billed every day for months.',
        $$resource_id IS NOT NULL AND snapshot_cost > 0 AND instance_hours = 0
          AND snapshot_days >= date_diff('day', billing_period, billing_period + INTERVAL 1 MONTH)$$,
        $$format('Snapshot storage billed on all {} days of {}: {} GB-months, {} {}', snapshot_days,
                 strftime(billing_period, '%Y-%m'), cbh.num(snapshot_gb_months), cbh.num(snapshot_cost),
                 coalesce(currency, ''))$$,
        'snapshot_cost', 'snapshot_cost', MAP {'min_periods': 2}, 'cbh');
