-- export_copy.sql: writes one partition of cbh_export ({select}) to {file}: on a local disk under a temporary name
-- (tmp_data.parquet) renamed over the old file, so that a reader sees the old file or the new one, never half of
-- it; money keeps its DECIMAL type. The footer says which partition it is, its token and the warehouse ({owner}).
COPY ({select}) TO {file} (FORMAT parquet, COMPRESSION zstd, USE_TMP_FILE true,
    KV_METADATA {cbh_table: {table}, cbh_provider: {provider}, cbh_billing_account: {account},
                 cbh_billing_period: {period}, cbh_owner: {owner}, cbh_token: {token}});
