//! The rows cbh's table functions return, as Arrow record batches straight from DuckDB.

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::{Connection, ToSql};

use crate::error::{Context, Result};
use crate::sql;

/// Runs a query and collects its result.
pub fn query(con: &Connection, sql: &str, params: &[&dyn ToSql], context: &str) -> Result<Vec<RecordBatch>> {
    let mut stmt = con.prepare(sql).context(context)?;
    let batches = stmt.query_arrow(params).context(context)?.collect();
    Ok(batches)
}

/// `cbh_ingest`'s rows: the ledger rows of one ingestion.
pub fn ingest(con: &Connection, ingestion: i64) -> Result<Vec<RecordBatch>> {
    query(con, sql::REPORT_INGEST, &[&ingestion], "reading the ingestion's ledger rows")
}

/// `cbh_silver`'s rows; `since` marks which periods count as rebuilt by this call.
pub fn silver(con: &Connection, since: i64) -> Result<Vec<RecordBatch>> {
    query(con, sql::REPORT_SILVER, &[&since], "reading the Silver summary")
}

/// `cbh_zombies`' rows, optionally filtered by billing period (`YYYY-MM-DD`) and minimum cost (decimal text).
pub fn zombies(con: &Connection, period: Option<&str>, min_cost: Option<&str>) -> Result<Vec<RecordBatch>> {
    query(con, sql::REPORT_ZOMBIES, &[&period, &min_cost], "reading the zombie report")
}

/// `cbh_status`' row.
pub fn status(con: &Connection, warehouse: bool, duckdb_version: &str, lifecycle: &str) -> Result<Vec<RecordBatch>> {
    let file = if warehouse { sql::REPORT_STATUS } else { sql::REPORT_STATUS_EMPTY };
    query(con, file, &[&env!("CARGO_PKG_VERSION"), &duckdb_version, &lifecycle], "reading the warehouse status")
}
