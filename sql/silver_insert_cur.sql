-- silver_insert_cur.sql: types one ({provider}, {account}, {period}: literals, see promote.rs) of an AWS CUR Bronze table
-- (legacy CSV, legacy Athena/Parquet or CUR 2.0: {bronze}) into Silver line items. {c:name} is the column with
-- Athena name `name`, trimmed, empty as NULL (NULL where the table lacks it), {d:name} the same as DECIMAL(38, 18),
-- exactly; {service}, {region} and {tag_entries} are the format's expressions; {tags} and {source_tags} build the
-- tag maps. docs/formats.md.
INSERT INTO cbh.silver_line_items BY NAME
WITH src AS NOT MATERIALIZED (
    SELECT *,
           {c:line_item_line_item_type} AS cbh_type,
           {d:line_item_unblended_cost} AS cbh_billed,
           {tag_key} AS cbh_tag_key
    FROM cbh.{bronze}
    WHERE provider = {provider} AND billing_account = {account} AND billing_period = {period}::DATE
),
-- The tag maps, built once per distinct set of tag values (a few thousand) rather than once per line item.
tag_maps AS (
    SELECT cbh_tag_key, {tags} AS cbh_user_tags, {source_tags} AS cbh_source_tags
    FROM (SELECT *, {tag_entries} AS cbh_tags FROM (SELECT {tag_unpack} FROM (SELECT DISTINCT cbh_tag_key FROM src)))
)
SELECT
    provider                                                              AS ProviderName,
    billing_account                                                       AS BillingAccountId,
    CAST({c:bill_billing_period_start_date} AS TIMESTAMP)                 AS BillingPeriodStart,
    try_cast({c:bill_billing_period_end_date} AS TIMESTAMP)               AS BillingPeriodEnd,
    {c:line_item_usage_account_id}                                        AS SubAccountId,
    CASE cbh_type
        WHEN 'Usage' THEN 'Usage'
        WHEN 'DiscountedUsage' THEN 'Usage'
        WHEN 'SavingsPlanCoveredUsage' THEN 'Usage'
        WHEN 'SavingsPlanNegation' THEN 'Usage'
        WHEN 'Tax' THEN 'Tax'
        WHEN 'Credit' THEN 'Credit'
        WHEN 'Refund' THEN 'Credit'
        WHEN 'BundledDiscount' THEN 'Credit'
        WHEN 'Discount' THEN 'Credit'
        WHEN 'EdpDiscount' THEN 'Credit'
        WHEN 'PrivateRateDiscount' THEN 'Credit'
        WHEN 'DistributorDiscount' THEN 'Credit'
        WHEN 'Fee' THEN 'Purchase'
        WHEN 'RIFee' THEN 'Purchase'
        WHEN 'SavingsPlanUpfrontFee' THEN 'Purchase'
        WHEN 'SavingsPlanRecurringFee' THEN 'Purchase'
        ELSE 'Adjustment'
    END                                                                   AS ChargeCategory,
    CASE WHEN cbh_type = 'Refund' THEN 'Correction' END                   AS ChargeClass,
    {c:line_item_line_item_description}                                   AS ChargeDescription,
    CAST({c:line_item_usage_start_date} AS TIMESTAMP)                     AS ChargePeriodStart,
    CAST({c:line_item_usage_end_date} AS TIMESTAMP)                       AS ChargePeriodEnd,
    {c:line_item_resource_id}                                             AS ResourceId,
    {service}                                                             AS ServiceName,
    {region}                                                              AS RegionId,
    {c:product_sku}                                                       AS SkuId,
    {d:line_item_usage_amount}                                            AS ConsumedQuantity,
    {c:pricing_unit}                                                      AS ConsumedUnit,
    cbh_billed                                                            AS BilledCost,
    -- Amortized cost as the FinOps Foundation's converters and AWS's Cloud Intelligence Dashboards compute it.
    CASE
        WHEN cbh_type = 'SavingsPlanCoveredUsage'
            THEN coalesce({d:savings_plan_savings_plan_effective_cost}, 0)
        WHEN cbh_type = 'SavingsPlanRecurringFee'
            THEN coalesce({d:savings_plan_total_commitment_to_date}, 0)
                 - coalesce({d:savings_plan_used_commitment}, 0)
        WHEN cbh_type IN ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') THEN 0
        WHEN cbh_type = 'DiscountedUsage'
            THEN coalesce({d:reservation_effective_cost}, 0)
        WHEN cbh_type = 'RIFee'
            THEN coalesce({d:reservation_unused_amortized_upfront_fee_for_billing_period}, 0)
                 + coalesce({d:reservation_unused_recurring_fee}, 0)
        WHEN cbh_type = 'Fee' AND {c:reservation_reservation_a_r_n} IS NOT NULL THEN 0
        ELSE cbh_billed
    END                                                                   AS EffectiveCost,
    {d:pricing_public_on_demand_cost}                                     AS ListCost,
    NULL::DECIMAL(38, 18)                                                 AS ContractedCost,
    {c:line_item_currency_code}                                           AS BillingCurrency,
    CASE WHEN cbh_type IN ('DiscountedUsage', 'SavingsPlanCoveredUsage') THEN 'Used' END AS CommitmentDiscountStatus,
    tag_maps.cbh_user_tags                                                AS Tags,
    tag_maps.cbh_source_tags                                              AS x_SourceTags,
    cbh_type                                                              AS x_LineItemType,
    {c:line_item_product_code}                                            AS x_ServiceCode,
    {c:line_item_usage_type}                                              AS x_UsageType,
    {c:line_item_operation}                                               AS x_Operation,
    {format}                                                              AS x_Format,
    ingestion_id                                                          AS x_IngestionId,
    source_file                                                           AS x_SourceFile,
    source_row                                                            AS x_SourceRow
FROM src JOIN tag_maps ON src.cbh_tag_key IS NOT DISTINCT FROM tag_maps.cbh_tag_key;
