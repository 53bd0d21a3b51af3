-- idle_cluster (waste): a Redshift, EMR, ElastiCache or OpenSearch cluster billed for node hours (Node:,
-- BoxUsage: of ElasticMapReduce, NodeUsage:, ESInstance:) whose metrics show no activity on any day observed
-- (DatabaseConnections, GetTypeCmds/SetTypeCmds, CmdGet/CmdSet, SearchRate, IndexingRate, AppsRunning, or IsIdle 1)
-- and CPU under max_cpu %, over at least min_days days. Without enough metrics the rule says "no metrics".
INSERT OR IGNORE INTO cbh.rules (rule, kind, description, predicate, evidence, waste, effective_waste, params, origin,
                                 no_metrics)
VALUES ('idle_cluster', 'waste',
        'Redshift, EMR, ElastiCache or OpenSearch cluster with no connections, queries or work.',
        $$cluster_node_hours > 0 AND activity_days >= params['min_days'] AND activity_max <= params['max_activity']
          AND coalesce(cpu_max, 0) < params['max_cpu']$$,
        $$format('{} billed {} node-hours in {}: {} {}; no connections, commands, searches or running apps over {} days{}',
                 coalesce(service, 'cluster'), cbh.num(cluster_node_hours), strftime(billing_period, '%Y-%m'),
                 cbh.num(cost), coalesce(currency, ''), activity_days,
                 CASE WHEN cpu_days > 0 THEN format(', daily max CPU at most {} %', cbh.num(cpu_max::DECIMAL(38, 6)))
                      ELSE '' END)$$,
        'cost', 'effective_cost', MAP {'min_days': 7, 'max_activity': 0, 'max_cpu': 5}, 'cbh',
        $$cluster_node_hours > 0 AND cost > 0 AND coalesce(activity_days, 0) < params['min_days']$$);
