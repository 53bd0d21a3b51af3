//! cbh (Cloud Bill Hunter): a DuckDB extension that finds zombie cloud resources in AWS billing exports.
//!
//! This file is the entrypoint only: it opens cbh's connections and registers the SQL functions.

mod capi;
pub mod compressed;
mod diag;
pub mod error;
pub mod fingerprint;
pub mod footer;
mod functions;
pub mod pipeline;
pub mod sql;

use duckdb::{ffi, Connection};

/// The oldest DuckDB C API cbh loads into: older hosts refuse it cleanly (lower values load and then crash).
const MIN_DUCKDB_VERSION: &str = "v1.5.6";

/// Called by DuckDB on `LOAD cbh`; written out rather than with duckdb-rs's entrypoint macro, because cbh needs
/// the database handle itself (for its task state, `capi::tasks`), which the macro keeps to itself.
///
/// # Safety
/// Called by DuckDB only, with the `info` and `access` of the extension being loaded.
#[no_mangle]
pub unsafe extern "C" fn cbh_init_c_api(
    info: ffi::duckdb_extension_info,
    access: *const ffi::duckdb_extension_access,
) -> bool {
    // SAFETY: DuckDB passes a valid info and access for the duration of this call.
    match unsafe { load(info, access) } {
        Ok(loaded) => loaded,
        Err(e) => {
            // SAFETY: as above; set_error copies the message.
            if let Some(set_error) = unsafe { (*access).set_error } {
                let message = std::ffi::CString::new(e.to_string().replace('\0', " ")).unwrap_or_default();
                // SAFETY: as above.
                unsafe { set_error(info, message.as_ptr()) };
            }
            false
        }
    }
}

/// # Safety
/// As `cbh_init_c_api`.
unsafe fn load(info: ffi::duckdb_extension_info, access: *const ffi::duckdb_extension_access) -> error::Result<bool> {
    let internal = |m: &str| error::Error::Internal(format!("LOAD cbh: {m}"));
    // SAFETY: `info` and `access` are DuckDB's (the caller's promise).
    if !unsafe { ffi::duckdb_rs_extension_api_init(info, access, MIN_DUCKDB_VERSION) }.map_err(internal)? {
        return Ok(false); // an older host: DuckDB has already said why
    }
    // SAFETY: as above; get_database returns a handle valid during this call, or null with DuckDB's own reason.
    let db = unsafe {
        let get_database = (*access).get_database.ok_or_else(|| internal("no get_database in the C API"))?;
        let db = get_database(info);
        if db.is_null() {
            return Ok(false);
        }
        *db
    };
    // SAFETY: `db` is valid during this call; the connection made from it does not close the database.
    let con = unsafe { Connection::open_from_raw(db.cast()) }.map_err(|e| internal(&e.to_string()))?;
    // SAFETY: as above.
    let tasks = unsafe { capi::tasks::Tasks::new(db) };
    // SAFETY: as above.
    unsafe { capi::warehouse::register_setting(db) };
    error::guarded("LOAD cbh", || init(&con, tasks))?;
    Ok(true)
}

fn init(con: &Connection, tasks: Option<capi::tasks::Tasks>) -> error::Result<()> {
    diag::phase("load", "");
    let state = capi::lifecycle::start(con, tasks)?;
    functions::register_all(con, &state)?;
    state.create_warehouse();
    Ok(())
}
