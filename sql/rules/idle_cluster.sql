-- idle_cluster (waste): a Redshift, EMR, ElastiCache or OpenSearch cluster billed for node hours (Node:,
-- BoxUsage: of ElasticMapReduce, NodeUsage:, ESInstance:) whose metrics show, over at least min_days days, no
-- activity on any day (DatabaseConnections, QueriesCompletedPerSecond, GetTypeCmds/SetTypeCmds, CmdGet/CmdSet,
-- SearchRate, IndexingRate, AppsRunning, AppsPending; EMR's IsIdle at 1) and a daily maximum CPU under max_cpu %:
-- either kind of metric may be missing, not both. Without enough metrics the rule says "no metrics".
INSERT INTO cbh.rules (rule, kind, description, predicate, evidence, waste, effective_waste, params, origin,
                                 no_metrics)
VALUES ('idle_cluster', 'waste',
        'Redshift, EMR, ElastiCache or OpenSearch cluster with no connections, queries or work.',
        $$cluster_node_hours > 0 AND greatest(activity_days, cpu_days) >= params['min_days']
          AND coalesce(activity_max, 0) <= params['max_activity'] AND coalesce(cpu_max, 0) < params['max_cpu']$$,
        $$format('{} billed {} node-hours in {}: {} {}; over {} days, {}', coalesce(service, 'cluster'),
                 cbh.num(cluster_node_hours), strftime(billing_period, '%Y-%m'), cbh.num(cost), coalesce(currency, ''),
                 greatest(activity_days, cpu_days),
                 concat_ws(', ', CASE WHEN activity_days > 0
                                      THEN 'no connections, queries, commands, searches or running apps' END,
                           CASE WHEN cpu_days > 0
                                THEN format('daily max CPU at most {} %', cbh.num(cpu_max::DECIMAL(38, 6))) END))$$,
        'cost', 'effective_cost', MAP {'min_days': 7, 'max_activity': 0, 'max_cpu': 5}, 'cbh',
        $$cluster_node_hours > 0 AND cost > 0
          AND greatest(coalesce(activity_days, 0), coalesce(cpu_days, 0)) < params['min_days']$$);
