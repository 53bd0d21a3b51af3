-- daily_count.sql: how many rows of the daily spend tell a day (do not span more than one), and how many there are.
SELECT count(*) FILTER (WHERE NOT spans_days), count(*) FROM cbh.gold_daily;
