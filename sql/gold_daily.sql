-- gold_daily.sql: the daily spend of one (provider $1, billing account $2, billing period $3) from Silver: a revised
-- delivery replaces the days of its period, and nothing else is recomputed. schema.sql says what a row holds.
DELETE FROM cbh.gold_daily WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE;
INSERT INTO cbh.gold_daily BY NAME
SELECT $1 AS provider, $2 AS billing_account, $3::DATE AS billing_period,
       ChargePeriodStart::DATE AS day,
       coalesce(ChargePeriodEnd > ChargePeriodStart + INTERVAL 1 DAY, false) AS spans_days,
       SubAccountId AS sub_account, ServiceName AS service, RegionId AS region,
       coalesce(x_UsageType, SkuId, ChargeDescription) AS usage_type, ChargeCategory AS charge_category,
       BillingCurrency AS currency, coalesce(sum(BilledCost), 0) AS billed_cost,
       coalesce(sum(EffectiveCost), 0) AS effective_cost, count(*) AS line_items
FROM cbh.silver_line_items
WHERE ProviderName = $1 AND BillingAccountId = $2 AND BillingPeriodStart::DATE = $3::DATE
GROUP BY ALL;
