-- silver_insert.sql: types one (payer account $1, billing period $2) of Bronze into Silver line items.
-- Placeholders: {opt:<source column>} becomes the trimmed column where Bronze has it, else NULL; {tags} is a MAP
-- built from the resourceTags/* columns Bronze has. Column names follow FOCUS 1.2 (README: "Silver").
INSERT INTO cbh.silver_line_items
SELECT
    payer_account                                                        AS BillingAccountId,
    CAST(trim("bill/BillingPeriodStartDate") AS TIMESTAMP)               AS BillingPeriodStart,
    try_cast({opt:bill/BillingPeriodEndDate} AS TIMESTAMP)               AS BillingPeriodEnd,
    nullif(trim("lineItem/UsageAccountId"), '')                          AS SubAccountId,
    CASE trim("lineItem/LineItemType")
        WHEN 'Usage' THEN 'Usage'
        WHEN 'DiscountedUsage' THEN 'Usage'
        WHEN 'SavingsPlanCoveredUsage' THEN 'Usage'
        WHEN 'Tax' THEN 'Tax'
        WHEN 'Credit' THEN 'Credit'
        WHEN 'Refund' THEN 'Credit'
        WHEN 'BundledDiscount' THEN 'Credit'
        WHEN 'Discount' THEN 'Credit'
        WHEN 'EdpDiscount' THEN 'Credit'
        WHEN 'PrivateRateDiscount' THEN 'Credit'
        WHEN 'DistributorDiscount' THEN 'Credit'
        WHEN 'SavingsPlanNegation' THEN 'Credit'
        WHEN 'Fee' THEN 'Purchase'
        WHEN 'RIFee' THEN 'Purchase'
        WHEN 'SavingsPlanUpfrontFee' THEN 'Purchase'
        WHEN 'SavingsPlanRecurringFee' THEN 'Purchase'
        ELSE 'Adjustment'
    END                                                                  AS ChargeCategory,
    {opt:lineItem/LineItemDescription}                                   AS ChargeDescription,
    CAST(nullif(trim("lineItem/UsageStartDate"), '') AS TIMESTAMP)       AS ChargePeriodStart,
    CAST(nullif(trim("lineItem/UsageEndDate"), '') AS TIMESTAMP)         AS ChargePeriodEnd,
    {opt:lineItem/ResourceId}                                            AS ResourceId,
    coalesce({opt:product/ProductName}, nullif(trim("lineItem/ProductCode"), '')) AS ServiceName,
    {opt:product/region}                                                 AS RegionId,
    CAST(nullif(trim("lineItem/UsageAmount"), '') AS DECIMAL(38, 18))    AS ConsumedQuantity,
    {opt:pricing/unit}                                                   AS ConsumedUnit,
    CAST(nullif(trim("lineItem/UnblendedCost"), '') AS DECIMAL(38, 12))  AS BilledCost,
    nullif(trim("lineItem/CurrencyCode"), '')                            AS BillingCurrency,
    {tags}                                                               AS Tags,
    nullif(trim("lineItem/LineItemType"), '')                            AS x_LineItemType,
    nullif(trim("lineItem/ProductCode"), '')                             AS x_ServiceCode,
    {opt:lineItem/UsageType}                                             AS x_UsageType,
    {opt:lineItem/Operation}                                             AS x_Operation,
    ingestion_id                                                         AS x_IngestionId,
    source_file                                                          AS x_SourceFile,
    source_row                                                           AS x_SourceRow
FROM cbh.bronze_cur
WHERE payer_account = $1 AND billing_period = $2::DATE;
