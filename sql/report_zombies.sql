-- report_zombies.sql: cbh_zombies' output, the most monthly waste first, from the findings of the enabled waste
-- rules (findings.sql). $1 billing period (any day of it) or NULL, $2 minimum cost or NULL (NULL: findings worth
-- nothing a month are left out; min_cost := 0 shows them), $3 whether excluded findings
-- are shown (flagged), $4 whether the resources a metric rule cannot judge (verdict 'no metrics') are shown.
SELECT billing_period, resource_id, rule, verdict, evidence, waste AS cost, effective_waste AS effective_cost,
       cbh.monthly(greatest(waste, effective_waste), billing_period, first_charge, last_charge) AS monthly_waste,
       usage_amount, service, usage_type, region, account, provider, billing_account,
       to_json(coalesce(resource_tags, MAP {}::MAP(VARCHAR, VARCHAR)))::VARCHAR AS tags,
       first_seen, last_seen, first_seen_idle, days_idle, periods_seen, excluded_reason IS NOT NULL AS excluded,
       excluded_reason, currency, kind
FROM ({findings})
WHERE ($1::DATE IS NULL OR billing_period = date_trunc('month', $1::DATE)::DATE)
  AND ($2::DECIMAL(38, 18) IS NULL OR waste >= $2::DECIMAL(38, 18))
  AND ($2::DECIMAL(38, 18) IS NOT NULL
       OR cbh.monthly(greatest(waste, effective_waste), billing_period, first_charge, last_charge) > 0)
  AND ($3::BOOLEAN OR excluded_reason IS NULL)
  AND ($4::BOOLEAN OR verdict = 'idle')
ORDER BY verdict, monthly_waste DESC, cost DESC, billing_period, resource_id NULLS LAST, rule, account, region;
