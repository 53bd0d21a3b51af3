-- bench/medallion.sql: the yardstick of `make bench`: the medallion a data engineer writes by hand in plain DuckDB
-- SQL, in one transaction, for one legacy CUR file ({file}). Bronze: every column as text, with the file name;
-- Silver: 14 typed and renamed columns and a tag map; Gold: cost and usage per resource and period; zombies: cost
-- but no usage. cbh_ingest does more (SHA-256, checks, lineage, the ledger, replacement) and must not be slower.
BEGIN;
CREATE TABLE bronze AS
SELECT * FROM read_csv('{file}', all_varchar = true, filename = true);
CREATE TABLE silver AS
SELECT "bill/PayerAccountId"                                   AS BillingAccountId,
       CAST("bill/BillingPeriodStartDate" AS TIMESTAMP)        AS BillingPeriodStart,
       "lineItem/UsageAccountId"                               AS SubAccountId,
       "lineItem/LineItemType"                                 AS x_LineItemType,
       CAST("lineItem/UsageStartDate" AS TIMESTAMP)            AS ChargePeriodStart,
       CAST("lineItem/UsageEndDate" AS TIMESTAMP)              AS ChargePeriodEnd,
       "lineItem/ProductCode"                                  AS x_ServiceCode,
       "lineItem/UsageType"                                    AS x_UsageType,
       "lineItem/Operation"                                    AS x_Operation,
       nullif("lineItem/ResourceId", '')                       AS ResourceId,
       CAST("lineItem/UsageAmount" AS DECIMAL(38, 18))         AS ConsumedQuantity,
       CAST("lineItem/UnblendedCost" AS DECIMAL(38, 12))       AS BilledCost,
       "product/region"                                        AS RegionId,
       "lineItem/CurrencyCode"                                 AS BillingCurrency,
       map_from_entries(list_filter([('Name', "resourceTags/user:Name"), ('Owner', "resourceTags/user:Owner"),
                                     ('Environment', "resourceTags/user:Environment")],
                                    lambda e: e[2] IS NOT NULL AND e[2] <> '')) AS Tags
FROM bronze;
CREATE TABLE gold AS
SELECT BillingAccountId, BillingPeriodStart, ResourceId, x_ServiceCode, sum(BilledCost) AS cost,
       sum(ConsumedQuantity) AS usage, count(*) AS line_items
FROM silver WHERE ResourceId IS NOT NULL GROUP BY ALL;
CREATE TABLE zombies AS SELECT * FROM gold WHERE cost > 0 AND usage = 0;
COMMIT;
