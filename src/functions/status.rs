//! `cbh_status()`: health of cbh and its warehouse, one row.

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::vtab::BindInfo;

use super::{warehouse_ready, Call, CbhFunction, Ty};
use crate::error::Result;
use crate::pipeline::report;

/// `cbh_status` takes no parameters.
pub struct Status;

impl CbhFunction for Status {
    const NAME: &'static str = "cbh_status";
    const ABOUT: &'static str =
        "Health of cbh and its warehouse: versions, periods, rows, the last ingestion, what cbh_anomalies can judge, one row.";
    const COLUMNS: &'static [(&'static str, Ty)] = &[
        ("cbh_version", Ty::Text),
        ("duckdb_version", Ty::Text),
        ("warehouse_schema", Ty::Text),
        ("periods", Ty::BigInt),
        ("first_period", Ty::Date),
        ("last_period", Ty::Date),
        ("bronze_rows", Ty::BigInt),
        ("silver_line_items", Ty::BigInt),
        ("resources", Ty::BigInt),
        ("zombies", Ty::BigInt),
        ("ledger_entries", Ty::BigInt),
        ("last_ingestion_at", Ty::Timestamp),
        ("last_file", Ty::Text),
        ("last_status", Ty::Text),
        ("lifecycle", Ty::Text),
        ("spend_days", Ty::BigInt),
        ("last_spend_day", Ty::Date),
        ("anomaly_detection", Ty::Text),
    ];

    fn bind(_: &BindInfo) -> Result<Self> {
        Ok(Status)
    }

    fn run(&self, call: &Call) -> Result<Vec<RecordBatch>> {
        let exists = warehouse_ready(call.pool)?;
        let con = call.pool.reader()?;
        report::status(&con, exists, &call.state.duckdb_version, "active")
    }
}
