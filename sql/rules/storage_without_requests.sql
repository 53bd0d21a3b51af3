-- storage_without_requests (waste): an S3 bucket billed for storage (TimedStorage-*ByteHrs) with no request line
-- (Requests-*, lifecycle transitions aside) for min_periods months in a row: data nobody reads or writes, at the
-- bucket's whole cost. Needs resource IDs (the bucket).
INSERT INTO cbh.rules (rule, kind, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('storage_without_requests', 'waste',
        'S3 bucket billed for storage with no requests for months.',
        $$resource_id IS NOT NULL AND s3_storage_gb_months > 0 AND s3_requests = 0$$,
        $$format('S3 bucket stored {} GB-months in {} with 0 requests: {} {}', cbh.num(s3_storage_gb_months),
                 strftime(billing_period, '%Y-%m'), cbh.num(cost), coalesce(currency, ''))$$,
        'cost', 'effective_cost', MAP {'min_periods': 2}, 'cbh');
