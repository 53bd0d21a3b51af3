-- gold_rates.sql: the bill's own unit prices of one (provider $1, billing account $2, billing period $3), per region,
-- currency and meter (EBS volume types; instance types in their context, gold_meters.sql): the cost of on-demand
-- usage line items over their quantity (line items with a cost and a quantity; Savings Plan and RI covered ones
-- aside), to 8 decimal places (line items are rounded to 10, so the quotient carries noise past the 9th).
DELETE FROM cbh.gold_rates WHERE provider = $1 AND billing_account = $2 AND billing_period = $3::DATE;
INSERT INTO cbh.gold_rates BY NAME
SELECT $1 AS provider, $2 AS billing_account, $3::DATE AS billing_period, s.RegionId AS region,
       s.BillingCurrency AS currency,
       CASE WHEN m.meter <> 'instance' THEN m.meter
            WHEN m.instance_context LIKE '% '
            THEN 'instance:' || m.instance_type || ':' || m.instance_context || coalesce(s.x_Operation, '')
            ELSE 'instance:' || m.instance_type || ':' || m.instance_context END AS rate_key,
       cbh.ratio(sum(s.BilledCost), sum(s.ConsumedQuantity)) AS rate, sum(s.ConsumedQuantity) AS quantity,
       sum(s.BilledCost) AS cost
FROM cbh.silver_line_items s
JOIN temp.cbh_meters m ON s.x_UsageType IS NOT DISTINCT FROM m.x_UsageType
                      AND s.ChargeDescription IS NOT DISTINCT FROM m.ChargeDescription
WHERE s.ProviderName = $1 AND s.BillingAccountId = $2 AND s.BillingPeriodStart::DATE = $3::DATE
  AND s.ChargeCategory = 'Usage' AND s.x_LineItemType IS DISTINCT FROM 'SavingsPlanNegation'
  AND s.CommitmentDiscountStatus IS NULL AND s.BilledCost > 0 AND s.ConsumedQuantity > 0
  AND (m.meter LIKE 'ebs:%' OR (m.meter = 'instance' AND m.instance_context IS NOT NULL))
GROUP BY ALL;
