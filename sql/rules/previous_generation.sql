-- previous_generation (saving): an instance or node of a previous-generation family (cbh.instance_generations: t2,
-- m4, c4, r4, m3, i2, ... in EC2 BoxUsage:, RDS InstanceUsage:db., ElastiCache NodeUsage:cache., Redshift Node:,
-- OpenSearch ESInstance:) and what its successor at the same size saves on its on-demand hours: priced at the bill's
-- own rate of the successor in the same region, service and offer (the same description: Linux, Multi-AZ, ...),
-- where the bill has it; else, for EC2 only, the family's list_saving share (an estimate); else nothing.
INSERT INTO cbh.rules (rule, kind, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('previous_generation', 'saving',
        'Instance of a previous generation: its current family at the same size costs less.',
        $$resource_id IS NOT NULL AND instance_hours > 0 AND successor IS NOT NULL$$,
        $$format('{} ran {} h in {} ({} h on demand: {} {}); {} at the same size costs {} ({})',
                 instance_type, cbh.num(instance_hours), strftime(billing_period, '%Y-%m'), cbh.num(on_demand_hours),
                 cbh.num(on_demand_cost), coalesce(currency, ''), cbh.successor_type(instance_type, successor),
                 cbh.num(on_demand_cost - waste),
                 CASE WHEN rates['instance:' || cbh.successor_type(instance_type, successor) || ':' || instance_context]
                           IS NOT NULL
                      THEN format('the bill''s rate in {}: {} an hour', region,
                                  cbh.price(rates['instance:' || cbh.successor_type(instance_type, successor) || ':'
                                                || instance_context]))
                      WHEN list_saving IS NOT NULL AND regexp_matches(instance_context, '^(AmazonEC2|Amazon Elastic Compute Cloud):')
                      THEN format('estimate: {} % less at list prices; the bill has no price of it',
                                  cbh.num(100 * list_saving))
                      ELSE 'the bill has no price of it' END)$$,
        $$greatest(0, CASE
            WHEN rates['instance:' || cbh.successor_type(instance_type, successor) || ':' || instance_context] IS NOT NULL
            THEN on_demand_cost
                 - cbh.mul(on_demand_hours,
                           rates['instance:' || cbh.successor_type(instance_type, successor) || ':' || instance_context])
            WHEN regexp_matches(instance_context, '^(AmazonEC2|Amazon Elastic Compute Cloud):')
            THEN cbh.mul(on_demand_cost, list_saving)
          END)$$,
        'waste', MAP {}, 'cbh');
