-- gold_meters.sql: the meter of each distinct (usage type, charge description) of one (provider $1, billing account
-- $2, billing period $3), in a temp table that gold_rebuild.sql and gold_rates.sql join: a few hundred, matched once
-- each rather than once per line item (the patterns cost more than the rest of Gold). A usage type matches with or
-- without its region prefix (`USE1-NatGateway-Hours`, `NatGateway-Hours`); where an export has no usage type
-- (FOCUS), the charge description says what it is, and names the usage type itself in AWS's newer wording ('USD 0.1
-- per GB-Mo for TimedStorage-ByteHrs in EU (Stockholm)'). Instance and node hours also get their instance type and
-- an offer: the service and the usage type's kind (BoxUsage, Multi-AZUsage: then gold_rebuild.sql adds the
-- operation) or, without a usage type, the description with price and type left out ('on demand linux * instance
-- hour'), so that two types of one offer are the same thing at two sizes or generations. docs/rules.md.
CREATE OR REPLACE TEMP TABLE cbh_meters AS
WITH kinds AS (
    SELECT x_UsageType, ChargeDescription, max(x_ServiceCode) AS code, max(ServiceName) AS service
    FROM cbh.silver_line_items
    WHERE ProviderName = $1 AND BillingAccountId = $2 AND BillingPeriodStart::DATE = $3::DATE
      AND ChargeCategory IN ('Usage', 'Purchase')
    GROUP BY ALL
),
named AS (
    SELECT *,
           coalesce(x_UsageType, nullif(regexp_extract(ChargeDescription, ' for ([A-Za-z0-9:._-]+) in ', 1), ''), '')
               AS ut,
           coalesce(lower(ChargeDescription), '') AS d,
           coalesce(code, '') || ' ' || coalesce(service, '') AS svc,
           lower(nullif(regexp_extract(coalesce(x_UsageType, ''), '(?:^|-)' || '(BoxUsage|DedicatedUsage|InstanceUsage|InstanceUsageIOOptimized|Multi-AZUsage'
                                   || '|Multi-AZUsageIOOptimized|NodeUsage|Node|ESInstance)' || ':([A-Za-z0-9.-]+)$', 2),
                        '')) AS ut_type,
           nullif(regexp_extract(coalesce(x_UsageType, ''), '(?:^|-)' || '(BoxUsage|DedicatedUsage|InstanceUsage|InstanceUsageIOOptimized|Multi-AZUsage'
                                   || '|Multi-AZUsageIOOptimized|NodeUsage|Node|ESInstance)' || ':([A-Za-z0-9.-]+)$', 1), '')
               AS ut_kind,
           nullif(regexp_extract(lower(coalesce(ChargeDescription, '')),
                                 '((?:db\.|cache\.)?[a-z][a-z0-9-]*\.(?:[0-9]*x?large|nano|micro|small|medium'
                                 || '|metal[a-z0-9-]*)(?:\.search|\.elasticsearch)?)', 1), '') AS d_type
    FROM kinds
),
classified AS (
    SELECT *,
       CASE
           WHEN regexp_matches(ut, '(^|-)(ElasticIP|PublicIPv4):IdleAddress$')
                OR d LIKE '%idle public ipv4 address%'
                OR d LIKE '%elastic ip address not attached to a running instance%' THEN 'idle_address'
           WHEN regexp_matches(ut, '(^|-)NatGateway-Hours$') OR d LIKE '%per nat gateway hour%' THEN 'nat_gateway_hours'
           WHEN regexp_matches(ut, '(^|-)NatGateway-Bytes$') OR d LIKE '%data processed by nat gateway%'
               THEN 'nat_gateway_gb'
           WHEN regexp_matches(ut, '(^|-)LoadBalancerUsage$') OR d LIKE '%loadbalancer-hour%' THEN 'load_balancer_hours'
           WHEN regexp_matches(ut, '(^|-)[GN]?LCUUsage$') OR d LIKE '%load balancer capacity unit-hour%'
                OR d LIKE '%lcu-hour%' THEN 'load_balancer_lcu'
           WHEN regexp_matches(ut, '(^|-)DataProcessing-Bytes$') THEN 'load_balancer_gb'
           WHEN regexp_matches(ut, '(^|-)VpcEndpoint-Hours$') OR d LIKE '%per vpc endpoint hour%' THEN 'vpc_endpoint_hours'
           WHEN regexp_matches(ut, '(^|-)VpcEndpoint-Bytes$') OR d LIKE '%data processed by vpc endpoint%'
               THEN 'vpc_endpoint_gb'
           -- EBS volumes: storage (GB-months) and provisioned IOPS (IOPS-months) per volume type.
           WHEN regexp_matches(ut, '(^|-)EBS:VolumeUsage\.gp2$') OR d LIKE '%(gp2) provisioned storage%' THEN 'ebs:gp2'
           WHEN regexp_matches(ut, '(^|-)EBS:VolumeUsage\.gp3$') OR d LIKE '%(gp3) provisioned storage%' THEN 'ebs:gp3'
           WHEN regexp_matches(ut, '(^|-)EBS:VolumeP-IOPS\.gp3$') OR d LIKE '%iops-month of gp3%' THEN 'ebs:gp3-iops'
           WHEN regexp_matches(ut, '(^|-)EBS:VolumeUsage\.piops$') OR d LIKE '%(io1) provisioned storage%' THEN 'ebs:io1'
           WHEN regexp_matches(ut, '(^|-)EBS:VolumeUsage\.io2$') OR d LIKE '%(io2) provisioned storage%' THEN 'ebs:io2'
           WHEN regexp_matches(ut, '(^|-)EBS:VolumeP-IOPS\.piops$') THEN 'ebs:io1-iops'
           WHEN regexp_matches(ut, '(^|-)EBS:VolumeP-IOPS\.io2(\.tier[23])?$') THEN 'ebs:io2-iops'
           WHEN ut = '' AND d LIKE '%iops-month%' AND d LIKE '%io2%' THEN 'ebs:io2-iops'
           WHEN ut = '' AND d LIKE '%per iops-month provisioned%' THEN 'ebs:io1-iops'
           -- Snapshots and backups: EBS snapshots, RDS backup storage past the free allowance, Aurora backups.
           WHEN regexp_matches(ut, '(^|-)(EBS:SnapshotUsage|RDS:ChargedBackupUsage|Aurora:BackupUsage)$')
                OR (ut = '' AND (d LIKE '%snapshot data stored%'
                                 OR (svc ILIKE '%Relational Database%' AND d LIKE '%backup storage%')))
               THEN 'snapshot'
           WHEN ut ILIKE '%ExtendedSupport%' OR d LIKE '%extended support%' THEN 'extended_support'
           WHEN regexp_matches(ut, '(^|-)PaidEventsRecorded$') OR d LIKE '%paid event%'
                OR (ut = '' AND svc ILIKE '%CloudTrail%' AND d LIKE '%management event%' AND d NOT LIKE '%free%')
               THEN 'paid_events'
           WHEN (svc LIKE 'AmazonS3 %' OR svc ILIKE '%Simple Storage Service%')
                AND (regexp_matches(ut, '(^|-)TimedStorage-[A-Za-z0-9-]*ByteHrs$')
                     OR (ut = '' AND (d LIKE '%storage used%' OR d LIKE '%gb-mo% of storage%'))) THEN 's3_storage'
           WHEN (svc LIKE 'AmazonS3 %' OR svc ILIKE '%Simple Storage Service%')
                AND (regexp_matches(ut, '(^|-)Requests-') OR (ut = '' AND d LIKE '%request%'))
                AND NOT regexp_matches(ut, '(^|-)Requests-Tier4$') AND d NOT LIKE '%transition%' THEN 's3_requests'
           WHEN svc ILIKE '%CloudWatch%'
                AND (regexp_matches(ut, '(^|-)TimedStorage-ByteHrs$') OR (ut = '' AND d LIKE '%log storage%'))
               THEN 'log_storage'
           WHEN svc ILIKE '%CloudWatch%'
                AND (regexp_matches(ut, '(^|-)DataScanned-Bytes$') OR (ut = '' AND d LIKE '%data scanned%'))
               THEN 'log_scanned'
           WHEN ut_type IS NOT NULL
                OR (ut = '' AND d_type IS NOT NULL AND regexp_matches(d, '(instance|node)[ -]hour| per hour for emr ')
                    AND d NOT LIKE '%mbps%' AND d NOT LIKE '%spot%') THEN 'instance'
       END AS meter
    FROM named
)
SELECT x_UsageType, ChargeDescription, meter,
       CASE WHEN meter = 'instance' THEN coalesce(ut_type, d_type) END AS instance_type,
       -- A CUR line's offer is its service, usage type and operation (lineItem/Operation: RunInstances:0002 is
       -- Windows); gold_rebuild.sql adds the operation. FOCUS's is its service and description.
       CASE WHEN meter = 'instance' AND ut_kind IS NOT NULL THEN coalesce(code, service, '') || ': ' || ut_kind || ' '
            WHEN meter = 'instance'
            THEN coalesce(code, service, '') || ': '
                 || replace(regexp_replace(d, '^.*? per ', ''), d_type, '*') END AS instance_context,
       meter = 'instance' AND (code IN ('AmazonRedshift', 'AmazonElastiCache', 'AmazonES', 'ElasticMapReduce')
                               OR regexp_matches(coalesce(service, ''),
                                                 '(?i)redshift|elasticache|opensearch|elasticsearch|mapreduce|emr'))
           AS cluster
FROM classified;
