-- io1_volume (saving): a Provisioned IOPS SSD volume (io1: EBS:VolumeUsage.piops and EBS:VolumeP-IOPS.piops; io2:
-- EBS:VolumeUsage.io2 and EBS:VolumeP-IOPS.io2) whose IOPS gp3 delivers (at most max_gp3_iops, 16,000): the saving
-- of gp3 at the same size and IOPS (3,000 included), priced at the bill's own gp3 rates in the region where it has
-- them, else at gp3_gb_share of the volume's storage price and gp3_iops_share of its IOPS price (0.08 against 0.125
-- per GB-month, 0.005 against 0.065 per IOPS-month, in every region). An io1 volume past that: io2 bills the IOPS
-- past io2_tier2_from (32,000) at io2_tier2_share (70 %) of io1's price.
INSERT INTO cbh.rules (rule, kind, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('io1_volume', 'saving',
        'Provisioned IOPS SSD volume: gp3 delivers its IOPS for less, or io2 prices them lower.',
        $$resource_id IS NOT NULL AND io_gb_months > 0
          AND (io_type = 'io1'
               OR io_iops_months <= params['max_gp3_iops'] * months_seen)$$,
        $$format('{} volume billed {} GB-months and {} IOPS-months ({} GB, {} IOPS) in {}: {} {}; {} costs {} ({})',
                 io_type, cbh.num(io_gb_months), cbh.num(io_iops_months),
                 cbh.num(cbh.ratio(io_gb_months, months_seen)),
                 cbh.num(cbh.ratio(io_iops_months, months_seen)),
                 strftime(billing_period, '%Y-%m'), cbh.num(io_storage_cost + io_iops_cost), coalesce(currency, ''),
                 CASE WHEN io_iops_months <= params['max_gp3_iops']
                                             * months_seen
                      THEN 'gp3 at the same size and IOPS' ELSE 'io2 at the same size and IOPS' END,
                 cbh.num(io_storage_cost + io_iops_cost - waste),
                 CASE WHEN io_iops_months > params['max_gp3_iops']
                                            * months_seen
                      THEN format('io2 bills IOPS past {} at {} % of io1''s price', cbh.num(params['io2_tier2_from']),
                                  cbh.num(100 * params['io2_tier2_share']))
                      WHEN rates['ebs:gp3'] IS NOT NULL
                      THEN format('the bill''s gp3 rates in {}: {} per GB-month, {} per IOPS-month', region,
                                  cbh.price(rates['ebs:gp3']), coalesce(cbh.price(rates['ebs:gp3-iops']), 'estimated'))
                      ELSE format('estimate: gp3 at {} % of the storage and {} % of the IOPS price',
                                  cbh.num(100 * params['gp3_gb_share']), cbh.num(100 * params['gp3_iops_share'])) END)$$,
        $$greatest(0, CASE
            WHEN io_iops_months <= params['max_gp3_iops'] * months_seen
            THEN io_storage_cost + io_iops_cost
                 - CASE WHEN rates['ebs:gp3'] IS NOT NULL THEN cbh.mul(io_gb_months, rates['ebs:gp3'])
                        ELSE cbh.mul(io_storage_cost, params['gp3_gb_share']) END
                 - cbh.mul(greatest(0, io_iops_months
                                       - 3000 * months_seen),
                           coalesce(rates['ebs:gp3-iops'],
                                    cbh.mul(cbh.ratio(io_iops_cost, io_iops_months), params['gp3_iops_share'])))
            ELSE cbh.mul(cbh.mul(greatest(0, io_iops_months - params['io2_tier2_from']
                                             * months_seen),
                                 cbh.ratio(io_iops_cost, io_iops_months)),
                         1 - params['io2_tier2_share'])
          END)$$,
        'waste',
        MAP {'max_gp3_iops': 16000, 'gp3_gb_share': 0.64, 'gp3_iops_share': 0.0769, 'io2_tier2_from': 32000,
             'io2_tier2_share': 0.7},
        'cbh');
