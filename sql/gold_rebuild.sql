-- gold_rebuild.sql: Gold usage of one (provider $1, billing account $2, billing period $3): per resource (or, for
-- line items without a resource ID, per account and region), what it cost and used, and the meters the rules read
-- (each line item's meter from gold_meters.sql's temp table). Usage line items (Savings Plan negations aside) give
-- cost, effective cost and usage; commitment fees give the unused commitment. A resource billed in two currencies
-- has a row for each: money of two currencies is never added. docs/rules.md.
DELETE FROM cbh.gold_usage WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE;
INSERT INTO cbh.gold_usage BY NAME
WITH items AS (
    SELECT s.*,
           cbh.resource_key(ResourceId) AS resource_key,
           ChargeCategory = 'Usage' AND x_LineItemType IS DISTINCT FROM 'SavingsPlanNegation' AS is_usage,
           m.meter, m.instance_type, m.cluster,
           CASE WHEN m.instance_context LIKE '% ' THEN m.instance_context || coalesce(s.x_Operation, '')
                ELSE m.instance_context END AS instance_context,
           x_LineItemType IN ('RIFee', 'SavingsPlanRecurringFee') OR CommitmentDiscountStatus = 'Unused'
               AS is_commitment
    FROM cbh.silver_line_items s
    JOIN temp.cbh_meters m ON s.x_UsageType IS NOT DISTINCT FROM m.x_UsageType
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
           coalesce(sum(EffectiveCost) FILTER (WHERE is_commitment), 0) AS unused_commitment,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE is_usage AND meter = 'ebs:gp2'), 0) AS gp2_gb_months,
           coalesce(sum(BilledCost) FILTER (WHERE is_usage AND meter = 'ebs:gp2'), 0) AS gp2_cost,
           CASE WHEN count(*) FILTER (WHERE meter IN ('ebs:io1', 'ebs:io1-iops')) > 0 THEN 'io1'
                WHEN count(*) FILTER (WHERE meter IN ('ebs:io2', 'ebs:io2-iops')) > 0 THEN 'io2' END AS io_type,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE is_usage AND meter IN ('ebs:io1', 'ebs:io2')), 0) AS io_gb_months,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE is_usage AND meter IN ('ebs:io1-iops', 'ebs:io2-iops')), 0)
               AS io_iops_months,
           coalesce(sum(BilledCost) FILTER (WHERE is_usage AND meter IN ('ebs:io1', 'ebs:io2')), 0) AS io_storage_cost,
           coalesce(sum(BilledCost) FILTER (WHERE is_usage AND meter IN ('ebs:io1-iops', 'ebs:io2-iops')), 0)
               AS io_iops_cost,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE is_usage AND meter = 'snapshot'), 0) AS snapshot_gb_months,
           coalesce(sum(BilledCost) FILTER (WHERE is_usage AND meter = 'snapshot'), 0) AS snapshot_cost,
           -- Days billed: distinct days of daily or hourly line items, or the days a longer one spans (monthly).
           coalesce(greatest(count(DISTINCT ChargePeriodStart::DATE) FILTER (WHERE is_usage AND meter = 'snapshot'),
                             max(date_diff('day', ChargePeriodStart, ChargePeriodEnd))
                                 FILTER (WHERE is_usage AND meter = 'snapshot')), 0) AS snapshot_days,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE is_usage AND meter = 'extended_support'), 0)
               AS extended_support_quantity,
           max(ConsumedUnit) FILTER (WHERE is_usage AND meter = 'extended_support') AS extended_support_unit,
           coalesce(sum(BilledCost) FILTER (WHERE is_usage AND meter = 'extended_support'), 0) AS extended_support_cost,
           coalesce(sum(EffectiveCost) FILTER (WHERE is_usage AND meter = 'extended_support'), 0)
               AS extended_support_effective_cost,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE is_usage AND meter = 'paid_events'), 0) AS paid_events,
           coalesce(sum(BilledCost) FILTER (WHERE is_usage AND meter = 'paid_events'), 0) AS paid_events_cost,
           arg_max(instance_type, ConsumedQuantity) FILTER (WHERE is_usage AND meter = 'instance') AS instance_type,
           arg_max(instance_context, ConsumedQuantity) FILTER (WHERE is_usage AND meter = 'instance')
               AS instance_context,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE is_usage AND meter = 'instance'), 0) AS instance_hours,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE is_usage AND meter = 'instance'
                                                  AND CommitmentDiscountStatus IS NULL), 0) AS on_demand_hours,
           coalesce(sum(BilledCost) FILTER (WHERE is_usage AND meter = 'instance' AND CommitmentDiscountStatus IS NULL),
                    0) AS on_demand_cost,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE is_usage AND meter = 'instance' AND cluster), 0)
               AS cluster_node_hours,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE is_usage AND meter = 's3_storage'), 0) AS s3_storage_gb_months,
           coalesce(sum(BilledCost) FILTER (WHERE is_usage AND meter = 's3_storage'), 0) AS s3_storage_cost,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE is_usage AND meter = 's3_requests'
                                                  AND coalesce(x_Operation, '') NOT ILIKE '%Transition%'), 0) AS s3_requests,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE is_usage AND meter = 'log_storage'), 0) AS log_storage_gb_months,
           coalesce(sum(BilledCost) FILTER (WHERE is_usage AND meter = 'log_storage'), 0) AS log_storage_cost,
           coalesce(sum(ConsumedQuantity) FILTER (WHERE is_usage AND meter = 'log_scanned'), 0) AS log_scanned_gb
    FROM grouped
    GROUP BY ALL
)
SELECT $1 AS provider, $2 AS billing_account, $3::DATE AS billing_period, t.resource_key, y.resource_id,
       coalesce(t.group_account, y.account) AS account, coalesce(t.group_region, y.region) AS region, y.service,
       y.usage_type, t.* EXCLUDE (resource_key, group_account, group_region, log_scanned_gb),
       -- Logs Insights queries an export does not charge to a log group count for every group of the account and
       -- region.
       cbh.months_seen($3::DATE, t.first_charge, t.last_charge) AS months_seen,
       t.log_scanned_gb + CASE WHEN t.resource_key IS NOT NULL THEN coalesce(sum(t.log_scanned_gb) FILTER (
           WHERE t.resource_key IS NULL) OVER (PARTITION BY coalesce(t.group_account, y.account),
                                                        coalesce(t.group_region, y.region)), 0) ELSE 0 END
           AS log_scanned_gb
FROM totals t
JOIN top_type y
  ON t.resource_key IS NOT DISTINCT FROM y.resource_key AND t.group_account IS NOT DISTINCT FROM y.group_account
 AND t.group_region IS NOT DISTINCT FROM y.group_region AND t.currency IS NOT DISTINCT FROM y.currency;
