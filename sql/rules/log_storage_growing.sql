-- log_storage_growing (waste): a CloudWatch Logs log group whose stored GB-months (TimedStorage-ByteHrs of
-- AmazonCloudWatch; FOCUS: 'log storage') grew from the month before while Logs Insights scanned nothing
-- (DataScanned-Bytes, on the group or, where an export does not name the group, in its account and region), for
-- min_periods months in a row: logs kept without a retention nobody queries, at their storage cost.
INSERT INTO cbh.rules (rule, kind, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('log_storage_growing', 'waste',
        'CloudWatch log group whose storage only grows and nobody queries.',
        $$log_storage_gb_months > 0 AND log_storage_gb_months > previous.log_storage_gb_months AND log_scanned_gb = 0$$,
        $$format('Log group stored {} GB-months in {}, up from {} the month before; 0 GB scanned by Logs Insights: {} {}',
                 cbh.num(log_storage_gb_months), strftime(billing_period, '%Y-%m'),
                 cbh.num(previous.log_storage_gb_months), cbh.num(log_storage_cost), coalesce(currency, ''))$$,
        'log_storage_cost', 'log_storage_cost', MAP {'min_periods': 2}, 'cbh');
