//! `cbh_help()`: every cbh function, its parameters and its output columns, with what each is for. DuckDB's C API
//! gives table functions neither descriptions nor parameter names in `duckdb_functions()`, so cbh lists them here.

use std::sync::Arc;

use duckdb::arrow::array::StringArray;
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use super::{Call, CbhFunction, Ty};
use crate::error::{Error, Result};

/// `cbh_help` takes no parameters.
pub struct Help;

/// One function's entry: name, what it does, its parameters (name, type, what for) and its columns.
pub struct Entry {
    name: &'static str,
    about: &'static str,
    parameters: Vec<(String, String, &'static str)>,
    columns: &'static [(&'static str, Ty)],
}

/// The entry of a function, from its declarations.
pub fn entry<T: CbhFunction>() -> Entry {
    let described = |name: &str| T::HELP.iter().find(|(n, _)| *n == name).map_or("", |(_, d)| *d);
    let mut parameters: Vec<(String, String, &'static str)> =
        T::parameters().iter().map(|t| ("path".to_string(), type_name(t), described("path"))).collect();
    for (name, t) in T::named_parameters() {
        let about = described(&name);
        parameters.push((format!("{name} :="), type_name(&t), about));
    }
    let warehouse = crate::capi::warehouse::PARAMETER;
    parameters.push((format!("{warehouse} :="), "VARCHAR".into(), crate::capi::warehouse::HELP));
    Entry { name: T::NAME, about: T::ABOUT, parameters, columns: T::COLUMNS }
}

fn type_name(t: &LogicalTypeHandle) -> String {
    match t.id() {
        LogicalTypeId::Varchar => "VARCHAR".into(),
        LogicalTypeId::Boolean => "BOOLEAN".into(),
        LogicalTypeId::Date => "DATE".into(),
        LogicalTypeId::Decimal => format!("DECIMAL({},{})", t.decimal_width(), t.decimal_scale()),
        LogicalTypeId::Any => "VARCHAR or VARCHAR[]".into(),
        other => format!("{other:?}").to_uppercase(),
    }
}

impl CbhFunction for Help {
    const NAME: &'static str = "cbh_help";
    const ABOUT: &'static str = "This list: every cbh function, parameter and output column.";
    const COLUMNS: &'static [(&'static str, Ty)] = &[
        ("function", Ty::Text),
        ("kind", Ty::Text),
        ("name", Ty::Text),
        ("type", Ty::Text),
        ("description", Ty::Text),
    ];

    fn bind(_: &BindInfo) -> Result<Self> {
        Ok(Help)
    }

    fn run(&self, _: &Call) -> Result<Vec<RecordBatch>> {
        let mut rows: Vec<[String; 5]> = Vec::new();
        for e in super::help_entries() {
            let f = format!("{}()", e.name);
            rows.push([f.clone(), "function".into(), e.name.into(), "TABLE".into(), e.about.into()]);
            for (name, t, about) in &e.parameters {
                rows.push([f.clone(), "parameter".into(), name.clone(), t.clone(), (*about).into()]);
            }
            for (name, ty) in e.columns {
                rows.push([f.clone(), "column".into(), (*name).into(), ty.sql().into(), String::new()]);
            }
        }
        let columns =
            (0..5).map(|i| Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r[i].as_str()))) as _).collect();
        let fields: Vec<Field> = Self::COLUMNS.iter().map(|(n, _)| Field::new(*n, DataType::Utf8, true)).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
            .map(|b| vec![b])
            .map_err(|e| Error::Internal(e.to_string()))
    }
}
