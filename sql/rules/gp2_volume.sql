-- gp2_volume (saving): an EBS gp2 volume (EBS:VolumeUsage.gp2 GB-months; FOCUS: '(gp2) provisioned storage'), and
-- what gp3 at the same size and baseline IOPS saves. A gp2 volume has 3 IOPS per GB (up to 16,000); gp3 includes
-- 3,000 and bills the rest per IOPS-month. gp3 is priced at the bill's own gp3 rates in the volume's region where
-- it has them (rates['ebs:gp3'], rates['ebs:gp3-iops']), else at gp3_share of the volume's gp2 price (gp3 costs 80 %
-- of gp2 in every region) and gp3_iops_share of its gp2 GB-month price per IOPS-month (0.005 against 0.10).
INSERT INTO cbh.rules (rule, kind, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('gp2_volume', 'saving',
        'EBS gp2 volume: gp3 at the same size and baseline IOPS costs less.',
        $$resource_id IS NOT NULL AND gp2_cost > 0$$,
        $$format('gp2 volume billed {} GB-months ({} GB) in {}: {} {}; gp3 at the same size{} costs {} ({})',
                 cbh.num(gp2_gb_months),
                 cbh.num(cbh.ratio(gp2_gb_months, months_seen)),
                 strftime(billing_period, '%Y-%m'), cbh.num(gp2_cost), coalesce(currency, ''),
                 CASE WHEN gp2_gb_months > 1000 * months_seen
                      THEN ' and IOPS' ELSE '' END,
                 cbh.num(gp2_cost - waste),
                 CASE WHEN rates['ebs:gp3'] IS NOT NULL
                      THEN format('the bill''s gp3 rate in {}: {} per GB-month{}', region, cbh.price(rates['ebs:gp3']),
                                  CASE WHEN gp2_gb_months > 1000 * months_seen
                                       THEN coalesce(format(', {} per IOPS-month', cbh.price(rates['ebs:gp3-iops'])),
                                                     '; IOPS estimated') ELSE '' END)
                      ELSE format('estimate: gp3 at {} % of gp2', cbh.num(100 * params['gp3_share'])) END)$$,
        $$greatest(0, gp2_cost
            - CASE WHEN rates['ebs:gp3'] IS NOT NULL THEN cbh.mul(gp2_gb_months, rates['ebs:gp3'])
                   ELSE cbh.mul(gp2_cost, params['gp3_share']) END
            - cbh.mul(greatest(0, least(3 * gp2_gb_months,
                                        16000 * months_seen)
                                  - 3000 * months_seen),
                      coalesce(rates['ebs:gp3-iops'],
                               cbh.mul(cbh.ratio(gp2_cost, gp2_gb_months), params['gp3_iops_share']))))$$,
        'waste', MAP {'gp3_share': 0.8, 'gp3_iops_share': 0.05}, 'cbh');
