-- idle_instance: an EC2 instance whose daily maximum CPU stayed under max_cpu % and whose daily network (in + out)
-- stayed under max_network_mb MB on every day observed, over at least min_days days of the period. Needs
-- utilization metrics (cbh_ingest(path, kind := 'metrics')); without enough of them the rule says "no metrics".
INSERT INTO cbh.rules (rule, description, predicate, evidence, waste, effective_waste, params, origin,
                                 no_metrics)
VALUES ('idle_instance',
        'EC2 instance with (almost) no CPU and network on every day observed.',
        $$resource_key LIKE 'i-%' AND cpu_days >= params['min_days'] AND network_days >= params['min_days']
          AND cpu_max < params['max_cpu'] AND network_max_mb < params['max_network_mb']$$,
        $$format('EC2 instance billed {} {} in {}; daily max CPU at most {} %, network at most {} MB a day, over {} days',
                 cbh.num(cost), coalesce(currency, ''), strftime(billing_period, '%Y-%m'), cbh.num(cpu_max::DECIMAL(38, 6)),
                 cbh.num(network_max_mb::DECIMAL(38, 6)), least(cpu_days, network_days))$$,
        'cost', 'effective_cost', MAP {'max_cpu': 2, 'max_network_mb': 5, 'min_days': 7}, 'cbh',
        $$resource_key LIKE 'i-%' AND cost > 0
          AND NOT (coalesce(cpu_days, 0) >= params['min_days'] AND coalesce(network_days, 0) >= params['min_days'])$$);
