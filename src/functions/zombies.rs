//! `cbh_zombies(billing_period := DATE, min_cost := DECIMAL)`: the Gold zombie report, most expensive first.

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use super::{named_text, warehouse_ready, Call, CbhFunction, Ty};
use crate::error::Result;
use crate::pipeline::report;

/// Filters of `cbh_zombies`.
pub struct Zombies {
    billing_period: Option<String>,
    min_cost: Option<String>,
}

impl CbhFunction for Zombies {
    const NAME: &'static str = "cbh_zombies";
    const COLUMNS: &'static [(&'static str, Ty)] = &[
        ("billing_period", Ty::Date),
        ("resource_id", Ty::Text),
        ("rule", Ty::Text),
        ("cost", Ty::Money),
        ("effective_cost", Ty::Money),
        ("usage_amount", Ty::Quantity),
        ("service", Ty::Text),
        ("usage_type", Ty::Text),
        ("region", Ty::Text),
        ("account", Ty::Text),
        ("provider", Ty::Text),
        ("billing_account", Ty::Text),
        ("tags", Ty::Text),
        ("first_seen", Ty::Timestamp),
        ("last_seen", Ty::Timestamp),
    ];

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        vec![
            ("billing_period".into(), LogicalTypeId::Date.into()),
            ("min_cost".into(), LogicalTypeHandle::decimal(38, 12)),
        ]
    }

    fn bind(bind: &BindInfo) -> Result<Self> {
        Ok(Zombies { billing_period: named_text(bind, "billing_period"), min_cost: named_text(bind, "min_cost") })
    }

    fn run(&self, call: &Call) -> Result<Vec<RecordBatch>> {
        if !warehouse_ready(call.pool)? {
            return Ok(Vec::new());
        }
        let con = call.pool.reader();
        report::zombies(&con, self.billing_period.as_deref(), self.min_cost.as_deref())
    }
}
