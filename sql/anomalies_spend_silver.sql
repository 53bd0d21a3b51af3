-- anomalies_spend_silver.sql: a fragment, not a statement: the usage spend cbh_anomalies judges by resource or tag,
-- from Silver's line items, as anomalies_spend_daily.sql has it from Gold (the same day, usage type and spans-days
-- rules as gold_daily.sql): {value} is the resource ID or a tag's value, {cost} BilledCost or EffectiveCost.
SELECT ChargePeriodStart::DATE AS day, BillingCurrency AS currency, ProviderName AS provider,
       BillingAccountId AS billing_account, {value} AS value,
       coalesce(x_UsageType, SkuId, ChargeDescription) AS usage_type, RegionId AS region, {cost} AS cost
FROM cbh.silver_line_items
WHERE ChargeCategory = 'Usage' AND ChargePeriodStart IS NOT NULL
  AND NOT coalesce(ChargePeriodEnd > ChargePeriodStart + INTERVAL 1 DAY, false)
