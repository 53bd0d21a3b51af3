//! `cbh_zombies(billing_period := DATE, min_cost := DECIMAL, rule := VARCHAR, excluded := BOOLEAN,
//! no_metrics := BOOLEAN)`: the findings of the zombie rules, the most monthly waste first.

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use super::{named_bool, named_period, named_text, warehouse_ready, Call, CbhFunction, Ty};
use crate::error::Result;
use crate::pipeline::report::{self, ZombieFilter};
use crate::pipeline::rules::Kind;

/// Filters of `cbh_zombies`.
pub struct Zombies(ZombieFilter);

impl CbhFunction for Zombies {
    const NAME: &'static str = "cbh_zombies";
    const ABOUT: &'static str =
        "What bills but is idle: the findings of the zombie rules, the most monthly waste first.";
    const HELP: &'static [(&'static str, &'static str)] = &[
        ("billing_period", "only this month: '2024-09' or a DATE"),
        ("min_cost", "only findings costing at least this much (0 also shows findings worth nothing)"),
        ("rule", "only this rule (cbh.rules, of kind waste)"),
        ("excluded", "true also shows excluded findings, flagged"),
        ("no_metrics", "true also shows resources a metric rule cannot judge yet"),
    ];
    const COLUMNS: &'static [(&'static str, Ty)] = &[
        ("billing_period", Ty::Date),
        ("resource_id", Ty::Text),
        ("rule", Ty::Text),
        ("verdict", Ty::Text),
        ("evidence", Ty::Text),
        ("cost", Ty::Money),
        ("effective_cost", Ty::Money),
        ("monthly_waste", Ty::Money),
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
        ("first_seen_idle", Ty::Timestamp),
        ("days_idle", Ty::BigInt),
        ("periods_seen", Ty::BigInt),
        ("excluded", Ty::Bool),
        ("excluded_reason", Ty::Text),
        ("currency", Ty::Text),
        ("kind", Ty::Text),
    ];

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        vec![
            ("billing_period".into(), LogicalTypeId::Varchar.into()),
            ("min_cost".into(), LogicalTypeHandle::decimal(38, 18)),
            ("rule".into(), LogicalTypeId::Varchar.into()),
            ("excluded".into(), LogicalTypeId::Boolean.into()),
            ("no_metrics".into(), LogicalTypeId::Boolean.into()),
        ]
    }

    fn bind(bind: &BindInfo) -> Result<Self> {
        Ok(Zombies(ZombieFilter {
            billing_period: named_period(bind, "cbh_zombies", "billing_period")?,
            min_cost: named_text(bind, "min_cost"),
            rule: named_text(bind, "rule"),
            excluded: named_bool(bind, "excluded"),
            no_metrics: named_bool(bind, "no_metrics"),
            kind: Kind::Waste,
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
