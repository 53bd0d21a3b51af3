-- idle_nat_gateway: a NAT gateway billed for its hours (NatGateway-Hours) that processed no more than max_gb GB
-- (NatGateway-Bytes) in the period.
INSERT OR IGNORE INTO cbh.rules (rule, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('idle_nat_gateway',
        'NAT gateway billed for its hours with (almost) no data processed.',
        $$nat_gateway_hours > 0 AND nat_gateway_gb <= params['max_gb']$$,
        $$format('NAT gateway billed {} h in {}, {} GB processed', cbh.num(nat_gateway_hours),
                 strftime(billing_period, '%Y-%m'), cbh.num(nat_gateway_gb))$$,
        'cost', 'effective_cost', MAP {'max_gb': 0}, 'cbh');
