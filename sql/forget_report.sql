-- forget_report.sql: cbh_forget's output: the periods it removes (forget_keys.sql, {keys}, with its parameters $1
-- to $3), each with the status ($4) their landings get in the ledger.
SELECT *, $4::VARCHAR AS status FROM ({keys});
