//! `cbh_forget(billing_period := VARCHAR, billing_account := VARCHAR, provider := VARCHAR)`: removes a billing
//! period from every layer and marks its landings forgotten in the ledger, so that its files land again when they
//! are next ingested. Returns the periods removed.

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use super::{named_period, named_text, warehouse_ready, Call, CbhFunction, Ty};
use crate::error::{Error, Result};
use crate::pipeline::live;

/// Which periods to forget.
pub struct Forget {
    period: String,
    account: Option<String>,
    provider: Option<String>,
}

impl CbhFunction for Forget {
    const NAME: &'static str = "cbh_forget";
    const ABOUT: &'static str =
        "Removes billing periods from every layer, so that their files land again when next ingested.";
    const HELP: &'static [(&'static str, &'static str)] = &[
        ("billing_period", "the month to forget: '2024-09' or a DATE (required)"),
        ("billing_account", "only this billing account"),
        ("provider", "only this provider, such as 'AWS'"),
    ];
    const COLUMNS: &'static [(&'static str, Ty)] = &[
        ("provider", Ty::Text),
        ("billing_account", Ty::Text),
        ("billing_period", Ty::Date),
        ("line_items", Ty::BigInt),
        ("status", Ty::Text),
    ];

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        ["billing_period", "billing_account", "provider"].map(|n| (n.to_string(), LogicalTypeId::Varchar.into())).into()
    }

    fn bind(bind: &BindInfo) -> Result<Self> {
        let period = named_period(bind, Self::NAME, "billing_period")?.ok_or_else(|| {
            Error::Usage(
                "cbh_forget needs billing_period := (a month, such as '2024-09'); billing_account := and provider := \
                 narrow it"
                    .into(),
            )
        })?;
        Ok(Forget { period, account: named_text(bind, "billing_account"), provider: named_text(bind, "provider") })
    }

    fn run(&self, call: &Call) -> Result<Vec<RecordBatch>> {
        super::require_writable(call.pool, Self::NAME)?;
        if !warehouse_ready(call.pool)? {
            return Err(Error::Usage("cbh_forget: the warehouse holds no bill yet".into()));
        }
        live::forget(&*call.pool.writer()?, &self.period, self.account.as_deref(), self.provider.as_deref())
    }
}
