-- idle_database: an RDS instance with zero connections on every day observed, over at least min_days days of the
-- period. Its line items name it by ARN (arn:aws:rds:...:db:orders), its metrics by DBInstanceIdentifier (orders).
-- Needs utilization metrics; without enough of them the rule says "no metrics".
INSERT INTO cbh.rules (rule, description, predicate, evidence, waste, effective_waste, params, origin,
                                 no_metrics)
VALUES ('idle_database',
        'RDS database instance with no connections.',
        $$resource_id LIKE 'arn:%:rds:%:db:%' AND db_days >= params['min_days'] AND db_connections_max = 0$$,
        $$format('RDS instance billed {} {} in {}; 0 connections over {} days', cbh.num(cost), coalesce(currency, ''),
                 strftime(billing_period, '%Y-%m'), db_days)$$,
        'cost', 'effective_cost', MAP {'min_days': 7}, 'cbh',
        $$resource_id LIKE 'arn:%:rds:%:db:%' AND cost > 0 AND coalesce(db_days, 0) < params['min_days']$$);
