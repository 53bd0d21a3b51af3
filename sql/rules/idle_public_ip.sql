-- idle_public_ip: public IPv4 addresses (Elastic IPs) that AWS bills as idle: usage types ElasticIP:IdleAddress and
-- PublicIPv4:IdleAddress (with or without a region prefix), FOCUS descriptions "Idle public IPv4 address". Older
-- exports have no resource IDs: the waste is still reported, per account and region.
INSERT INTO cbh.rules (rule, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('idle_public_ip',
        'Public IPv4 address billed as idle (not attached to a running instance).',
        'greatest(idle_address_cost, idle_address_effective_cost) > 0',
        $$format('Public IPv4 address billed {} h as idle in {} ({} {}){}', cbh.num(idle_address_hours),
                 strftime(billing_period, '%Y-%m'), cbh.num(idle_address_cost), coalesce(currency, ''),
                 CASE WHEN resource_id IS NULL
                      THEN format('; the export has no resource IDs: account {}, region {}', account, region)
                      ELSE '' END)$$,
        'idle_address_cost', 'idle_address_effective_cost', MAP {}, 'cbh');
