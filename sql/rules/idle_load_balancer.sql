-- idle_load_balancer: a load balancer billed for its hours (LoadBalancerUsage) with no more than max_lcu capacity
-- unit-hours (LCUUsage, NLCUUsage, GLCUUsage) and max_gb GB processed or transferred: every other meter the bill has
-- for it counts as data (DataProcessing-Bytes of a Classic Load Balancer, data transfer in and out), so a load
-- balancer that moved data is never called idle.
INSERT INTO cbh.rules (rule, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('idle_load_balancer',
        'Load balancer billed for its hours with (almost) no capacity units or data processed or transferred.',
        $$load_balancer_hours > 0 AND load_balancer_lcu <= params['max_lcu']
          AND usage_amount - load_balancer_hours - load_balancer_lcu <= params['max_gb']$$,
        $$format('Load balancer billed {} h in {}, {} LCU-hours and {} GB processed or transferred',
                 cbh.num(load_balancer_hours), strftime(billing_period, '%Y-%m'), cbh.num(load_balancer_lcu),
                 cbh.num(usage_amount - load_balancer_hours - load_balancer_lcu))$$,
        'cost', 'effective_cost', MAP {'max_lcu': 0, 'max_gb': 0}, 'cbh');
