-- silver_insert_focus.sql: types one ({provider}, {account}, {period}: literals, see promote.rs) of FOCUS Bronze into
-- Silver line items: FOCUS names map to themselves. {c:Name} is the column, trimmed, with empty and the literal
-- `NULL` as NULL (NULL where the table lacks it), {d:Name} the same as DECIMAL(38, 18), exactly; {tag_entries}
-- parses Tags; {tags} and {source_tags} build the tag maps.
INSERT INTO cbh.silver_line_items BY NAME
WITH src AS NOT MATERIALIZED (
    SELECT *,
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
    CAST({c:BillingPeriodStart} AS TIMESTAMP)                             AS BillingPeriodStart,
    try_cast({c:BillingPeriodEnd} AS TIMESTAMP)                           AS BillingPeriodEnd,
    {c:SubAccountId}                                                      AS SubAccountId,
    {c:ChargeCategory}                                                    AS ChargeCategory,
    {c:ChargeClass}                                                       AS ChargeClass,
    {c:ChargeDescription}                                                 AS ChargeDescription,
    CAST({c:ChargePeriodStart} AS TIMESTAMP)                              AS ChargePeriodStart,
    CAST({c:ChargePeriodEnd} AS TIMESTAMP)                                AS ChargePeriodEnd,
    {c:ResourceId}                                                        AS ResourceId,
    {c:ServiceName}                                                       AS ServiceName,
    {c:RegionId}                                                          AS RegionId,
    {c:SkuId}                                                             AS SkuId,
    {d:ConsumedQuantity}                                                  AS ConsumedQuantity,
    {c:ConsumedUnit}                                                      AS ConsumedUnit,
    {d:BilledCost}                                                        AS BilledCost,
    {d:EffectiveCost}                                                     AS EffectiveCost,
    {d:ListCost}                                                          AS ListCost,
    {d:ContractedCost}                                                    AS ContractedCost,
    {c:BillingCurrency}                                                   AS BillingCurrency,
    {c:CommitmentDiscountStatus}                                          AS CommitmentDiscountStatus,
    tag_maps.cbh_user_tags                                                AS Tags,
    tag_maps.cbh_source_tags                                              AS x_SourceTags,
    NULL::VARCHAR                                                         AS x_LineItemType,
    {c:x_ServiceCode}                                                     AS x_ServiceCode,
    coalesce({c:x_UsageType}, {c:SkuMeter})                               AS x_UsageType,
    {c:x_Operation}                                                       AS x_Operation,
    {format}                                                              AS x_Format,
    ingestion_id                                                          AS x_IngestionId,
    source_file                                                           AS x_SourceFile,
    source_row                                                            AS x_SourceRow
FROM src JOIN tag_maps ON src.cbh_tag_key IS NOT DISTINCT FROM tag_maps.cbh_tag_key;
