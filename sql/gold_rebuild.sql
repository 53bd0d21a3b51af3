-- gold_rebuild.sql: the zombie rule `zero_usage` for one (provider $1, billing account $2, billing period $3):
-- among usage line items that carry a resource ID (Savings Plan negations aside), a resource whose billed cost
-- over the period is > 0 while its consumed quantity is exactly 0. Service, usage type, region and account are
-- those of the resource's most expensive usage type.
DELETE FROM cbh.gold_zombies WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE;
INSERT INTO cbh.gold_zombies
WITH usage AS (
    SELECT *
    FROM cbh.silver_line_items
    WHERE ProviderName = $1 AND BillingAccountId = $2 AND BillingPeriodStart::DATE = $3::DATE
      AND ResourceId IS NOT NULL
      AND ChargeCategory = 'Usage' AND x_LineItemType IS DISTINCT FROM 'SavingsPlanNegation'
),
flagged AS (
    SELECT ResourceId, sum(BilledCost) AS cost, coalesce(sum(EffectiveCost), 0) AS effective_cost,
           coalesce(sum(ConsumedQuantity), 0) AS usage_amount
    FROM usage
    GROUP BY ResourceId
    HAVING sum(BilledCost) > 0 AND coalesce(sum(ConsumedQuantity), 0) = 0
),
by_type AS (
    SELECT ResourceId, x_UsageType, sum(BilledCost) AS cost,
           max(ServiceName) AS service, max(RegionId) AS region, max(SubAccountId) AS account
    FROM usage
    WHERE ResourceId IN (SELECT ResourceId FROM flagged)
    GROUP BY ResourceId, x_UsageType
),
top_type AS (
    SELECT ResourceId,
           first(x_UsageType ORDER BY cost DESC, x_UsageType NULLS LAST) AS usage_type,
           first(service ORDER BY cost DESC, x_UsageType NULLS LAST) AS service,
           first(region ORDER BY cost DESC, x_UsageType NULLS LAST) AS region,
           first(account ORDER BY cost DESC, x_UsageType NULLS LAST) AS account
    FROM by_type
    GROUP BY ResourceId
)
SELECT $1, $2, $3::DATE, f.ResourceId, 'zero_usage', f.cost, f.effective_cost, f.usage_amount,
       t.service, t.usage_type, t.region, t.account
FROM flagged f JOIN top_type t USING (ResourceId);
