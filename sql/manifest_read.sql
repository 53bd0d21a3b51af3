-- manifest_read.sql: a delivery manifest ($1): its report or export name, billing period start (YYYY-MM-DD) and
-- the data files it lists (legacy CUR `reportKeys`, Data Exports `dataFiles`), as a list.
SELECT coalesce(json_extract_string(j, '$.reportName'), json_extract_string(j, '$.exportName')) AS name,
       strftime(try_strptime(left(regexp_replace(json_extract_string(j, '$.billingPeriod.start'), '[^0-9]', '', 'g'), 8),
                             '%Y%m%d'), '%Y-%m-%d') AS billing_period,
       list_concat(coalesce(json_extract_string(j, '$.reportKeys[*]'), []),
                   coalesce(json_extract_string(j, '$.dataFiles[*]'), [])) AS files
FROM (SELECT content::JSON AS j FROM read_text($1));
