-- metrics_daily.sql: after metrics_land.sql, replaces the points the new file repeats and rebuilds the daily
-- figures of every resource it touches (docs/rules.md, "Metrics"). A cluster's activity is the day's highest
-- connections, queries, commands, searches, indexing or running apps (EMR's IsIdle counts as 1 - IsIdle).
DELETE FROM cbh.metrics m
USING temp.cbh_metrics_new n
WHERE m.resource_key = n.resource_key AND m.metric_name = n.metric_name AND m.statistic = n.statistic
  AND m."timestamp" = n."timestamp";
INSERT INTO cbh.metrics BY NAME SELECT * FROM temp.cbh_metrics_new;
DELETE FROM cbh.metrics_daily WHERE resource_key IN (SELECT DISTINCT resource_key FROM temp.cbh_metrics_new);
INSERT INTO cbh.metrics_daily BY NAME
SELECT resource_key, "timestamp"::DATE AS day,
       coalesce(max(value) FILTER (WHERE metric_name = 'CPUUtilization' AND statistic = 'Maximum'),
                max(value) FILTER (WHERE metric_name = 'CPUUtilization')) AS cpu_max,
       sum(value * CASE lower(unit) WHEN 'kilobytes' THEN 1e3 WHEN 'megabytes' THEN 1e6 WHEN 'gigabytes' THEN 1e9
                                    WHEN 'bits' THEN 0.125 ELSE 1 END)
           FILTER (WHERE metric_name IN ('NetworkIn', 'NetworkOut') AND statistic = 'Sum') AS network_bytes,
       sum(value) FILTER (WHERE metric_name IN ('VolumeReadOps', 'VolumeWriteOps') AND statistic = 'Sum')
           AS volume_ops,
       coalesce(max(value) FILTER (WHERE metric_name = 'DatabaseConnections' AND statistic = 'Maximum'),
                max(value) FILTER (WHERE metric_name = 'DatabaseConnections')) AS db_connections_max,
       max(CASE WHEN metric_name = 'IsIdle' THEN 1 - value ELSE value END)
           FILTER (WHERE metric_name IN ('DatabaseConnections', 'QueriesCompletedPerSecond', 'GetTypeCmds',
                                         'SetTypeCmds', 'CmdGet', 'CmdSet', 'SearchRate', 'IndexingRate',
                                         'AppsRunning', 'AppsPending', 'IsIdle')) AS activity_max
FROM cbh.metrics
WHERE resource_key IN (SELECT DISTINCT resource_key FROM temp.cbh_metrics_new)
GROUP BY ALL;
DROP TABLE temp.cbh_metrics_new;
