//! `cbh_ingest(path, kind := 'metrics')`: utilization metrics (CloudWatch's names), CSV or Parquet, with the columns
//! `resource_id`, `metric_name`, `timestamp`, `statistic`, `value` and `unit`. Idempotent like billing files: the
//! same bytes are skipped; a point ingested again (resource, metric, statistic, time) replaces the earlier one.

use duckdb::Connection;

use super::discover::{self, Container};
use super::ledger::{self, Attempt, Status};
use super::stage::{self, Stages};
use super::{ensure_warehouse, final_transaction};
use crate::capi::context::ClientContext;
use crate::error::{db_message, Context, Error, Result};
use crate::sql::{self, ident, render, Sql};

/// The columns a metrics file must have (names compared ignoring case).
pub const COLUMNS: [&str; 6] = ["resource_id", "metric_name", "timestamp", "statistic", "value", "unit"];

/// Whether a file given as a bill has the columns of a metrics file (to say so in its rejection).
pub fn looks_like_metrics(columns: &[String]) -> bool {
    ["resource_id", "metric_name"].iter().all(|m| columns.iter().any(|c| c.eq_ignore_ascii_case(m)))
}

/// Ingests the metrics files `patterns` match; returns the ingestion id (its ledger rows are the call's output).
pub fn ingest(con: &Connection, caller: &ClientContext, patterns: &[String]) -> Result<i64> {
    ensure_warehouse(con)?;
    crate::diag::phase("list", &patterns.join(", "));
    let files = discover::list(con, patterns)?;
    let ingestion: i64 = con.query_row(sql::NEXT_INGESTION, [], |r| r.get(0)).context("starting the ingestion")?;
    let mut done: Vec<Attempt> = Vec::new();
    // Each staged file: its attempt, staging table, and columns with their types.
    type Staged = (Attempt, String, Vec<(String, Sql)>);
    let mut staged: Vec<Staged> = Vec::new();
    let mut stages = Stages { con, tables: Vec::new() };
    for (i, file) in files.into_iter().enumerate() {
        super::check_interrupt()?;
        let mut attempt = Attempt::new(file);
        if let Some(note) = discover::companion(&attempt.file.path) {
            done.push(Attempt { status: Status::Skipped, note: Some(note.into()), ..attempt });
            continue;
        }
        attempt.format = Some("metrics".into());
        let path = attempt.file.path.clone();
        let sha = discover::check_path(&path).and_then(|()| discover::fingerprint(con, caller, &attempt.file));
        match sha {
            Err(e) => done.push(rejected(attempt, &e)),
            Ok(sha) => {
                attempt.sha256 = Some(sha.clone());
                let landed = ledger::landed(con, &sha, false)?;
                if let Some((_, _, rows)) = landed {
                    done.push(Attempt { status: Status::Skipped, rows, ..attempt });
                    continue;
                }
                let table = format!("cbh_metrics_stage_{ingestion}_{i}");
                stages.tables.push(table.clone());
                match stage(con, caller, &table, &path) {
                    Ok((columns, rows)) => {
                        attempt.rows = Some(rows);
                        staged.push((attempt, table, columns));
                    }
                    Err(e) => done.push(rejected(attempt, &e)),
                }
            }
        }
    }
    super::check_interrupt()?;
    final_transaction(con, || {
        for (attempt, table, columns) in &staged {
            crate::diag::phase("metrics", &attempt.file.path);
            let file = render(sql::METRICS_LAND, &columns_of(table, columns));
            let context = format!("loading the metrics of '{}'", attempt.file.path);
            con.execute(&file, duckdb::params![ingestion, attempt.file.path]).context(&context)?;
            con.execute_batch(sql::METRICS_DAILY).context(&context)?;
            Attempt { status: Status::Ingested, ..attempt.clone() }.record(con, ingestion)?;
        }
        for attempt in &done {
            attempt.record(con, ingestion)?;
        }
        Ok(())
    })?;
    Ok(ingestion)
}

fn rejected(attempt: Attempt, e: &Error) -> Attempt {
    Attempt { status: Status::Rejected, error: Some(e.to_string()), ..attempt }
}

/// Reads a metrics file into a staging table and checks it; returns each required column's name in the file (as
/// a quoted identifier, by the required name) and the number of rows.
fn stage(con: &Connection, caller: &ClientContext, table: &str, path: &str) -> Result<(Vec<(String, Sql)>, i64)> {
    crate::diag::phase("stage", path);
    let reject = |line: Option<u64>, column: Option<(usize, String)>, reason: String| Error::Rejected {
        file: path.to_string(),
        line,
        column,
        reason,
    };
    let parquet = match discover::container(caller, path).map_err(|r| reject(None, None, r))? {
        Container::Csv(compression) => {
            let stmt = super::stage::stage_csv_sql(table, &compression);
            con.execute(&stmt, [path]).map_err(|e| {
                let (line, column, message) = super::forensics::located_csv_error(con, table, &compression, path, &e);
                reject(line, column, format!("cannot be read as CSV: {message}"))
            })?;
            false
        }
        Container::Parquet => {
            let stmt = render(sql::METRICS_STAGE_PARQUET, &[("stage", &ident(table))]);
            con.execute(&stmt, [path])
                .map_err(|e| reject(None, None, format!("cannot be read as Parquet: {}", db_message(&e))))?;
            true
        }
    };
    let names: Vec<String> = stage::staged_columns(con, table)?.into_iter().map(|c| c.0).collect();
    let mut columns = Vec::new();
    let mut missing = Vec::new();
    for want in COLUMNS {
        match names.iter().find(|n| n.trim().eq_ignore_ascii_case(want)) {
            Some(n) => columns.push((want.to_string(), ident(n))),
            None => missing.push(want),
        }
    }
    if !missing.is_empty() {
        let seen = names.iter().take(12).map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ");
        return Err(reject(
            None,
            None,
            format!(
                "is not a metrics file: it has no {} column. A metrics file has the columns {} (README, \
                 \"Metrics\"). Columns seen: {seen}",
                missing.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", "),
                COLUMNS.join(", ")
            ),
        ));
    }
    let first_bad: Option<(i64, String)> =
        ledger::optional(con.query_row(&render(sql::METRICS_FIRST_BAD, &columns_of(table, &columns)), [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        }))
        .context("validating a staged metrics file")?;
    if let Some((rowid, bad)) = first_bad {
        let position = names.iter().position(|n| n.trim().eq_ignore_ascii_case(&bad)).map_or(0, |i| i + 1);
        let name = names.get(position.saturating_sub(1)).cloned().unwrap_or(bad.clone());
        let reason = match bad.as_str() {
            "timestamp" => "the timestamp is not a date and time (ISO 8601, such as 2024-09-01T13:00:00Z)".to_string(),
            "value" => "the value is not a finite number".to_string(),
            other => format!("the {other} is empty"),
        };
        if parquet {
            return Err(reject(None, Some((position, name)), format!("row {}: {reason}", rowid + 1)));
        }
        return Err(reject(Some(rowid as u64 + 2), Some((position, name)), reason));
    }
    let rows: i64 = con
        .query_row(&render(sql::STAGE_COUNT, &[("stage", &ident(table))]), [], |r| r.get(0))
        .context("counting a staged metrics file")?;
    if rows == 0 {
        return Err(reject(None, None, "has no metrics (only a header)".into()));
    }
    Ok((columns, rows))
}

/// The placeholders of the metrics templates: the staging table, and each required column by its name.
fn columns_of<'a>(table: &str, columns: &'a [(String, Sql)]) -> Vec<(&'a str, Sql)> {
    let mut vars = vec![("stage", ident(table))];
    vars.extend(columns.iter().map(|(name, column)| (name.as_str(), column.clone())));
    vars
}
