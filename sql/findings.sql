-- findings.sql: every finding of the enabled zombie rules (the query src/pipeline/rules.rs builds from cbh.rules),
-- with its resource's tags, first and last seen, and why cbh.exclusions keeps it out of the report (NULL: it is
-- not excluded): an exclusion matches by resource ID (bare or ARN) or by tag (any value, or one), for one rule or
-- all. cbh_zombies(), cbh_waste() and cbh_status() read it (as a subquery, without the final semicolon).
WITH findings AS ({rules}),
seen AS (
    SELECT f.*, r.Tags AS resource_tags, r.first_seen, r.last_seen, row_number() OVER () AS finding
    FROM findings f
    LEFT JOIN cbh.silver_resources r
           ON r.ProviderName = f.provider AND r.BillingAccountId = f.billing_account AND r.ResourceId = f.resource_id
),
excluded AS (
    SELECT s.finding, min(e.reason) AS reason
    FROM seen s
    JOIN cbh.exclusions e
      ON (e.rule IS NULL OR e.rule = s.rule)
     AND (cbh.resource_key(e.resource_id) = s.resource_key
          OR coalesce(cbh.tag(s.resource_tags, e.tag_key) = e.tag_value,
                      cbh.tag(s.resource_tags, e.tag_key) IS NOT NULL AND e.tag_value IS NULL))
    GROUP BY s.finding
)
SELECT s.* EXCLUDE (finding), x.reason AS excluded_reason
FROM seen s
LEFT JOIN excluded x USING (finding);
