-- forget_keys.sql: the periods cbh_forget matches: billing period $1, and billing account $2 and provider $3 where
-- given (NULL: any), with their line items.
SELECT provider, billing_account, strftime(billing_period, '%Y-%m-%d'), line_items
FROM cbh.periods
WHERE billing_period = $1::DATE AND ($2::VARCHAR IS NULL OR billing_account = $2) AND ($3::VARCHAR IS NULL OR provider = $3)
ORDER BY ALL;
