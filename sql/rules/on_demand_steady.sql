-- on_demand_steady (saving): an instance or node billed on demand for at least min_hours_share of the month's hours
-- (about 720 h) with none of them covered by a Savings Plan or a Reserved Instance, for min_periods months in a row:
-- a commitment would bill it for less. The saving is an estimate at `discount` (a 1-year no-upfront commitment
-- typically saves 25 % or more; tune it to your rates). EMR's fee, which no commitment covers, is left out.
INSERT INTO cbh.rules (rule, kind, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('on_demand_steady', 'saving',
        'Instance billed on demand all month with no Savings Plan or RI: a commitment bills it for less.',
        $$resource_id IS NOT NULL AND on_demand_hours > 0 AND on_demand_hours = instance_hours
          AND on_demand_hours >= params['min_hours_share']
                                 * date_diff('hour', billing_period, billing_period + INTERVAL 1 MONTH)
          AND NOT regexp_matches(instance_context, '^(ElasticMapReduce|Amazon Elastic MapReduce|Amazon EMR):')$$,
        $$format('{} billed on demand {} h of {} in {}: {} {}, none covered by a Savings Plan or RI; a commitment at {} % '
                 || 'off saves about {} (estimate)',
                 instance_type, cbh.num(on_demand_hours),
                 date_diff('hour', billing_period, billing_period + INTERVAL 1 MONTH), strftime(billing_period, '%Y-%m'),
                 cbh.num(on_demand_cost), coalesce(currency, ''), cbh.num(100 * params['discount']), cbh.num(waste))$$,
        $$cbh.mul(on_demand_cost, params['discount'])$$,
        'waste', MAP {'min_hours_share': 0.95, 'discount': 0.25, 'min_periods': 2}, 'cbh');
