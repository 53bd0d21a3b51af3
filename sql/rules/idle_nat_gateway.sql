-- idle_nat_gateway: a NAT gateway billed for its hours (NatGateway-Hours) that processed or transferred no more
-- than max_gb GB in the period: every other meter the bill has for it counts (NatGateway-Bytes, and data transfer,
-- which FOCUS exports charge to the gateway too), so a gateway that moved data is never called idle.
INSERT INTO cbh.rules (rule, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('idle_nat_gateway',
        'NAT gateway billed for its hours with (almost) no data processed or transferred.',
        $$nat_gateway_hours > 0 AND usage_amount - nat_gateway_hours <= params['max_gb']$$,
        $$format('NAT gateway billed {} h in {}, {} GB processed or transferred', cbh.num(nat_gateway_hours),
                 strftime(billing_period, '%Y-%m'), cbh.num(usage_amount - nat_gateway_hours))$$,
        'cost', 'effective_cost', MAP {'max_gb': 0}, 'cbh');
