-- silver_delete.sql: clears Silver line items of one (payer account $1, billing period $2) before rebuilding them.
DELETE FROM cbh.silver_line_items WHERE BillingAccountId = $1 AND BillingPeriodStart::DATE = $2::DATE;
