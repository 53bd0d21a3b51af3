-- paid_trail_events (waste): CloudTrail management events recorded past the first copy (PaidEventsRecorded: a second
-- trail logging the same management events, 2 USD per 100,000); without resource IDs, per account and region.
INSERT INTO cbh.rules (rule, kind, description, predicate, evidence, waste, effective_waste, params, origin)
VALUES ('paid_trail_events', 'waste',
        'CloudTrail trail recording paid copies of management events another trail records for free.',
        $$paid_events_cost > 0$$,
        $$format('CloudTrail recorded {} paid events (copies of management events past the first) in {}: {} {}{}',
                 cbh.num(paid_events), strftime(billing_period, '%Y-%m'), cbh.num(paid_events_cost),
                 coalesce(currency, ''),
                 CASE WHEN resource_id IS NULL
                      THEN format('; the export has no resource IDs: account {}, region {}', account, region)
                      ELSE '' END)$$,
        'paid_events_cost', 'paid_events_cost', MAP {}, 'cbh');
