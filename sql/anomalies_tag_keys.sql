-- anomalies_tag_keys.sql: the tag keys of Silver's resources that are the key $1 as users type it (case and `:`/`_`
-- do not matter, as cbh.tag has it; the CUR's `user:` may be typed or not), and every key there is (for the error
-- message where none is).
WITH keys AS (
    SELECT key, regexp_replace(lower(key), '[^a-z0-9]', '_', 'g') AS typed
    FROM (SELECT DISTINCT unnest(map_keys(Tags)) AS key FROM cbh.silver_resources)
),
wanted AS (
    SELECT regexp_replace(lower($1::VARCHAR), '[^a-z0-9]', '_', 'g') AS typed
)
SELECT list(key ORDER BY key) FILTER (WHERE typed = (SELECT typed FROM wanted)
                                         OR 'user_' || typed = (SELECT typed FROM wanted)),
       list(key ORDER BY key)
FROM keys;
