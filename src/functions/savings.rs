//! `cbh_savings(billing_period := DATE, min_saving := DECIMAL, rule := VARCHAR, excluded := BOOLEAN)`: the findings of
//! the saving rules (money that could be less: gp2 to gp3, an older generation, on demand all month), the most
//! monthly saving first.

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use super::{named_bool, named_period, named_text, warehouse_ready, Call, CbhFunction, Ty};
use crate::error::Result;
use crate::pipeline::report::{self, ZombieFilter};
use crate::pipeline::rules::Kind;

/// Filters of `cbh_savings`.
pub struct Savings(ZombieFilter);

impl CbhFunction for Savings {
    const NAME: &'static str = "cbh_savings";
    const ABOUT: &'static str =
        "What could cost less: the findings of the saving rules, the most monthly saving first.";
    const HELP: &'static [(&'static str, &'static str)] = &[
        ("billing_period", "only this month: '2024-09' or a DATE"),
        ("min_saving", "only findings saving at least this much (0 also shows findings worth nothing)"),
        ("rule", "only this rule (cbh.rules, of kind saving)"),
        ("excluded", "true also shows excluded findings, flagged"),
    ];
    const COLUMNS: &'static [(&'static str, Ty)] = &[
        ("billing_period", Ty::Date),
        ("resource_id", Ty::Text),
        ("rule", Ty::Text),
        ("evidence", Ty::Text),
        ("saving", Ty::Money),
        ("effective_saving", Ty::Money),
        ("monthly_saving", Ty::Money),
        ("cost", Ty::Money),
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
        ("first_found", Ty::Timestamp),
        ("periods_seen", Ty::BigInt),
        ("excluded", Ty::Bool),
        ("excluded_reason", Ty::Text),
        ("currency", Ty::Text),
        ("kind", Ty::Text),
    ];

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        vec![
            ("billing_period".into(), LogicalTypeId::Varchar.into()),
            ("min_saving".into(), LogicalTypeHandle::decimal(38, 18)),
            ("rule".into(), LogicalTypeId::Varchar.into()),
            ("excluded".into(), LogicalTypeId::Boolean.into()),
        ]
    }

    fn bind(bind: &BindInfo) -> Result<Self> {
        Ok(Savings(ZombieFilter {
            billing_period: named_period(bind, "cbh_savings", "billing_period")?,
            min_cost: named_text(bind, "min_saving"),
            rule: named_text(bind, "rule"),
            excluded: named_bool(bind, "excluded"),
            no_metrics: false,
            kind: Kind::Saving,
        }))
    }

    fn run(&self, call: &Call) -> Result<Vec<RecordBatch>> {
        if !warehouse_ready(call.pool)? {
            return Ok(Vec::new());
        }
        let con = call.pool.reader()?;
        report::zombies(&con, &self.0)
    }
}
