-- stage_shared_line_items.sql: how many line items two staged parts ({a}, {b}) of a delivery share: the same line
-- item id ({a_id}, {b_id}) and time interval ({a_interval}, {b_interval}: NULL where a part has no such column).
SELECT count(*)
FROM (SELECT {a_id}, {a_interval} FROM temp.main.{a} INTERSECT SELECT {b_id}, {b_interval} FROM temp.main.{b});
