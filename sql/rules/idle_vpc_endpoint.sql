-- idle_vpc_endpoint: an interface VPC endpoint billed for its hours (VpcEndpoint-Hours) that processed no more than
-- max_gb GB (VpcEndpoint-Bytes) in the period.
INSERT OR IGNORE INTO cbh.rules (rule, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('idle_vpc_endpoint',
        'Interface VPC endpoint billed for its hours with (almost) no data processed.',
        $$vpc_endpoint_hours > 0 AND vpc_endpoint_gb <= params['max_gb']$$,
        $$format('VPC endpoint billed {} h in {}, {} GB processed', cbh.num(vpc_endpoint_hours),
                 strftime(billing_period, '%Y-%m'), cbh.num(vpc_endpoint_gb))$$,
        'cost', 'effective_cost', MAP {'max_gb': 0}, 'cbh');
