-- gold_rebuild.sql: Gold usage of one (provider $1, billing account $2, billing period $3): per resource (or, for
-- line items without a resource ID, per account and region), what it cost and used, and the meters the zombie
-- rules read. Usage line items (Savings Plan negations aside) give cost, effective cost and usage; commitment fees
-- give the unused commitment. Meters are recognized by usage type (region prefix or none: `USE1-NatGateway-Hours`,
-- `NatGateway-Hours`) or, where an export has no usage type (FOCUS), by charge description. A resource billed in two
-- currencies has a row for each: money of two currencies is never added. docs/rules.md.
DELETE FROM cbh.gold_usage WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE;
INSERT INTO cbh.gold_usage BY NAME
-- The meter of each distinct (usage type, charge description): a few hundred, matched once each rather than once
-- per line item (the patterns cost more than the rest of Gold).
WITH meters AS (
    SELECT x_UsageType, ChargeDescription,
       CASE
           WHEN regexp_matches(x_UsageType, '(^|-)(ElasticIP|PublicIPv4):IdleAddress$')
                OR ChargeDescription ILIKE '%idle public IPv4 address%'
                OR ChargeDescription ILIKE '%Elastic IP address not attached to a running instance%'
               THEN 'idle_address'
           WHEN regexp_matches(x_UsageType, '(^|-)NatGateway-Hours$')
                OR ChargeDescription ILIKE '%per NAT Gateway Hour%' THEN 'nat_gateway_hours'
           WHEN regexp_matches(x_UsageType, '(^|-)NatGateway-Bytes$')
                OR ChargeDescription ILIKE '%Data Processed by NAT Gateway%' THEN 'nat_gateway_gb'
           WHEN regexp_matches(x_UsageType, '(^|-)LoadBalancerUsage$')
                OR ChargeDescription ILIKE '%LoadBalancer-hour%' THEN 'load_balancer_hours'
           WHEN regexp_matches(x_UsageType, '(^|-)[GN]?LCUUsage$')
                OR ChargeDescription ILIKE '%load balancer capacity unit-hour%'
                OR ChargeDescription ILIKE '%LCU-hour%' THEN 'load_balancer_lcu'
           WHEN regexp_matches(x_UsageType, '(^|-)DataProcessing-Bytes$') THEN 'load_balancer_gb'
           WHEN regexp_matches(x_UsageType, '(^|-)VpcEndpoint-Hours$')
                OR ChargeDescription ILIKE '%per VPC Endpoint Hour%' THEN 'vpc_endpoint_hours'
           WHEN regexp_matches(x_UsageType, '(^|-)VpcEndpoint-Bytes$')
                OR ChargeDescription ILIKE '%Data Processed by VPC Endpoint%' THEN 'vpc_endpoint_gb'
       END AS meter
    FROM (SELECT DISTINCT x_UsageType, ChargeDescription
          FROM cbh.silver_line_items
          WHERE ProviderName = $1 AND BillingAccountId = $2 AND BillingPeriodStart::DATE = $3::DATE
            AND ChargeCategory IN ('Usage', 'Purchase'))
),
items AS (
    SELECT s.*,
           cbh.resource_key(ResourceId) AS resource_key,
           ChargeCategory = 'Usage' AND x_LineItemType IS DISTINCT FROM 'SavingsPlanNegation' AS is_usage,
           m.meter,
           x_LineItemType IN ('RIFee', 'SavingsPlanRecurringFee') OR CommitmentDiscountStatus = 'Unused'
               AS is_commitment
    FROM cbh.silver_line_items s
    JOIN meters m ON s.x_UsageType IS NOT DISTINCT FROM m.x_UsageType
                 AND s.ChargeDescription IS NOT DISTINCT FROM m.ChargeDescription
    WHERE ProviderName = $1 AND BillingAccountId = $2 AND BillingPeriodStart::DATE = $3::DATE
      AND ChargeCategory IN ('Usage', 'Purchase')
),
grouped AS (
    -- Without a resource ID, line items group by account and region.
    SELECT *,
           CASE WHEN resource_key IS NULL THEN SubAccountId END AS group_account,
           CASE WHEN resource_key IS NULL THEN RegionId END AS group_region
    FROM items
    WHERE is_usage OR is_commitment
),
by_type AS (
    SELECT resource_key, group_account, group_region, BillingCurrency AS currency, x_UsageType,
           sum(BilledCost) AS cost, max(ServiceName) AS service, max(RegionId) AS region,
           max(SubAccountId) AS account, max(ResourceId) AS resource_id
    FROM grouped
    GROUP BY ALL
),
top_type AS (
    SELECT resource_key, group_account, group_region, currency,
           first(x_UsageType ORDER BY cost DESC, x_UsageType NULLS LAST) AS usage_type,
           first(service ORDER BY cost DESC, x_UsageType NULLS LAST) AS service,
           first(region ORDER BY cost DESC, x_UsageType NULLS LAST) AS region,
           first(account ORDER BY cost DESC, x_UsageType NULLS LAST) AS account,
           first(resource_id ORDER BY cost DESC, x_UsageType NULLS LAST) AS resource_id
    FROM by_type
    GROUP BY ALL
),
totals AS (
    SELECT resource_key, group_account, group_region, BillingCurrency AS currency,
           coalesce(sum(BilledCost) FILTER (WHERE is_usage), 0) AS cost,
           coalesce(sum(EffectiveCost) FILTER (WHERE is_usage), 0) AS effective_cost,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE is_usage), 0) AS usage_amount,
           min(ChargePeriodStart) AS first_charge,
           max(ChargePeriodEnd) AS last_charge,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE meter = 'idle_address'), 0) AS idle_address_hours,
           coalesce(sum(BilledCost) FILTER (WHERE meter = 'idle_address'), 0) AS idle_address_cost,
           coalesce(sum(EffectiveCost) FILTER (WHERE meter = 'idle_address'), 0) AS idle_address_effective_cost,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE meter = 'nat_gateway_hours'), 0) AS nat_gateway_hours,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE meter = 'nat_gateway_gb'), 0) AS nat_gateway_gb,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE meter = 'load_balancer_hours'), 0) AS load_balancer_hours,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE meter = 'load_balancer_lcu'), 0) AS load_balancer_lcu,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE meter = 'load_balancer_gb'), 0) AS load_balancer_gb,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE meter = 'vpc_endpoint_hours'), 0) AS vpc_endpoint_hours,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE meter = 'vpc_endpoint_gb'), 0) AS vpc_endpoint_gb,
           coalesce(sum(EffectiveCost) FILTER (WHERE is_commitment), 0) AS unused_commitment
    FROM grouped
    GROUP BY ALL
)
SELECT $1 AS provider, $2 AS billing_account, $3::DATE AS billing_period, t.resource_key, y.resource_id,
       coalesce(t.group_account, y.account) AS account, coalesce(t.group_region, y.region) AS region, y.service,
       y.usage_type, t.* EXCLUDE (resource_key, group_account, group_region)
FROM totals t
JOIN top_type y
  ON t.resource_key IS NOT DISTINCT FROM y.resource_key AND t.group_account IS NOT DISTINCT FROM y.group_account
 AND t.group_region IS NOT DISTINCT FROM y.group_region AND t.currency IS NOT DISTINCT FROM y.currency;
