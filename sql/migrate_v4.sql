-- migrate_v4.sql: the move from layout 4 (cbh 0.5) to layout 5: money holds 18 decimal places, not 12 (FOCUS sets
-- no limit; OCI writes 18), totals are kept per currency, and the data rules read every meter. Widening a DECIMAL
-- keeps every value exactly. schema.sql follows (the new daily spend table), then Gold is rebuilt.
ALTER TABLE cbh.periods ALTER COLUMN billed_cost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.periods ALTER COLUMN effective_cost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.silver_line_items ALTER COLUMN BilledCost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.silver_line_items ALTER COLUMN EffectiveCost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.silver_line_items ALTER COLUMN ListCost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.silver_line_items ALTER COLUMN ContractedCost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.gold_usage ALTER COLUMN cost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.gold_usage ALTER COLUMN effective_cost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.gold_usage ALTER COLUMN idle_address_cost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.gold_usage ALTER COLUMN idle_address_effective_cost TYPE DECIMAL(38, 18);
ALTER TABLE cbh.gold_usage ALTER COLUMN unused_commitment TYPE DECIMAL(38, 18);
-- The data rules look at every meter the bill has for a resource (a NAT gateway that transferred data is not
-- idle): cbh's own rules move to their layout 5 text where the user has not changed the predicate.
UPDATE cbh.rules SET description = n.description, predicate = n.predicate, evidence = n.evidence
FROM (VALUES
    ('idle_nat_gateway', $$nat_gateway_hours > 0 AND nat_gateway_gb <= params['max_gb']$$,
     'NAT gateway billed for its hours with (almost) no data processed or transferred.',
     $$nat_gateway_hours > 0 AND usage_amount - nat_gateway_hours <= params['max_gb']$$,
     $$format('NAT gateway billed {} h in {}, {} GB processed or transferred', cbh.num(nat_gateway_hours),
                 strftime(billing_period, '%Y-%m'), cbh.num(usage_amount - nat_gateway_hours))$$),
    ('idle_vpc_endpoint', $$vpc_endpoint_hours > 0 AND vpc_endpoint_gb <= params['max_gb']$$,
     'Interface VPC endpoint billed for its hours with (almost) no data processed or transferred.',
     $$vpc_endpoint_hours > 0 AND usage_amount - vpc_endpoint_hours <= params['max_gb']$$,
     $$format('VPC endpoint billed {} h in {}, {} GB processed or transferred', cbh.num(vpc_endpoint_hours),
                 strftime(billing_period, '%Y-%m'), cbh.num(usage_amount - vpc_endpoint_hours))$$),
    ('idle_load_balancer',
     $$load_balancer_hours > 0 AND load_balancer_lcu <= params['max_lcu'] AND load_balancer_gb <= params['max_gb']$$,
     'Load balancer billed for its hours with (almost) no capacity units or data processed or transferred.',
     $$load_balancer_hours > 0 AND load_balancer_lcu <= params['max_lcu']
          AND usage_amount - load_balancer_hours - load_balancer_lcu <= params['max_gb']$$,
     $$format('Load balancer billed {} h in {}, {} LCU-hours and {} GB processed or transferred',
                 cbh.num(load_balancer_hours), strftime(billing_period, '%Y-%m'), cbh.num(load_balancer_lcu),
                 cbh.num(usage_amount - load_balancer_hours - load_balancer_lcu))$$)
) AS n(rule, old, description, predicate, evidence)
WHERE cbh.rules.rule = n.rule AND cbh.rules.origin = 'cbh' AND cbh.rules.predicate = n.old;
-- Money of two currencies is never added: each period keeps its totals per currency.
ALTER TABLE cbh.periods ADD COLUMN IF NOT EXISTS by_currency STRUCT(currency VARCHAR, line_items BIGINT,
    billed_cost DECIMAL(38, 18), effective_cost DECIMAL(38, 18))[];
CREATE OR REPLACE TEMP TABLE cbh_periods_v5 AS
SELECT p.* EXCLUDE (billed_cost, effective_cost, by_currency),
       CASE WHEN coalesce(len(c.by_currency), 0) <= 1 THEN p.billed_cost END AS billed_cost,
       CASE WHEN coalesce(len(c.by_currency), 0) <= 1 THEN p.effective_cost END AS effective_cost,
       coalesce(c.by_currency,
                [{'currency': NULL::VARCHAR, 'line_items': 0::BIGINT, 'billed_cost': 0::DECIMAL(38, 18),
                  'effective_cost': 0::DECIMAL(38, 18)}]) AS by_currency
FROM cbh.periods p
LEFT JOIN (
    SELECT provider, billing_account, billing_period,
           list({'currency': currency, 'line_items': line_items, 'billed_cost': billed_cost,
                 'effective_cost': effective_cost} ORDER BY currency NULLS FIRST) AS by_currency
    FROM (SELECT ProviderName AS provider, BillingAccountId AS billing_account,
                 BillingPeriodStart::DATE AS billing_period, BillingCurrency AS currency, count(*) AS line_items,
                 coalesce(sum(BilledCost), 0) AS billed_cost, coalesce(sum(EffectiveCost), 0) AS effective_cost
          FROM cbh.silver_line_items
          GROUP BY ALL)
    GROUP BY ALL
) c USING (provider, billing_account, billing_period);
DELETE FROM cbh.periods;
INSERT INTO cbh.periods BY NAME SELECT * FROM temp.main.cbh_periods_v5;
DROP TABLE temp.main.cbh_periods_v5;
UPDATE cbh.meta SET schema_version = 5;
