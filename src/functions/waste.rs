//! `cbh_waste(billing_period := DATE, owner_tag := VARCHAR)`: what the zombies cost, per billing period, by rule,
//! service, account and owner tag, and in total, with the share of spend that is waste; per currency.

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use super::{named_period, named_text, warehouse_ready, Call, CbhFunction, Ty};
use crate::error::Result;
use crate::pipeline::report;

/// Filters of `cbh_waste`.
pub struct Waste {
    billing_period: Option<String>,
    owner_tag: String,
}

impl CbhFunction for Waste {
    const NAME: &'static str = "cbh_waste";
    const ABOUT: &'static str =
        "What the zombies cost, per billing period, by rule, service, account and owner tag, and in total.";
    const HELP: &'static [(&'static str, &'static str)] = &[
        ("billing_period", "only this month: '2024-09' or a DATE"),
        ("owner_tag", "the tag that names a resource's owner (default 'owner')"),
    ];
    const COLUMNS: &'static [(&'static str, Ty)] = &[
        ("billing_period", Ty::Date),
        ("dimension", Ty::Text),
        ("value", Ty::Text),
        ("findings", Ty::BigInt),
        ("resources", Ty::BigInt),
        ("waste", Ty::Money),
        ("monthly_waste", Ty::Money),
        ("spend", Ty::Money),
        ("waste_share", Ty::Money),
        ("currency", Ty::Text),
    ];

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        vec![
            ("billing_period".into(), LogicalTypeId::Varchar.into()),
            ("owner_tag".into(), LogicalTypeId::Varchar.into()),
        ]
    }

    fn bind(bind: &BindInfo) -> Result<Self> {
        Ok(Waste {
            billing_period: named_period(bind, "cbh_waste", "billing_period")?,
            owner_tag: named_text(bind, "owner_tag").unwrap_or_else(|| "owner".into()),
        })
    }

    fn run(&self, call: &Call) -> Result<Vec<RecordBatch>> {
        if !warehouse_ready(call.pool)? {
            return Ok(Vec::new());
        }
        let con = call.pool.reader()?;
        report::waste(&con, self.billing_period.as_deref(), &self.owner_tag)
    }
}
