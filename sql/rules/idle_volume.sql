-- idle_volume: an EBS volume with no read or write operation on any day observed, over at least min_days days of
-- the period. Needs utilization metrics; without enough of them the rule says "no metrics".
INSERT INTO cbh.rules (rule, description, predicate, evidence, waste, effective_waste, params, origin,
                                 no_metrics)
VALUES ('idle_volume',
        'EBS volume with no read or write operations.',
        $$resource_key LIKE 'vol-%' AND volume_days >= params['min_days'] AND volume_ops = 0$$,
        $$format('EBS volume billed {} {} in {}; 0 read or write operations over {} days', cbh.num(cost),
                 coalesce(currency, ''), strftime(billing_period, '%Y-%m'), volume_days)$$,
        'cost', 'effective_cost', MAP {'min_days': 7}, 'cbh',
        $$resource_key LIKE 'vol-%' AND cost > 0 AND coalesce(volume_days, 0) < params['min_days']$$);
