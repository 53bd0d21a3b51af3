//! cbh (Cloud Bill Hunter): a DuckDB extension that finds zombie cloud resources in AWS billing exports.
//!
//! This file is the entrypoint only: it opens cbh's connections and registers the SQL functions.

pub mod compressed;
mod diag;
pub mod error;
pub mod fingerprint;
pub mod footer;
mod functions;
mod interrupt;
pub mod pipeline;
pub mod sql;
mod state;

use duckdb::{duckdb_entrypoint_c_api, Connection};

/// Called by DuckDB on `LOAD cbh`.
///
/// # Safety
/// Called by DuckDB only, with a connection to the database being extended.
#[duckdb_entrypoint_c_api(ext_name = "cbh", min_duckdb_version = "v1.5.6")]
pub unsafe fn extension_entrypoint(con: Connection) -> Result<(), Box<dyn std::error::Error>> {
    error::guarded("LOAD cbh", || init(&con)).map_err(Into::into)
}

fn init(con: &Connection) -> error::Result<()> {
    diag::phase("load", "");
    let state = state::start(con)?;
    functions::register_all(con, &state)?;
    state.create_warehouse();
    Ok(())
}
