-- zero_usage: the seed's rule. A resource whose usage line items (Savings Plan negations aside) cost more than 0 in
-- the period while their consumed quantity sums to exactly 0. A resource a more specific rule also finds (an idle
-- address billed with no hours) is reported by both; cbh_waste() counts its money once.
INSERT INTO cbh.rules (rule, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('zero_usage',
        'Billed in the period with no usage at all (consumed quantity 0).',
        'resource_id IS NOT NULL AND cost > 0 AND usage_amount = 0',
        $$format('{} billed {} {} in {} with no usage', coalesce(usage_type, service, 'resource'), cbh.num(cost),
                 coalesce(currency, ''), strftime(billing_period, '%Y-%m'))$$,
        'cost', 'effective_cost', MAP {}, 'cbh');
