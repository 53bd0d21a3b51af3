//! cbh (Cloud Bill Hunter): a DuckDB extension that finds zombie cloud resources in AWS billing exports.
//!
//! This file is the entrypoint only: it opens cbh's connections and registers the SQL functions.

pub mod error;
pub mod fingerprint;
pub mod footer;
mod functions;
pub mod pipeline;
pub mod sql;
mod state;

use std::panic::{catch_unwind, AssertUnwindSafe};

use duckdb::{duckdb_entrypoint_c_api, Connection};

/// Called by DuckDB on `LOAD cbh`.
///
/// # Safety
/// Called by DuckDB only, with a connection to the database being extended.
#[duckdb_entrypoint_c_api(ext_name = "cbh", min_duckdb_version = "v1.5.6")]
pub unsafe fn extension_entrypoint(con: Connection) -> Result<(), Box<dyn std::error::Error>> {
    match catch_unwind(AssertUnwindSafe(|| init(&con))) {
        Ok(result) => result.map_err(Into::into),
        Err(_) => Err("cbh: extension init panicked unexpectedly. This is a bug in cbh; please report it.".into()),
    }
}

fn init(con: &Connection) -> error::Result<()> {
    let state = state::start(con)?;
    functions::register_all(con, &state)
}
