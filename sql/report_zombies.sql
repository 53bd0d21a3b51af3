-- report_zombies.sql: cbh_zombies' output, most expensive first. $1 billing period (any day of it) or NULL,
-- $2 minimum cost or NULL. Tags, first and last seen come from the resource dimension.
SELECT z.billing_period, z.resource_id, z.rule, z.cost, z.effective_cost, z.usage_amount, z.service, z.usage_type,
       z.region, z.account, z.provider, z.billing_account,
       to_json(coalesce(r.Tags, MAP {}::MAP(VARCHAR, VARCHAR)))::VARCHAR AS tags,
       r.first_seen, r.last_seen
FROM cbh.gold_zombies z
LEFT JOIN cbh.silver_resources r
       ON r.ProviderName = z.provider AND r.BillingAccountId = z.billing_account AND r.ResourceId = z.resource_id
WHERE ($1::DATE IS NULL OR z.billing_period = date_trunc('month', $1::DATE)::DATE)
  AND ($2::DECIMAL(38, 12) IS NULL OR z.cost >= $2::DECIMAL(38, 12))
ORDER BY z.cost DESC, z.billing_period, z.resource_id, z.rule;
