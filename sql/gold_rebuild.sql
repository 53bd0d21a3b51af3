-- gold_rebuild.sql: the zombie rule `zero_usage` for one (payer account $1, billing period $2): among usage line
-- items that carry a resource ID, a resource whose cost over the period is > 0 while its usage is exactly 0.
-- Service, usage type, region and account are those of the resource's most expensive usage type.
DELETE FROM cbh.gold_zombies WHERE payer_account = $1 AND billing_period = $2::DATE;
INSERT INTO cbh.gold_zombies
WITH usage AS (
    SELECT *
    FROM cbh.silver_line_items
    WHERE BillingAccountId = $1 AND BillingPeriodStart::DATE = $2::DATE
      AND ResourceId IS NOT NULL
      AND x_LineItemType IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
),
flagged AS (
    SELECT ResourceId, sum(BilledCost) AS cost, coalesce(sum(ConsumedQuantity), 0) AS usage_amount
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
SELECT $2::DATE, $1, f.ResourceId, 'zero_usage', f.cost, f.usage_amount, t.service, t.usage_type, t.region, t.account
FROM flagged f JOIN top_type t USING (ResourceId);
