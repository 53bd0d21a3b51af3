//! The adapter between DuckDB's table-function interface (bind, init, func) and a cbh function (`CbhFunction`):
//! parameters in, rows out as DuckDB vectors, panics caught, Ctrl-C and the lent thread around each call.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{DataChunkHandle, LogicalTypeHandle};
use duckdb::vtab::{record_batch_to_duckdb_data_chunk, BindInfo, InitInfo, TableFunctionInfo, VTab};

use super::context::ClientContext;
use super::lifecycle::{check_not_reentrant, State};
use super::warehouse::{self, Choice, Warehouse};
use crate::error::{guarded, Error, Result};
use crate::functions::{conform, named_text, Call, CbhFunction};

/// A cbh function as DuckDB sees it.
pub struct Adapter<T>(PhantomData<T>);

/// Bind data: the parsed parameters, cbh's state and the caller's context.
pub struct Bound<T> {
    args: T,
    state: Arc<State>,
    caller: Option<ClientContext>,
    /// The client thread: bind runs on it.
    client: std::thread::ThreadId,
    /// The warehouse the call names (`warehouse :=`, else the session's setting, else home).
    warehouse: Choice,
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

    /// The function's own, and `warehouse :=`, which every cbh function takes.
    fn named_parameters() -> Option<Vec<(String, LogicalTypeHandle)>> {
        let mut parameters = T::named_parameters();
        parameters.push((warehouse::PARAMETER.into(), duckdb::core::LogicalTypeId::Varchar.into()));
        Some(parameters)
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
        let caller = caller_context(bind);
        let setting = caller.as_ref().and_then(|c| c.setting(warehouse::SETTING));
        let warehouse = Choice::new(named_text(bind, warehouse::PARAMETER), setting);
        Ok(Bound { args, state, caller, client: std::thread::current().id(), warehouse })
    }

    fn try_func(info: &TableFunctionInfo<Self>, output: &mut DataChunkHandle) -> Result<()> {
        let bound = info.get_bind_data();
        let mut rows = info.get_init_data().rows.lock().unwrap_or_else(|p| p.into_inner());
        if rows.is_none() {
            let busy = bound.state.begin()?;
            let warehouse = Warehouse::new(&busy.pool, bound.warehouse.clone(), T::NAME);
            let call = Call { state: &bound.state, pool: &warehouse, caller: bound.caller.as_ref() };
            let on_client = std::thread::current().id() == bound.client;
            crate::diag::phase("run", if on_client { "on the client thread" } else { "on a worker thread" });
            let python = bound.state.host.starts_with("python");
            let interruptible = crate::capi::interrupt::begin(python);
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
