//! The SQL functions: one thin adapter per function (parameters in, rows out), all registered from here.
//!
//! `bind` only declares columns and reads parameters, so `DESCRIBE` and `EXPLAIN` never write; the work happens on
//! the first `func` call, through cbh's own connections, and its rows are streamed out as DuckDB vectors.

mod anomalies;
mod check;
mod export;
mod forget;
mod help;
mod ingest;
mod output;
mod savings;
mod silver;
mod status;
mod waste;
mod zombies;

use std::sync::Arc;

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::LogicalTypeHandle;
use duckdb::vtab::{BindInfo, Value};
use duckdb::Connection;

use crate::capi::adapter::Adapter;
use crate::capi::context::ClientContext;
use crate::capi::lifecycle::State;
use crate::capi::warehouse::Warehouse;
use crate::error::{Error, Result};
pub(crate) use output::conform;
pub use output::Ty;

/// Registers every cbh function on `con`.
pub fn register_all(con: &Connection, state: &Arc<State>) -> Result<()> {
    register::<ingest::Ingest>(con, state)?;
    register::<silver::Silver>(con, state)?;
    register::<zombies::Zombies>(con, state)?;
    register::<savings::Savings>(con, state)?;
    register::<status::Status>(con, state)?;
    register::<waste::Waste>(con, state)?;
    register::<check::Check>(con, state)?;
    register::<anomalies::Anomalies>(con, state)?;
    register::<export::Export>(con, state)?;
    register::<forget::Forget>(con, state)?;
    register::<help::Help>(con, state)?;
    Ok(())
}

/// What `cbh_help()` lists, in the README's order.
fn help_entries() -> Vec<help::Entry> {
    vec![
        help::entry::<ingest::Ingest>(),
        help::entry::<silver::Silver>(),
        help::entry::<zombies::Zombies>(),
        help::entry::<savings::Savings>(),
        help::entry::<waste::Waste>(),
        help::entry::<check::Check>(),
        help::entry::<anomalies::Anomalies>(),
        help::entry::<export::Export>(),
        help::entry::<status::Status>(),
        help::entry::<forget::Forget>(),
        help::entry::<help::Help>(),
    ]
}

fn register<T: CbhFunction>(con: &Connection, state: &Arc<State>) -> Result<()> {
    con.register_table_function_with_extra_info::<Adapter<T>, _>(T::NAME, state)
        .map_err(|e| Error::Internal(format!("registering {}(): {e}", T::NAME)))
}

/// What a function's `run` gets: cbh's state, its connections pointed at the call's warehouse, and the caller's
/// client context.
pub struct Call<'a> {
    /// cbh's shared state (host, versions).
    pub state: &'a State,
    /// cbh's connections, each pointed at the call's warehouse when borrowed (`warehouse :=`).
    pub pool: &'a Warehouse<'a>,
    /// The calling query's client context: its file system and settings.
    pub caller: Option<&'a ClientContext>,
}

/// One SQL table function of cbh.
pub trait CbhFunction: Sized + Send + Sync + 'static {
    /// The SQL name.
    const NAME: &'static str;
    /// What it does, in one sentence (`cbh_help()`).
    const ABOUT: &'static str;
    /// What each parameter is for, by name (`path` for the positional one).
    const HELP: &'static [(&'static str, &'static str)] = &[];
    /// Output columns, in order; `run` must return exactly these.
    const COLUMNS: &'static [(&'static str, Ty)];
    /// Positional parameters.
    fn parameters() -> Vec<LogicalTypeHandle> {
        Vec::new()
    }
    /// Named parameters.
    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        Vec::new()
    }
    /// Reads and checks the parameters; no side effects.
    fn bind(bind: &BindInfo) -> Result<Self>;
    /// Does the work; returns the rows.
    fn run(&self, call: &Call) -> Result<Vec<RecordBatch>>;
}

/// A named parameter as text, if given and not NULL.
pub fn named_text(bind: &BindInfo, name: &str) -> Option<String> {
    bind.get_named_parameter(name).filter(|v| !v.is_null()).map(|v| v.to_string())
}

/// A billing period parameter (declared VARCHAR, so that a DATE or text both arrive): 'YYYY-MM', or a date or
/// timestamp within the month, as the month's first day ('YYYY-MM-01'); else an error naming the parameter.
pub fn named_period(bind: &BindInfo, function: &str, name: &str) -> Result<Option<String>> {
    let Some(text) = named_text(bind, name) else { return Ok(None) };
    period_start(&text).map(Some).ok_or_else(|| {
        Error::Usage(format!(
            "{function}({name} := '{text}'): a billing period is a month, such as '2024-09' or DATE '2024-09-01'"
        ))
    })
}

/// The first day (`YYYY-MM-01`) of the month a billing period names: `YYYY-MM` or `YYYY-MM-DD` (a real day of that
/// month), month and day of one or two digits, spaces around ignored; `None` for anything else.
pub fn period_start(text: &str) -> Option<String> {
    let number = |s: &str, digits: std::ops::RangeInclusive<usize>| -> Option<u32> {
        (digits.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
    };
    let parts: Vec<&str> = text.trim().split('-').collect();
    let (year, month, day) = match parts.as_slice() {
        [y, m] => (number(y, 4..=4)?, number(m, 1..=2)?, None),
        [y, m, d] => (number(y, 4..=4)?, number(m, 1..=2)?, Some(number(d, 1..=2)?)),
        _ => return None,
    };
    if !(1..=12).contains(&month) {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day.is_some_and(|d| !(1..=days).contains(&d)) {
        return None;
    }
    Some(format!("{year:04}-{month:02}-01"))
}

/// A named BOOLEAN parameter: false unless given as true.
pub fn named_bool(bind: &BindInfo, name: &str) -> bool {
    named_text(bind, name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Whether the warehouse exists; a cbh 0.1 warehouse is first moved to this layout (through the writer).
pub fn warehouse_ready(pool: &Warehouse) -> Result<bool> {
    let (exists, old) = {
        let reader = pool.reader()?;
        (crate::pipeline::warehouse_exists(&reader)?, crate::pipeline::needs_upgrade(&reader)?)
    };
    if old {
        crate::pipeline::ensure_warehouse(&*pool.writer()?)?;
    }
    Ok(exists)
}

/// Fails with a clear message when the database is open read-only: `function` writes.
pub fn require_writable(pool: &Warehouse, function: &str) -> Result<()> {
    let reader = pool.reader()?;
    let (name, read_only): (String, bool) = reader
        .query_row(
            "SELECT database_name, readonly FROM duckdb_databases() WHERE database_name = current_database()",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| Error::Internal(format!("reading whether the database is read-only: {e}")))?;
    if read_only {
        return Err(Error::Usage(format!(
            "{function}() writes to the warehouse, but database '{name}' is open read-only (duckdb -readonly, \
             read_only=True in Python, or ATTACH ... (READ_ONLY)); the reports (cbh_zombies, cbh_waste, cbh_check, ...) work read-only. Open it \
             read-write to ingest; while another process writes to it, wait for that process or ingest there"
        )));
    }
    Ok(())
}

/// A parameter that is one string or a list of strings.
pub fn text_or_list(value: &Value) -> Vec<String> {
    if value.is_null() {
        return Vec::new();
    }
    match value.to_list() {
        Some(items) => items.iter().filter(|v| !v.is_null()).map(|v| v.to_string()).collect(),
        None => vec![value.to_string()],
    }
}
