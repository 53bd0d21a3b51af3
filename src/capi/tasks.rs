//! Lending DuckDB a thread while a cbh call runs on one of DuckDB's worker threads.
//!
//! DuckDB calls a table function on whichever of its threads takes the scan. When that is a background worker, the
//! client thread that issued the query only waits for the query's own tasks, so cbh's SQL (which runs on cbh's own
//! connections, as other queries) has one thread fewer than the machine has cores: measured on 2 cores, an ingest
//! of 332 MB took 8 s on a worker and 5 s on the client thread. While such a call runs, a thread of cbh's runs
//! DuckDB's pending tasks through the C API's task state, in the waiting client thread's place.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::Duration;

use duckdb::ffi;

/// A task state of the database cbh was loaded into.
pub struct Tasks(ffi::duckdb_task_state);

// SAFETY: the C API's task state is made to be shared: "Multiple threads can share the same duckdb_task_state".
unsafe impl Send for Tasks {}
// SAFETY: as above; it is only ever passed to duckdb_execute_n_tasks_state, which DuckDB makes thread-safe.
unsafe impl Sync for Tasks {}

/// Tasks run per call of the C API before cbh looks at whether its call is done.
const BATCH: u64 = 16;
/// The longest pause between looks for new tasks when there are none.
const MAX_PAUSE: Duration = Duration::from_millis(1);

impl Tasks {
    /// A task state of `db`, which must be the handle DuckDB passed the entrypoint, during the entrypoint.
    ///
    /// # Safety
    /// `db` must be a valid database handle. The state refers to the database instance, not to the handle, so it
    /// may be used after the entrypoint returns while the instance lives: cbh uses it only during its own calls,
    /// which hold connections of that instance.
    pub unsafe fn new(db: ffi::duckdb_database) -> Option<Tasks> {
        // SAFETY: `db` is valid (the caller's promise).
        let state = unsafe { ffi::duckdb_create_task_state(db) };
        (!state.is_null()).then_some(Tasks(state))
    }

    /// Runs `work` on this thread while a thread of cbh's runs DuckDB's pending tasks; stops that thread (after the
    /// task it runs, if any) when `work` returns or panics.
    pub fn lend<R>(&self, work: impl FnOnce() -> R) -> R {
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let helper = std::thread::Builder::new().name("cbh-tasks".into()).spawn_scoped(scope, || {
                let mut pause = Duration::from_micros(20);
                while !done.load(SeqCst) {
                    // SAFETY: the state is valid for the instance's life, and the instance lives while this call
                    // holds cbh's connections (Tasks::new); the C API lets several threads use one state.
                    let ran = unsafe { ffi::duckdb_execute_n_tasks_state(self.0, BATCH) };
                    if ran == 0 {
                        std::thread::sleep(pause);
                        pause = (pause * 2).min(MAX_PAUSE);
                    } else {
                        pause = Duration::from_micros(20);
                    }
                }
            });
            /// Stops the helper however `work` ends, so that the scope's join cannot wait for ever.
            struct Stop<'a>(&'a AtomicBool);
            impl Drop for Stop<'_> {
                fn drop(&mut self) {
                    self.0.store(true, SeqCst);
                }
            }
            let _stop = Stop(&done);
            match helper {
                Ok(_) => crate::diag::note("lent DuckDB a thread: the call runs on a worker"),
                Err(_) => crate::diag::note("no thread to lend DuckDB: the call runs with the threads it has"),
            }
            work()
        })
    }
}
