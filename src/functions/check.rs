//! `cbh_check(max_waste := DECIMAL, max_waste_share := DECIMAL)`: the CI gate. Fails (a DuckDB error, so the CLI
//! exits non-zero) when the waste of the latest billing period exceeds a budget, naming the top offenders; else
//! returns the figures, one row.

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::LogicalTypeHandle;
use duckdb::vtab::BindInfo;

use super::{named_text, warehouse_ready, Call, CbhFunction, Ty};
use crate::error::{Context, Error, Result};
use crate::pipeline::report;

/// The budgets of `cbh_check`.
pub struct Check {
    max_waste: Option<String>,
    max_waste_share: Option<String>,
}

impl CbhFunction for Check {
    const NAME: &'static str = "cbh_check";
    const COLUMNS: &'static [(&'static str, Ty)] = &[
        ("billing_period", Ty::Date),
        ("waste", Ty::Money),
        ("spend", Ty::Money),
        ("waste_share", Ty::Money),
        ("max_waste", Ty::Money),
        ("max_waste_share", Ty::Money),
        ("findings", Ty::BigInt),
        ("status", Ty::Text),
    ];

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        vec![
            ("max_waste".into(), LogicalTypeHandle::decimal(38, 12)),
            ("max_waste_share".into(), LogicalTypeHandle::decimal(38, 12)),
        ]
    }

    fn bind(bind: &BindInfo) -> Result<Self> {
        let check = Check {
            max_waste: named_text(bind, "max_waste"),
            max_waste_share: named_text(bind, "max_waste_share"),
        };
        if check.max_waste.is_none() && check.max_waste_share.is_none() {
            return Err(Error::Usage(
                "cbh_check needs a budget: max_waste := (money, in the bill's currency) and/or max_waste_share := \
                 (a share of the period's spend, such as 0.05)"
                    .into(),
            ));
        }
        for (name, value) in [("max_waste", &check.max_waste), ("max_waste_share", &check.max_waste_share)] {
            if value.as_deref().is_some_and(|v| v.starts_with('-')) {
                return Err(Error::Usage(format!("cbh_check({name} := {}): a budget cannot be negative", value.as_deref().unwrap_or(""))));
            }
        }
        Ok(check)
    }

    fn run(&self, call: &Call) -> Result<Vec<RecordBatch>> {
        // A gate that passes because no bill landed (a wrong path in the CI job) would hide the waste it guards.
        let ready = warehouse_ready(call.pool)?;
        let con = call.pool.reader();
        let periods: i64 = if ready {
            con.query_row("SELECT count(*) FROM cbh.periods", [], |r| r.get(0)).context("reading the billing periods")?
        } else {
            0
        };
        if periods == 0 {
            return Err(Error::Usage(
                "cbh_check: the warehouse holds no bill yet, so there is nothing to check; ingest one first, e.g. \
                 SELECT * FROM cbh_ingest('landing/*.csv')"
                    .into(),
            ));
        }
        report::check(&con, self.max_waste.as_deref(), self.max_waste_share.as_deref())
    }
}
