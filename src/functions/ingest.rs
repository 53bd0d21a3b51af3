//! `cbh_ingest(path, format := ..., kind := 'billing' | 'metrics')`: Bronze, Silver and Gold for the billing files a
//! path, glob or list of them names, or utilization metrics for the zombie rules that need them.

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use super::{named_bool, named_text, require_writable, text_or_list, Call, CbhFunction, Ty};
use crate::error::{Error, Result};
use crate::pipeline::{ingest, metrics, report};

/// Parameters of `cbh_ingest`.
pub struct Ingest {
    patterns: Vec<String>,
    format: Option<String>,
    metrics: bool,
    force: bool,
}

/// Values `format :=` takes (`auto` detects, like no parameter).
const FORMATS: &[&str] = &["auto", "cur", "cur_athena", "cur2", "focus"];

impl CbhFunction for Ingest {
    const NAME: &'static str = "cbh_ingest";
    const ABOUT: &'static str = "Bronze, Silver and Gold for the billing files (or metrics) a path, glob or list names: idempotent, a revised bill replaces the old.";
    const HELP: &'static [(&'static str, &'static str)] = &[
        ("path", "a file, a glob or a list of them (local, or any file system DuckDB reads)"),
        ("format", "'auto' (default), 'cur', 'cur_athena', 'cur2' or 'focus'"),
        ("kind", "'billing' (default) or 'metrics' (utilization for the zombie rules)"),
        ("force", "true lands the files again even when their bytes landed before"),
    ];
    const COLUMNS: &'static [(&'static str, Ty)] = &[
        ("file", Ty::Text),
        ("format", Ty::Text),
        ("billing_period", Ty::Date),
        ("provider", Ty::Text),
        ("billing_account", Ty::Text),
        ("rows", Ty::BigInt),
        ("status", Ty::Text),
        ("error", Ty::Text),
        ("size", Ty::BigInt),
        ("sha256", Ty::Text),
        ("manifest", Ty::Text),
        ("note", Ty::Text),
    ];

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        vec![
            ("format".into(), LogicalTypeId::Varchar.into()),
            ("kind".into(), LogicalTypeId::Varchar.into()),
            ("force".into(), LogicalTypeId::Boolean.into()),
        ]
    }

    fn parameters() -> Vec<LogicalTypeHandle> {
        vec![LogicalTypeId::Any.into()]
    }

    fn bind(bind: &BindInfo) -> Result<Self> {
        let patterns = text_or_list(&bind.get_parameter(0));
        if patterns.is_empty() {
            return Err(Error::Usage("cbh_ingest(path): path must be a file, a glob or a list of them".into()));
        }
        let format = named_text(bind, "format").map(|f| f.trim().to_ascii_lowercase());
        if let Some(f) = &format {
            if !FORMATS.contains(&f.as_str()) {
                return Err(Error::Usage(format!(
                    "cbh_ingest(format := '{f}'): the format must be one of {}",
                    FORMATS.iter().map(|f| format!("'{f}'")).collect::<Vec<_>>().join(", ")
                )));
            }
        }
        let format = format.filter(|f| f != "auto");
        let metrics = match named_text(bind, "kind").map(|k| k.trim().to_ascii_lowercase()).as_deref() {
            None | Some("billing") => false,
            Some("metrics") => true,
            Some(other) => {
                return Err(Error::Usage(format!(
                    "cbh_ingest(kind := '{other}'): the kind must be 'billing' (the default) or 'metrics'"
                )))
            }
        };
        if metrics && format.is_some() {
            return Err(Error::Usage("cbh_ingest(kind := 'metrics') takes no format: metrics have one".into()));
        }
        Ok(Ingest { patterns, format, metrics, force: named_bool(bind, "force") })
    }

    fn run(&self, call: &Call) -> Result<Vec<RecordBatch>> {
        let caller = call.caller.ok_or_else(|| Error::Internal("no client context".into()))?;
        require_writable(call.pool, Self::NAME)?;
        let con = call.pool.writer()?;
        let ingestion = if self.metrics {
            metrics::ingest(&con, caller, &self.patterns)?
        } else {
            ingest::ingest(&con, caller, &self.patterns, self.format.as_deref(), self.force)?
        };
        report::ingest(&con, ingestion)
    }
}
