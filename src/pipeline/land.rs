//! Landing: one delivery, inside the call's transaction, replaces its keys in Bronze, Silver and Gold.

use duckdb::Connection;

use super::format::Format;
use super::ledger::{Attempt, Status};
use super::stage::Rows;
use super::{live, promote, run_file, Key};
use crate::error::{Context, Result};
use crate::sql::{self, ident, literal, render, Sql};

/// A file staged and validated, waiting to land with the rest of its delivery.
pub(super) struct Staged {
    pub(super) attempt: Attempt,
    pub(super) format: Format,
    pub(super) table: String,
    pub(super) columns: Vec<String>,
    /// The header as the file writes it (`Read::names`).
    pub(super) names: Vec<String>,
    /// Whether the rows are in Bronze already, or in the staging table.
    pub(super) rows: Rows,
}

/// The files that land together, and the manifest that made them one delivery, if any.
pub(super) struct Delivery {
    pub(super) parts: Vec<Staged>,
    pub(super) manifest: Option<Attempt>,
}

impl Delivery {
    pub(super) fn keys(&self) -> Vec<Key> {
        let mut keys: Vec<Key> = self.parts.iter().flat_map(|s| s.attempt.keys.clone()).collect();
        keys.sort();
        keys.dedup();
        keys
    }
}

/// Lands one delivery inside the caller's transaction: replaces its keys in every layer, loads Bronze, rebuilds
/// Silver and Gold, records the ledger rows.
pub(super) fn land(con: &Connection, ingestion: i64, delivery: &Delivery) -> Result<Status> {
    let keys = delivery.keys();
    // New Bronze columns first: DuckDB 1.5 cannot commit a transaction that alters a table it deleted from.
    let mut inserts = Vec::new();
    for s in delivery.parts.iter().filter(|s| s.rows == Rows::Staged) {
        let table = s.format.bronze_table();
        let bronze_table = ident(table);
        let mut bronze = promote::bronze_columns(con, s.format)?;
        let mut select = Vec::new();
        for (column, target) in s.format.bronze_targets(&bronze, &s.columns, &s.names) {
            if !bronze.contains(&target) {
                let add = render(sql::BRONZE_ADD_COLUMN, &[("bronze", &bronze_table), ("column", &ident(&target))]);
                con.execute_batch(&add).context(format!("adding column '{target}' to cbh.{table}"))?;
                bronze.push(target.clone());
            }
            select.push(ident(&column).alias(&target));
        }
        // A CUR file holds one key (checked while staging): constants, not an expression per row.
        let [provider, account, period] = match s.attempt.keys.as_slice() {
            [k] if !s.format.many_keys() => [
                literal(&k.provider),
                literal(&k.billing_account),
                render("DATE {d}", &[("d", &literal(&k.billing_period))]),
            ],
            _ => s.format.key_expressions(&s.columns),
        };
        inserts.push(render(
            sql::BRONZE_INSERT,
            &[
                ("bronze", &bronze_table),
                ("stage", &ident(&s.table)),
                ("provider", &provider),
                ("account", &account),
                ("period", &period),
                ("columns", &Sql::join(select, ", ")),
            ],
        ));
    }
    let mut existed = false;
    let mut notes: Vec<String> = Vec::new();
    let files: Vec<&str> = delivery.parts.iter().map(|s| s.attempt.file.path.as_str()).collect();
    if delivery.manifest.is_none() {
        notes.extend(live::together_note(con, &delivery.parts, &keys));
    }
    for key in &keys {
        let params = key.params();
        let exists: bool = con.query_row(sql::PERIOD_EXISTS, params, |r| r.get(0)).context("looking up the period")?;
        if exists {
            existed = true;
            notes.extend(live::live(con, key)?.map(|old| live::replaced_note(key, &old, &files)));
            run_file(con, sql::PERIOD_DELETE, &params, "removing the previous delivery")?;
            // Bronze rows of this key from before this ingestion (the call's own may be in Bronze already).
            let [provider, account, period] = params;
            let kept: [&dyn duckdb::ToSql; 4] = [provider, account, period, &ingestion];
            run_file(con, sql::BRONZE_DELETE, &kept, "removing the previous delivery")?;
        }
    }
    let note = (!notes.is_empty()).then(|| notes.join("; "));
    for (s, insert) in delivery.parts.iter().filter(|s| s.rows == Rows::Staged).zip(&inserts) {
        crate::diag::phase("bronze", &s.attempt.file.path);
        con.execute(insert, duckdb::params![ingestion, s.attempt.file.path])
            .context(format!("loading '{}' into Bronze", s.attempt.file.path))?;
    }
    for key in &keys {
        promote::promote(con, key)?;
    }
    let status = if existed { Status::Replaced } else { Status::Ingested };
    for s in &delivery.parts {
        let note = join(s.attempt.note.clone(), note.clone());
        Attempt { status, note, ..s.attempt.clone() }.record(con, ingestion)?;
    }
    if let Some(m) = &delivery.manifest {
        Attempt { status, keys: keys.clone(), note: join(m.note.clone(), note), ..m.clone() }.record(con, ingestion)?;
    }
    Ok(status)
}

fn join(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    }
}
