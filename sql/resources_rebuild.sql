-- resources_rebuild.sql: rebuilds the resource dimension of one (provider $1, billing account $2) from Silver line
-- items. Service, region, account and tags are the latest seen; first/last seen span every loaded period.
DELETE FROM cbh.silver_resources WHERE ProviderName = $1 AND BillingAccountId = $2;
INSERT INTO cbh.silver_resources
SELECT ProviderName,
       BillingAccountId,
       ResourceId,
       arg_max(ServiceName, ChargePeriodStart),
       arg_max(RegionId, ChargePeriodStart),
       arg_max(SubAccountId, ChargePeriodStart),
       coalesce(arg_max(Tags, ChargePeriodStart) FILTER (WHERE cardinality(Tags) > 0), MAP {}::MAP(VARCHAR, VARCHAR)),
       min(ChargePeriodStart),
       max(ChargePeriodEnd),
       count(*)
FROM cbh.silver_line_items
WHERE ProviderName = $1 AND BillingAccountId = $2 AND ResourceId IS NOT NULL
GROUP BY ProviderName, BillingAccountId, ResourceId;
