//! cbh's connections to the user's database, and letting go of them when the user does.
//!
//! cbh can run SQL only through connections cloned in the entrypoint. Such a connection keeps the database alive,
//! so a watcher thread (with its own connection and only a weak reference to the pool) polls
//! `duckdb_connection_count()`; once only cbh's own connections remain and none is in use, it marks cbh released,
//! drops the pool and then its own connection, and the database closes as the user expects.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use duckdb::Connection;

use crate::error::{Context, Error, Result};

/// Reader connections: cbh's reports run on these while an ingest holds the writer.
const READERS: usize = 2;
/// Pool connections plus the watcher's own.
pub const OWN_CONNECTIONS: u64 = 1 + READERS as u64 + 1;
const POLL: Duration = Duration::from_millis(200);
/// Hosts other than Python may re-open the same file as a second instance (the CLI's `.open`): wait this many
/// quiet polls (about 2 s) before letting go.
const DEBOUNCE_POLLS: u32 = 10;

thread_local! {
    /// Set while this thread runs SQL on one of cbh's connections: a cbh function bound then is re-entrant.
    static IN_CBH_SQL: Cell<bool> = const { Cell::new(false) };
}

/// Fails fast when a cbh function is being bound inside SQL that cbh itself runs.
pub fn check_not_reentrant(function: &'static str) -> Result<()> {
    if IN_CBH_SQL.with(Cell::get) {
        Err(Error::Reentrant(function))
    } else {
        Ok(())
    }
}

/// The connections cbh runs its SQL on.
pub struct Pool {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    /// The database cbh was loaded into: the warehouse when a call names none.
    home: String,
    /// Warehouses written since the watcher's last checkpoint.
    written: Mutex<std::collections::BTreeSet<String>>,
}

/// A connection borrowed from the pool; marks this thread as running cbh SQL while held.
pub struct Conn<'a> {
    guard: MutexGuard<'a, Connection>,
    was_inside: bool,
    /// While held, a Ctrl-C for this thread's call interrupts what runs on this connection.
    _held: Option<crate::capi::interrupt::Held>,
}

impl std::ops::Deref for Conn<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.guard
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let was = self.was_inside;
        IN_CBH_SQL.with(|f| f.set(was));
    }
}

fn enter(guard: MutexGuard<'_, Connection>) -> Conn<'_> {
    let was_inside = IN_CBH_SQL.with(|f| f.replace(true));
    let _held = crate::capi::interrupt::hold(guard.interrupt_handle());
    Conn { guard, was_inside, _held }
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding a connection leaves nothing half-written on the Rust side: DuckDB rolls back.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Pool {
    /// The single writer: every change to a warehouse goes through it, one at a time. Callers borrow it through
    /// `capi::warehouse::Warehouse`, which points it at the call's warehouse.
    pub(super) fn writer(&self) -> Conn<'_> {
        enter(lock(&self.writer))
    }

    /// The database cbh was loaded into.
    pub fn home(&self) -> &str {
        &self.home
    }

    /// Notes that `warehouse` is being written (the watcher checkpoints it).
    pub(super) fn written(&self, warehouse: &str) {
        self.written.lock().unwrap_or_else(|p| p.into_inner()).insert(warehouse.to_string());
    }

    /// A reader: a free one if any, else waits for the first. Borrowed through `Warehouse`, as the writer.
    pub(super) fn reader(&self) -> Conn<'_> {
        for r in &self.readers {
            if let Ok(g) = r.try_lock() {
                return enter(g);
            }
        }
        enter(lock(&self.readers[0]))
    }
}

/// What the table functions share: the pool while cbh is live, and the host it runs in.
pub struct State {
    pool: Mutex<Option<Arc<Pool>>>,
    busy: AtomicUsize,
    released: AtomicBool,
    /// A call ended since the last checkpoint (Python host: the watcher checkpoints at its next poll).
    dirty: AtomicBool,
    /// `current_setting('duckdb_api')`, e.g. `python/3.11` or `cli`.
    pub host: String,
    /// `SELECT version()` of the host.
    pub duckdb_version: String,
    /// The database's task state: a call that runs on a worker thread lends DuckDB a thread (capi::tasks).
    pub tasks: Option<crate::capi::tasks::Tasks>,
}

/// Proof that a call is in progress: the watcher does not release while one is held.
pub struct Busy<'a> {
    state: &'a State,
    /// The pool, kept alive for the call.
    pub pool: Arc<Pool>,
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.state.dirty.store(true, SeqCst);
        self.state.busy.fetch_sub(1, SeqCst);
    }
}

impl State {
    /// Starts a call; fails with a clear message (never waits) once cbh has been released.
    pub fn begin(&self) -> Result<Busy<'_>> {
        self.busy.fetch_add(1, SeqCst);
        let pool =
            if self.released.load(SeqCst) { None } else { self.pool.lock().unwrap_or_else(|p| p.into_inner()).clone() };
        match pool {
            Some(pool) => Ok(Busy { state: self, pool }),
            None => {
                self.busy.fetch_sub(1, SeqCst);
                Err(Error::Released)
            }
        }
    }

    /// Marks cbh released if no call is in progress; returns the pool to drop, or None.
    fn try_release(&self) -> Option<Arc<Pool>> {
        self.released.store(true, SeqCst);
        if self.busy.load(SeqCst) != 0 {
            self.released.store(false, SeqCst);
            return None;
        }
        self.pool.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Creates the warehouse at LOAD when the database is writable, so that its rules can be tuned before the first
    /// ingest; a read-only database (or any failure) leaves that to the first call, which says what is wrong.
    pub fn create_warehouse(&self) {
        let Some(pool) = self.pool.lock().unwrap_or_else(|p| p.into_inner()).clone() else { return };
        let home = super::warehouse::Warehouse::new(&pool, super::warehouse::Choice::Home, "LOAD cbh");
        let Ok(writer) = home.writer() else { return };
        let writable = writer
            .query_row(
                "SELECT NOT readonly FROM duckdb_databases() WHERE database_name = current_database()",
                [],
                |r| r.get::<_, bool>(0),
            )
            .unwrap_or(false);
        if writable {
            if let Err(e) = crate::pipeline::ensure_warehouse(&writer) {
                crate::diag::note(&format!("the warehouse is created by the first call: {e}"));
            }
        }
    }

    fn unrelease(&self, pool: Arc<Pool>) {
        *self.pool.lock().unwrap_or_else(|p| p.into_inner()) = Some(pool);
        self.released.store(false, SeqCst);
    }
}

/// Opens cbh's connections (this must run inside the entrypoint) and starts the watcher.
pub fn start(con: &Connection, tasks: Option<crate::capi::tasks::Tasks>) -> Result<Arc<State>> {
    let writer = con.try_clone().context("opening cbh's connections")?;
    let readers = (0..READERS)
        .map(|_| con.try_clone().map(Mutex::new))
        .collect::<std::result::Result<Vec<_>, _>>()
        .context("opening cbh's connections")?;
    let watcher = con.try_clone().context("opening cbh's connections")?;
    let (host, duckdb_version, home): (String, String, String) = watcher
        .query_row("SELECT current_setting('duckdb_api'), version(), current_database()", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .context("reading the host's settings")?;
    let pool = Pool { writer: Mutex::new(writer), readers, home, written: Mutex::default() };
    let state = Arc::new(State {
        pool: Mutex::new(Some(Arc::new(pool))),
        busy: AtomicUsize::new(0),
        released: AtomicBool::new(false),
        dirty: AtomicBool::new(false),
        host,
        duckdb_version,
        tasks,
    });
    let weak = Arc::downgrade(&state);
    exit::install();
    std::thread::Builder::new()
        .name("cbh-lifecycle".into())
        .spawn(move || watch(weak, watcher))
        .map_err(|e| Error::Internal(format!("cannot start the lifecycle thread: {e}")))?;
    Ok(state)
}

fn connection_count(con: &Connection) -> Option<u64> {
    // Qualified with `system.main`: unqualified, the query holds a transaction on the user's database and blocks
    // its automatic checkpoints.
    con.query_row("SELECT count FROM system.main.duckdb_connection_count()", [], |r| r.get::<_, u64>(0)).ok()
}

fn watch(weak: Weak<State>, con: Connection) {
    let mut quiet = 0u32;
    loop {
        std::thread::sleep(POLL);
        let Some(_exit) = exit::hold() else { return park_forever(con) };
        let Some(state) = weak.upgrade() else { return };
        let only_ours = matches!(connection_count(&con), Some(n) if n <= OWN_CONNECTIONS);
        if !only_ours && state.host.starts_with("python") && state.busy.load(SeqCst) == 0 {
            checkpoint(&state, &con);
        }
        quiet = if only_ours && state.busy.load(SeqCst) == 0 { quiet + 1 } else { 0 };
        let needed = if state.host.starts_with("python") { 1 } else { DEBOUNCE_POLLS };
        if quiet < needed {
            continue;
        }
        let Some(pool) = state.try_release() else { continue };
        if !matches!(connection_count(&con), Some(n) if n <= OWN_CONNECTIONS) {
            // A user connection appeared in between (e.g. Python's instance cache handed this database out again).
            state.unrelease(pool);
            quiet = 0;
            continue;
        }
        if !state.host.starts_with("python") {
            // A newer instance may have opened this file meanwhile: our shutdown checkpoint must not overwrite it.
            let _ = con.execute_batch("PRAGMA disable_checkpoint_on_shutdown");
        }
        drop(state);
        drop(pool);
        // Last: with this connection the database itself closes, on this thread.
        drop(con);
        return;
    }
}

/// Writes what cbh committed from the WAL into the database file, so that a copy of the file is complete: the
/// database does not close while cbh holds it, and so misses DuckDB's checkpoint on close. Only in Python, which
/// hands out one instance per file: in the CLI, `.open` of the same file makes a second instance, whose work a
/// checkpoint of this one could overwrite, and DuckDB calls at process exit crash it (measured: 10 of 32 runs), so
/// there the WAL keeps cbh's last commits until the warehouse is opened again or the user runs CHECKPOINT. Fails
/// harmlessly, and is retried at the next poll, while a query of the user runs.
/// Every attached database cbh wrote since the last checkpoint is checkpointed too; one no longer attached is
/// forgotten.
fn checkpoint(state: &State, con: &Connection) {
    if !state.dirty.swap(false, SeqCst) {
        return;
    }
    let pool = state.pool.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut names: Vec<String> = pool
        .as_ref()
        .map(|p| std::mem::take(&mut *p.written.lock().unwrap_or_else(|e| e.into_inner())).into_iter().collect())
        .unwrap_or_default();
    if let Some(p) = &pool {
        names.retain(|n| n != p.home());
    }
    let mut failed = con.execute_batch("CHECKPOINT").is_err();
    for name in names {
        if con.execute_batch(&format!("CHECKPOINT {}", crate::sql::ident(&name))).is_err() && attached(con, &name) {
            failed = true;
            if let Some(p) = &pool {
                p.written(&name);
            }
        }
    }
    if failed {
        state.dirty.store(true, SeqCst);
    }
}

fn attached(con: &Connection, name: &str) -> bool {
    con.query_row("SELECT count(*) > 0 FROM system.main.duckdb_databases() WHERE database_name = $1", [name], |r| {
        r.get(0)
    })
    .unwrap_or(false)
}

fn park_forever(con: Connection) {
    // The process is exiting: no DuckDB call may run any more, not even a disconnect.
    std::mem::forget(con);
    loop {
        std::thread::park();
    }
}

/// Process exit: DuckDB calls made while the process runs its exit handlers crash it, so the watcher stops first.
mod exit {
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::{Mutex, MutexGuard, Once};

    static LOCK: Mutex<()> = Mutex::new(());
    static EXITING: AtomicBool = AtomicBool::new(false);
    static INSTALL: Once = Once::new();

    extern "C" {
        fn atexit(callback: extern "C" fn()) -> std::os::raw::c_int;
    }

    /// No DuckDB call at exit: a CHECKPOINT from here crashed Python too (in DuckDB's checkpoint writer, 3 of 50
    /// runs, measured), as it crashed the CLI. Nor can a call checkpoint before it returns: DuckDB counts the
    /// calling query as a write transaction and refuses. So a process that exits within a poll of its last call
    /// keeps that call's commit in the .wal, which DuckDB replays when the database is next opened.
    extern "C" fn on_exit() {
        EXITING.store(true, SeqCst);
        // Wait for a poll in progress to finish, then keep the lock for good.
        if let Ok(g) = LOCK.lock() {
            std::mem::forget(g);
        }
    }

    pub fn install() {
        // SAFETY: atexit takes a plain extern "C" function, which lives as long as the process.
        INSTALL.call_once(|| unsafe {
            atexit(on_exit);
        });
    }

    /// Held while the watcher talks to DuckDB; None once the process is exiting.
    pub fn hold() -> Option<MutexGuard<'static, ()>> {
        if EXITING.load(SeqCst) {
            return None;
        }
        let g = LOCK.lock().ok()?;
        (!EXITING.load(SeqCst)).then_some(g)
    }
}
