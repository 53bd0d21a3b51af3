-- unused_commitment: Reserved Instance fees and Savings Plan commitment paid for but not used in the period (CUR:
-- the unused part of RIFee and SavingsPlanRecurringFee line items; FOCUS: CommitmentDiscountStatus 'Unused').
INSERT INTO cbh.rules (rule, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('unused_commitment',
        'Reserved Instance or Savings Plan commitment paid for and not used.',
        'unused_commitment > 0',
        $$format('{} {} of commitment unused in {} ({})', cbh.num(unused_commitment), coalesce(currency, ''),
                 strftime(billing_period, '%Y-%m'), coalesce(usage_type, service, 'commitment'))$$,
        'unused_commitment', 'unused_commitment', MAP {}, 'cbh');
