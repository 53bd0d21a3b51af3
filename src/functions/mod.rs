//! The SQL functions: one thin adapter per function (parameters in, rows out), all registered from here.
//!
//! `bind` only declares columns and reads parameters, so `DESCRIBE` and `EXPLAIN` never write; the work happens on
//! the first `func` call, through cbh's own connections, and its rows are streamed out as DuckDB vectors.

mod check;
mod forget;
mod help;
mod ingest;
mod output;
mod silver;
mod status;
mod waste;
mod zombies;

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{DataChunkHandle, LogicalTypeHandle};
use duckdb::vtab::{record_batch_to_duckdb_data_chunk, BindInfo, InitInfo, TableFunctionInfo, VTab, Value};
use duckdb::Connection;

use crate::error::{guarded, Error, Result};
use crate::fingerprint::ClientContext;
use crate::state::{check_not_reentrant, Pool, State};
use output::conform;
pub use output::Ty;

/// Registers every cbh function on `con`.
pub fn register_all(con: &Connection, state: &Arc<State>) -> Result<()> {
    register::<ingest::Ingest>(con, state)?;
    register::<silver::Silver>(con, state)?;
    register::<zombies::Zombies>(con, state)?;
    register::<status::Status>(con, state)?;
    register::<waste::Waste>(con, state)?;
    register::<check::Check>(con, state)?;
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
        help::entry::<waste::Waste>(),
        help::entry::<check::Check>(),
        help::entry::<status::Status>(),
        help::entry::<forget::Forget>(),
        help::entry::<help::Help>(),
    ]
}

fn register<T: CbhFunction>(con: &Connection, state: &Arc<State>) -> Result<()> {
    con.register_table_function_with_extra_info::<Adapter<T>, _>(T::NAME, state)
        .map_err(|e| Error::Internal(format!("registering {}(): {e}", T::NAME)))
}

/// What a function's `run` gets: cbh's state, its live pool, and the caller's client context.
pub struct Call<'a> {
    /// cbh's shared state (host, versions).
    pub state: &'a State,
    /// cbh's connections.
    pub pool: &'a Pool,
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
pub fn warehouse_ready(pool: &Pool) -> Result<bool> {
    let (exists, old) = {
        let reader = pool.reader();
        (crate::pipeline::warehouse_exists(&reader)?, crate::pipeline::needs_upgrade(&reader)?)
    };
    if old {
        crate::pipeline::ensure_warehouse(&pool.writer())?;
    }
    Ok(exists)
}

/// Fails with a clear message when the database is open read-only: `function` writes.
pub fn require_writable(pool: &Pool, function: &str) -> Result<()> {
    let reader = pool.reader();
    let (name, read_only): (String, bool) = reader
        .query_row(
            "SELECT database_name, readonly FROM duckdb_databases() WHERE database_name = current_database()",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| Error::Internal(format!("reading whether the database is read-only: {e}")))?;
    if read_only {
        return Err(Error::Usage(format!(
            "{function}() writes to the warehouse, but database '{name}' is open read-only (duckdb -readonly, or \
             read_only=True in Python); the reports (cbh_zombies, cbh_waste, cbh_check, ...) work read-only. Open it \
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

struct Adapter<T>(PhantomData<T>);

/// Bind data: the parsed parameters, cbh's state and the caller's context.
pub struct Bound<T> {
    args: T,
    state: Arc<State>,
    caller: Option<ClientContext>,
    /// The client thread: bind runs on it.
    client: std::thread::ThreadId,
}

/// Init data: the rows still to emit.
#[derive(Default)]
pub struct Output {
    rows: Mutex<Option<VecDeque<RecordBatch>>>,
}

/// The caller's client context.
///
/// The crate keeps `BindInfo`'s handle private; `BindInfo` is a single-field wrapper around it (checked below).
fn caller_context(bind: &BindInfo) -> Option<ClientContext> {
    const _: () = assert!(std::mem::size_of::<BindInfo>() == std::mem::size_of::<duckdb::ffi::duckdb_bind_info>());
    // SAFETY: BindInfo is a single-field wrapper of the raw handle (size checked above), valid during bind; the
    // context DuckDB returns is owned by the ClientContext made from it.
    unsafe {
        let raw = *(bind as *const BindInfo as *const duckdb::ffi::duckdb_bind_info);
        let mut ctx: duckdb::ffi::duckdb_client_context = std::ptr::null_mut();
        duckdb::ffi::duckdb_table_function_get_client_context(raw, &mut ctx);
        ClientContext::from_raw(ctx)
    }
}

impl<T: CbhFunction> VTab for Adapter<T> {
    type BindData = Bound<T>;
    type InitData = Output;

    fn bind(bind: &BindInfo) -> std::result::Result<Bound<T>, Box<dyn std::error::Error>> {
        Ok(guarded(&format!("{}() bind", T::NAME), || Self::try_bind(bind))?)
    }

    fn init(init: &InitInfo) -> std::result::Result<Output, Box<dyn std::error::Error>> {
        init.set_max_threads(1);
        Ok(Output::default())
    }

    fn func(
        info: &TableFunctionInfo<Self>,
        output: &mut DataChunkHandle,
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        Ok(guarded(&format!("{}()", T::NAME), || Self::try_func(info, output))?)
    }

    fn parameters() -> Option<Vec<LogicalTypeHandle>> {
        Some(T::parameters())
    }

    fn named_parameters() -> Option<Vec<(String, LogicalTypeHandle)>> {
        Some(T::named_parameters())
    }
}

impl<T: CbhFunction> Adapter<T> {
    fn try_bind(bind: &BindInfo) -> Result<Bound<T>> {
        check_not_reentrant(T::NAME)?;
        crate::diag::phase("bind", T::NAME);
        // SAFETY: every cbh function is registered with an Arc<State> as its extra info (register()).
        let state = unsafe { bind.get_extra_info::<Arc<State>>().as_ref() }
            .ok_or_else(|| Error::Internal("function registered without state".into()))?
            .clone();
        for (name, ty) in T::COLUMNS {
            bind.add_result_column(name, ty.logical());
        }
        let args = T::bind(bind)?;
        Ok(Bound { args, state, caller: caller_context(bind), client: std::thread::current().id() })
    }

    fn try_func(info: &TableFunctionInfo<Self>, output: &mut DataChunkHandle) -> Result<()> {
        let bound = info.get_bind_data();
        let mut rows = info.get_init_data().rows.lock().unwrap_or_else(|p| p.into_inner());
        if rows.is_none() {
            let busy = bound.state.begin()?;
            let call = Call { state: &bound.state, pool: &busy.pool, caller: bound.caller.as_ref() };
            let on_client = std::thread::current().id() == bound.client;
            crate::diag::phase("run", if on_client { "on the client thread" } else { "on a worker thread" });
            let python = bound.state.host.starts_with("python");
            let interruptible = crate::interrupt::begin(python);
            // On a worker thread, the client thread waits idle: a thread of cbh's takes its place (capi::tasks).
            let result = match (&bound.state.tasks, on_client) {
                (Some(tasks), false) => tasks.lend(|| bound.args.run(&call)),
                _ => bound.args.run(&call),
            };
            let batches = match result {
                Err(_) if interruptible.interrupted() => return Err(Error::Interrupted(T::NAME)),
                other => other?,
            };
            drop(interruptible);
            *rows = Some(conform::<T>(batches)?.into());
        }
        let queue = rows.as_mut().ok_or_else(|| Error::Internal("no rows".into()))?;
        // SAFETY: a plain query of a constant of the C API.
        let capacity = unsafe { duckdb::ffi::duckdb_vector_size() } as usize;
        while let Some(batch) = queue.pop_front() {
            if batch.num_rows() == 0 {
                continue;
            }
            let n = batch.num_rows().min(capacity);
            if n < batch.num_rows() {
                queue.push_front(batch.slice(n, batch.num_rows() - n));
            }
            record_batch_to_duckdb_data_chunk(&batch.slice(0, n), output)
                .map_err(|e| Error::Internal(format!("{}(): writing the output: {e}", T::NAME)))?;
            output.set_len(n);
            return Ok(());
        }
        output.set_len(0);
        Ok(())
    }
}
