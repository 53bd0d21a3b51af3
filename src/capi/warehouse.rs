//! Which database a call works on: the warehouse is the `cbh` schema of an attached database, named by the call
//! (`warehouse := 'acme'`), else by the session (`SET cbh_warehouse = 'acme'`), else the database cbh was loaded
//! into. cbh's connections share the user's DuckDB instance, so they see every database the user attached; each
//! time a call borrows one, it is pointed at the call's warehouse (`USE`), so that every `cbh.` name in cbh's SQL
//! is that database's and no other's.

use std::ffi::CString;

use duckdb::ffi;

use super::lifecycle::{Conn, Pool};
use crate::error::{Error, Result};
use crate::sql::ident;

/// The session setting that names the warehouse when a call does not.
pub const SETTING: &str = "cbh_warehouse";
/// The named parameter every cbh function takes.
pub const PARAMETER: &str = "warehouse";
/// What `cbh_help()` says of it.
pub const HELP: &str = "the attached database whose warehouse this call uses (default: SET cbh_warehouse, else the \
                        database cbh was loaded into)";

/// Where the warehouse's name came from, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    /// The database cbh was loaded into.
    Home,
    /// `warehouse := 'name'`.
    Parameter(String),
    /// `SET cbh_warehouse = 'name'`.
    Setting(String),
}

impl Choice {
    /// The parameter if given (and not blank), else the session's setting (if not blank), else home.
    pub fn new(parameter: Option<String>, setting: Option<String>) -> Choice {
        let given = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        match (given(&parameter), given(&setting)) {
            (Some(name), _) => Choice::Parameter(name),
            (None, Some(name)) => Choice::Setting(name),
            (None, None) => Choice::Home,
        }
    }

    fn words(&self, function: &str) -> String {
        match self {
            Choice::Home => format!("{function}()"),
            Choice::Parameter(name) => format!("{function}({PARAMETER} := '{name}')"),
            Choice::Setting(name) => format!("{function}() with SET {SETTING} = '{name}'"),
        }
    }
}

/// cbh's connections, pointed at one call's warehouse whenever the call borrows one.
pub struct Warehouse<'a> {
    pool: &'a Pool,
    choice: Choice,
    function: &'static str,
}

impl<'a> Warehouse<'a> {
    /// The warehouse `choice` names, for `function`'s call; checked when a connection is borrowed.
    pub fn new(pool: &'a Pool, choice: Choice, function: &'static str) -> Self {
        Warehouse { pool, choice, function }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        match &self.choice {
            Choice::Home => self.pool.home(),
            Choice::Parameter(name) | Choice::Setting(name) => name,
        }
    }

    /// The single writer, pointed at this warehouse.
    pub fn writer(&self) -> Result<Conn<'a>> {
        let con = self.point(self.pool.writer())?;
        self.pool.written(self.name());
        Ok(con)
    }

    /// A reader, pointed at this warehouse.
    pub fn reader(&self) -> Result<Conn<'a>> {
        self.point(self.pool.reader())
    }

    fn point(&self, con: Conn<'a>) -> Result<Conn<'a>> {
        let name = self.name();
        if ["temp", "system"].iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(Error::Usage(format!(
                "{}: '{name}' is DuckDB's own catalog, not a database that can hold a warehouse; ATTACH a database \
                 and name it",
                self.choice.words(self.function)
            )));
        }
        let sql = format!("USE {}", ident(name));
        match con.execute_batch(&sql) {
            Ok(()) => Ok(con),
            Err(e) => {
                let attached: Vec<String> = con
                    .prepare("SELECT database_name FROM duckdb_databases() WHERE NOT internal ORDER BY 1")
                    .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(0))?.collect())
                    .unwrap_or_default();
                if attached.iter().any(|a| a.eq_ignore_ascii_case(name)) {
                    return Err(Error::Db {
                        context: format!("opening the warehouse in database '{name}'"),
                        source: e,
                    });
                }
                let plain = name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                let alias = if plain { name.to_string() } else { ident(name).to_string() };
                Err(Error::Usage(format!(
                    "{}: no database '{name}' is attached (attached: {}); ATTACH it first, e.g. ATTACH \
                     '{name}.duckdb' AS {alias}",
                    self.choice.words(self.function),
                    attached.join(", ")
                )))
            }
        }
    }
}

/// Registers the `cbh_warehouse` setting on the database `db` (during the entrypoint), so that `SET cbh_warehouse
/// = 'acme'` names the warehouse for a session (`SET GLOBAL` for every session). A setting that exists already (cbh
/// loaded into this instance before) is kept.
///
/// # Safety
/// `db` must be the valid database handle DuckDB passed the entrypoint.
pub unsafe fn register_setting(db: ffi::duckdb_database) {
    let name = CString::new(SETTING).unwrap_or_default();
    let about = CString::new(
        "The attached database whose cbh schema cbh's functions use when a call names none (warehouse := ...); \
         empty: the database cbh was loaded into",
    )
    .unwrap_or_default();
    let empty = CString::new("").unwrap_or_default();
    // SAFETY: every handle made here is destroyed before returning; the strings outlive the calls that read them
    // (DuckDB copies them); `db` is valid (the caller's promise).
    unsafe {
        let mut con: ffi::duckdb_connection = std::ptr::null_mut();
        if ffi::duckdb_connect(db, &mut con) != ffi::DuckDBSuccess {
            return;
        }
        let mut option = ffi::duckdb_create_config_option();
        ffi::duckdb_config_option_set_name(option, name.as_ptr());
        let mut ty = ffi::duckdb_create_logical_type(ffi::DUCKDB_TYPE_DUCKDB_TYPE_VARCHAR);
        ffi::duckdb_config_option_set_type(option, ty);
        let mut default = ffi::duckdb_create_varchar(empty.as_ptr());
        ffi::duckdb_config_option_set_default_value(option, default);
        ffi::duckdb_config_option_set_default_scope(
            option,
            ffi::duckdb_config_option_scope_DUCKDB_CONFIG_OPTION_SCOPE_SESSION,
        );
        ffi::duckdb_config_option_set_description(option, about.as_ptr());
        if ffi::duckdb_register_config_option(con, option) != ffi::DuckDBSuccess {
            crate::diag::note("the cbh_warehouse setting exists already");
        }
        ffi::duckdb_destroy_value(&mut default);
        ffi::duckdb_destroy_logical_type(&mut ty);
        ffi::duckdb_destroy_config_option(&mut option);
        ffi::duckdb_disconnect(&mut con);
    }
}
