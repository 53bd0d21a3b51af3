//! `cbh_export(path, force := false)`: Silver and Gold as hive-partitioned Parquet, for Spark, Trino, Athena and
//! other DuckDB processes; only the partitions that changed since the last export are written.

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use super::{named_bool, warehouse_ready, Call, CbhFunction, Ty};
use crate::error::{Error, Result};
use crate::pipeline::export;

/// Parameters of `cbh_export`.
pub struct Export {
    path: String,
    force: bool,
}

impl CbhFunction for Export {
    const NAME: &'static str = "cbh_export";
    const ABOUT: &'static str = "Silver and Gold as hive-partitioned Parquet (provider=/billing_account=/billing_period=) for other engines: only what changed since the last export is written, each partition atomically.";
    const HELP: &'static [(&'static str, &'static str)] = &[
        ("path", "the export's folder (created if its parent exists), or an S3 prefix where the host has httpfs"),
        ("force", "true writes every partition again, also those another warehouse wrote"),
    ];
    const COLUMNS: &'static [(&'static str, Ty)] = &[
        ("table_name", Ty::Text),
        ("provider", Ty::Text),
        ("billing_account", Ty::Text),
        ("billing_period", Ty::Date),
        ("status", Ty::Text),
        ("rows", Ty::BigInt),
        ("file", Ty::Text),
    ];

    fn parameters() -> Vec<LogicalTypeHandle> {
        vec![LogicalTypeId::Varchar.into()]
    }

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        vec![("force".into(), LogicalTypeId::Boolean.into())]
    }

    fn bind(bind: &BindInfo) -> Result<Self> {
        let path = bind.get_parameter(0);
        let path = if path.is_null() { String::new() } else { path.to_string().trim().to_string() };
        if path.is_empty() {
            return Err(Error::Usage("cbh_export(path): path must name the export's folder".into()));
        }
        Ok(Export { path, force: named_bool(bind, "force") })
    }

    fn run(&self, call: &Call) -> Result<Vec<RecordBatch>> {
        if !warehouse_ready(call.pool)? {
            return Ok(Vec::new());
        }
        export::export(&*call.pool.reader()?, &self.path, self.force)
    }
}
