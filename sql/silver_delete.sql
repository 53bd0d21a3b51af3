-- silver_delete.sql: clears Silver line items of one (provider $1, billing account $2, billing period $3) before
-- rebuilding them.
DELETE FROM cbh.silver_line_items
WHERE ProviderName = $1 AND BillingAccountId = $2 AND BillingPeriodStart::DATE = $3::DATE;
