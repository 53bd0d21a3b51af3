-- idle_vpc_endpoint: an interface VPC endpoint billed for its hours (VpcEndpoint-Hours) that processed or
-- transferred no more than max_gb GB in the period: every other meter the bill has for it counts
-- (VpcEndpoint-Bytes, data transfer).
INSERT INTO cbh.rules (rule, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('idle_vpc_endpoint',
        'Interface VPC endpoint billed for its hours with (almost) no data processed or transferred.',
        $$vpc_endpoint_hours > 0 AND usage_amount - vpc_endpoint_hours <= params['max_gb']$$,
        $$format('VPC endpoint billed {} h in {}, {} GB processed or transferred', cbh.num(vpc_endpoint_hours),
                 strftime(billing_period, '%Y-%m'), cbh.num(usage_amount - vpc_endpoint_hours))$$,
        'cost', 'effective_cost', MAP {'max_gb': 0}, 'cbh');
