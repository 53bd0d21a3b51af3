-- report_savings.sql: cbh_savings' output, the most monthly saving first, from the findings of the enabled saving
-- rules (findings.sql): the saving in the period (the rule's waste expression), its monthly projection, and the
-- resource's own cost for scale. Every finding is shown, one whose saving is 0 too (a previous generation the bill
-- has no price of: the evidence says so). $1 billing period (any day of it) or NULL, $2 minimum saving or NULL, $3
-- whether excluded findings are shown (flagged), $4 unused (saving rules need no metrics).
SELECT billing_period, resource_id, rule, evidence, waste AS saving, effective_waste AS effective_saving,
       cbh.monthly(greatest(waste, effective_waste), billing_period, first_charge, last_charge) AS monthly_saving,
       cost, usage_amount, service, usage_type, region, account, provider, billing_account,
       to_json(coalesce(resource_tags, MAP {}::MAP(VARCHAR, VARCHAR)))::VARCHAR AS tags,
       first_seen, last_seen, first_seen_idle AS first_found, periods_seen,
       excluded_reason IS NOT NULL AS excluded, excluded_reason, currency, kind
FROM ({findings})
WHERE verdict = 'idle' AND ($4::BOOLEAN OR true)
  AND ($1::DATE IS NULL OR billing_period = date_trunc('month', $1::DATE)::DATE)
  AND ($2::DECIMAL(38, 18) IS NULL OR waste >= $2::DECIMAL(38, 18))
  AND ($3::BOOLEAN OR excluded_reason IS NULL)
ORDER BY monthly_saving DESC, saving DESC, billing_period, resource_id NULLS LAST, rule, account, region;
