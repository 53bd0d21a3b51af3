//! `cbh_silver()`: brings Silver up to date from Bronze and summarizes it per (provider, billing account, billing period).

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::vtab::BindInfo;

use super::{warehouse_ready, Call, CbhFunction, Ty};
use crate::error::Result;
use crate::pipeline::{now_micros, promote, report};

/// `cbh_silver` takes no parameters.
pub struct Silver;

impl CbhFunction for Silver {
    const NAME: &'static str = "cbh_silver";
    const ABOUT: &'static str = "The typed, FOCUS-aligned line items per billing period, with their totals.";
    const COLUMNS: &'static [(&'static str, Ty)] = &[
        ("billing_period", Ty::Date),
        ("provider", Ty::Text),
        ("billing_account", Ty::Text),
        ("format", Ty::Text),
        ("line_items", Ty::BigInt),
        ("resources", Ty::BigInt),
        ("billed_cost", Ty::Money),
        ("effective_cost", Ty::Money),
        ("currency", Ty::Text),
        ("files", Ty::BigInt),
        ("ingestion_id", Ty::BigInt),
        ("rebuilt", Ty::Bool),
        ("updated_at", Ty::Timestamp),
    ];

    fn bind(_: &BindInfo) -> Result<Self> {
        Ok(Silver)
    }

    fn run(&self, call: &Call) -> Result<Vec<RecordBatch>> {
        let since = now_micros();
        if !warehouse_ready(call.pool)? {
            return Ok(Vec::new());
        }
        let con = call.pool.writer()?;
        promote::refresh_stale(&con)?;
        report::silver(&con, since)
    }
}
