//! Bronze, parsed once: each file is read straight into its format's Bronze table inside the call's transaction,
//! and checked there (through a view that gives its rows the file's own column names), so that nothing is copied.
//!
//! DuckDB aborts a transaction at its first failed statement, and cannot take back one file of it. So the call's
//! transaction is kept as the list of files loaded into it (`Loads`): a file that fails to parse, fails a check or
//! does not land is dropped from the list and the transaction is rolled back, to be opened again (and the files that
//! stay loaded again) when next needed. That costs a second parse of the files loaded before, and only when a file
//! goes wrong; a file that fails here is then read the slow way (a staging table, `stage.rs`), which gives the
//! file, line and column.

use duckdb::types::Value;
use duckdb::Connection;

use super::discover::Container;
use super::format::Format;
use super::promote;
use super::stage::{parquet_text, read_csv, staged_columns, Read};
use crate::error::{Context, Result};
use crate::sql::{self, ident, literal, render, Sql};

/// One statement of a load, with its parameters.
struct Statement {
    sql: Sql,
    params: Vec<Value>,
}

/// What one file put into the call's transaction: the statements that load it, to run again after a rollback.
struct Load {
    path: String,
    statements: Vec<Statement>,
}

/// The call's transaction, as the files loaded into it.
pub(super) struct Loads<'a> {
    con: &'a Connection,
    open: bool,
    done: Vec<Load>,
}

impl<'a> Loads<'a> {
    pub(super) fn new(con: &'a Connection) -> Self {
        Loads { con, open: false, done: Vec::new() }
    }

    /// The connection the transaction is on.
    pub(super) fn connection(&self) -> &'a Connection {
        self.con
    }

    /// Opens the transaction if it is not, loading again what it held.
    pub(super) fn open(&mut self) -> Result<()> {
        if self.open {
            return Ok(());
        }
        self.con.execute_batch("BEGIN TRANSACTION").context("starting a transaction")?;
        self.open = true;
        let failed = self.done.iter().find_map(|load| {
            crate::diag::phase("reload", &load.path);
            let run = |s: &Statement| self.con.execute(&s.sql, duckdb::params_from_iter(&s.params));
            load.statements.iter().find_map(|s| run(s).err()).map(|e| (load.path.clone(), e))
        });
        match failed {
            None => Ok(()),
            Some((path, e)) => {
                self.abandon();
                Err(e).context(format!("reading '{path}' into Bronze again (did it change during the call?)"))
            }
        }
    }

    /// Rolls the transaction back; what it held is loaded again by the next `open`.
    pub(super) fn abandon(&mut self) {
        if self.open {
            // A ROLLBACK that fails would leave cbh's connection inside this transaction: try once more.
            if self.con.execute_batch("ROLLBACK").is_err() {
                let _ = self.con.execute_batch("ROLLBACK");
            }
            self.open = false;
        }
    }

    /// Runs a file's statements in the transaction; on failure, rolls back without it.
    fn load(&mut self, load: Load) -> std::result::Result<(), ()> {
        self.open().map_err(|_| ())?;
        for s in &load.statements {
            crate::diag::statement(&s.sql);
            if let Err(e) = self.con.execute(&s.sql, duckdb::params_from_iter(&s.params)) {
                crate::diag::note(&format!("'{}' is read the slow way: {e}", load.path));
                self.abandon();
                return Err(());
            }
        }
        self.done.push(load);
        Ok(())
    }

    /// Takes files out of the transaction: those `keep` refuses.
    pub(super) fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        let before = self.done.len();
        self.done.retain(|l| keep(&l.path));
        if self.done.len() != before {
            self.abandon();
        }
    }

    /// Commits what the transaction holds, unless a Ctrl-C came first (then it rolls back).
    pub(super) fn commit(&mut self) -> Result<()> {
        self.open()?;
        if !crate::capi::interrupt::commit_point() {
            return Err(crate::error::Error::Interrupted("cbh"));
        }
        self.con.execute_batch("COMMIT").context("committing")?;
        self.open = false;
        self.done.clear();
        Ok(())
    }
}

impl Drop for Loads<'_> {
    fn drop(&mut self) {
        if self.open {
            crate::capi::interrupt::quiet();
            self.abandon();
        }
    }
}

/// The reader of a file as SQL, its path bound as `param`.
fn reader(container: &Container, param: &'static str) -> Sql {
    let path = Sql::raw_static(param);
    match container {
        Container::Csv(compression) => read_csv(&path, compression),
        Container::Parquet => sql::fragment(sql::READ_PARQUET, &[("path", &path)]),
    }
}

/// A file's columns as its reader gives them (DuckDB's sniffer, or the Parquet schema), without reading its rows;
/// `None` when the reader refuses it (the transaction is then rolled back: the slow way says why).
pub(super) fn probe(loads: &mut Loads, path: &str, container: &Container) -> Option<Read> {
    let con = loads.con;
    let probe = format!("cbh_probe_{}", std::process::id());
    let sql = render(sql::BRONZE_PROBE, &[("probe", &ident(&probe)), ("reader", &reader(container, "$1"))]);
    let schema = con.execute(&sql, [path]).ok().and_then(|_| staged_columns(con, &probe).ok());
    let _ = con.execute_batch(&render(sql::TEMP_DROP_TABLE, &[("table", &ident(&probe))]));
    let Some(schema) = schema else {
        loads.abandon();
        return None;
    };
    let mut doubles = Vec::new();
    let csv = match container {
        Container::Csv(compression) => Some(compression.clone()),
        Container::Parquet => None,
    };
    let texts: Vec<Sql> = schema
        .iter()
        .map(|(name, ty)| match csv {
            Some(_) => ident(name),
            None => parquet_text(name, ty, &mut doubles).alias(name),
        })
        .collect();
    let columns: Vec<String> = schema.into_iter().map(|c| c.0).collect();
    Some(Read { names: columns.clone(), columns, doubles, csv, texts, container: container.clone() })
}

/// Reads a file (probed: `read`) of `format` straight into Bronze and makes `view` show its rows with the file's
/// column names and `rowid` (the record number - 1), as a staging table would; `None` when that failed (the
/// transaction is then rolled back, without the file), and the file is to be read the slow way.
pub(super) fn load(
    loads: &mut Loads,
    ingestion: i64,
    view: &str,
    path: &str,
    format: Format,
    read: &Read,
) -> Result<Option<()>> {
    let con = loads.con;
    let table = ident(format.bronze_table());
    let mut bronze = promote::bronze_columns(con, format)?;
    let mut statements = Vec::new();
    let (mut into, mut back): (Vec<(String, String)>, Vec<Sql>) =
        (Vec::new(), vec![Sql::raw_static("source_row - 1 AS rowid")]);
    for (column, target) in format.bronze_targets(&bronze, &read.columns, &read.names) {
        if into.iter().any(|(_, t)| t == &target) {
            loads.abandon();
            return Ok(None); // one Bronze column twice: the slow way says which
        }
        if !bronze.contains(&target) {
            let sql = render(sql::BRONZE_ADD_COLUMN, &[("bronze", &table), ("column", &ident(&target))]);
            statements.push(Statement { sql, params: Vec::new() });
            bronze.push(target.clone());
        }
        back.push(ident(&target).alias(&column));
        into.push((column, target));
    }
    let [provider, account, period] = format.key_expressions(&read.columns);
    let columns = into.iter().map(|(c, t)| ident(c).alias(t));
    let insert = render(
        sql::BRONZE_LOAD,
        &[
            ("bronze", &table),
            ("provider", &provider),
            ("account", &account),
            ("period", &period),
            ("columns", &Sql::join(columns, ", ")),
            ("texts", &Sql::join(&read.texts, ", ")),
            ("reader", &reader(&read.container, "$2")),
        ],
    );
    let params = || vec![Value::BigInt(ingestion), Value::Text(path.to_string())];
    statements.push(Statement { sql: insert, params: params() });
    statements.push(Statement { sql: render(sql::BRONZE_NUMBER_ROWS, &[("bronze", &table)]), params: params() });
    // A view cannot take parameters: the ingestion and the path as literals (quoted).
    let view_sql = render(
        sql::BRONZE_VIEW,
        &[
            ("view", &ident(view)),
            ("columns", &Sql::join(back, ", ")),
            ("bronze", &table),
            ("ingestion", &sql::int(ingestion)),
            ("path", &literal(path)),
        ],
    );
    statements.push(Statement { sql: view_sql, params: Vec::new() });
    crate::diag::phase("bronze", path);
    Ok(loads.load(Load { path: path.to_string(), statements }).ok())
}
