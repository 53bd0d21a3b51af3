//! `cbh_ingest(path)`: Bronze, Silver and Gold for the files a path, glob or list of them names.

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use super::{text_or_list, Call, CbhFunction, Ty};
use crate::error::{Error, Result};
use crate::pipeline::{ingest, report};

/// Parameters of `cbh_ingest`.
pub struct Ingest {
    patterns: Vec<String>,
}

impl CbhFunction for Ingest {
    const NAME: &'static str = "cbh_ingest";
    const COLUMNS: &'static [(&'static str, Ty)] = &[
        ("file", Ty::Text),
        ("size", Ty::BigInt),
        ("sha256", Ty::Text),
        ("billing_period", Ty::Date),
        ("payer_account", Ty::Text),
        ("rows", Ty::BigInt),
        ("status", Ty::Text),
        ("error", Ty::Text),
    ];

    fn parameters() -> Vec<LogicalTypeHandle> {
        vec![LogicalTypeId::Any.into()]
    }

    fn bind(bind: &BindInfo) -> Result<Self> {
        let patterns = text_or_list(&bind.get_parameter(0));
        if patterns.is_empty() {
            return Err(Error::Usage("cbh_ingest(path): path must be a file, a glob or a list of them".into()));
        }
        Ok(Ingest { patterns })
    }

    fn run(&self, call: &Call) -> Result<Vec<RecordBatch>> {
        let caller = call.caller.ok_or_else(|| Error::Internal("no client context".into()))?;
        let con = call.pool.writer();
        let ingestion = ingest::ingest(&con, caller, &self.patterns)?;
        report::ingest(&con, ingestion)
    }
}
