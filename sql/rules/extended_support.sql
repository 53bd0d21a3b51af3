-- extended_support (saving): the extended support charge of a database or cluster running a version past its
-- standard support (RDS and Aurora ExtendedSupport:Yr1-Yr2:MySQL5.7 ..., EKS AmazonEKS-Hours:extendedSupport,
-- ElastiCache; FOCUS: 'Extended Support' in the description): upgrading to a supported version saves all of it.
INSERT INTO cbh.rules (rule, kind, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('extended_support', 'saving',
        'Extended support charge of a version past its standard support: upgrading saves it.',
        $$greatest(extended_support_cost, extended_support_effective_cost) > 0$$,
        $$format('{} billed {} {} of extended support in {}: {} {}; a supported version stops the charge',
                 coalesce(service, 'resource'), cbh.num(extended_support_quantity),
                 coalesce(extended_support_unit, 'units'), strftime(billing_period, '%Y-%m'),
                 cbh.num(extended_support_cost), coalesce(currency, ''))$$,
        'extended_support_cost', 'extended_support_effective_cost', MAP {}, 'cbh');
