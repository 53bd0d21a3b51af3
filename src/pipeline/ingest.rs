//! `cbh_ingest`: fingerprint, stage and validate each file, then land each delivery (the files of one payer
//! account and billing period) atomically in Bronze, Silver and Gold, recording every attempt in the ledger.

use std::collections::HashMap;

use duckdb::Connection;

use super::{cur, ensure_warehouse, now_micros, promote, run_file, transaction};
use crate::error::{db_message, Context, Error, Result};
use crate::fingerprint::{sha256_of, ClientContext};
use crate::sql::{self, ident, render};

/// A file found by a path or glob, with the metadata the cheap re-drop check uses.
#[derive(Debug, Clone)]
pub struct Found {
    /// Path as DuckDB's file system names it.
    pub path: String,
    /// Bytes.
    pub size: i64,
    /// Modification time, microseconds since the epoch (UTC).
    pub modified: i64,
}

/// One file's attempt, as the ledger records it.
#[derive(Debug, Clone)]
struct Attempt {
    file: Found,
    sha256: Option<String>,
    period: Option<String>,
    payer: Option<String>,
    rows: Option<i64>,
    status: &'static str,
    error: Option<String>,
    started: i64,
}

impl Attempt {
    fn new(file: Found) -> Self {
        Attempt {
            file,
            sha256: None,
            period: None,
            payer: None,
            rows: None,
            status: "rejected",
            error: None,
            started: now_micros(),
        }
    }

    /// The delivery a file belongs to: (payer account, billing period).
    fn key(&self) -> (Option<String>, Option<String>) {
        (self.payer.clone(), self.period.clone())
    }

    fn reject(&mut self, e: &Error) {
        self.status = "rejected";
        self.error = Some(e.to_string());
    }

    fn record(&self, con: &Connection, ingestion: i64) -> Result<()> {
        con.execute(
            sql::LEDGER_INSERT,
            duckdb::params![
                ingestion,
                self.file.path,
                self.file.size,
                self.file.modified,
                self.sha256,
                self.period,
                self.payer,
                self.rows,
                self.status,
                self.error,
                self.started,
                now_micros()
            ],
        )
        .context(format!("recording the attempt for '{}' in the ledger", self.file.path))?;
        Ok(())
    }
}

/// A file staged and validated, waiting to land with the rest of its delivery.
struct Staged {
    attempt: Attempt,
    table: String,
    columns: Vec<String>,
}

/// Temporary staging tables of this call, dropped however the call ends.
struct Stages<'a> {
    con: &'a Connection,
    tables: Vec<String>,
}

impl Drop for Stages<'_> {
    fn drop(&mut self) {
        for t in &self.tables {
            let _ = self.con.execute_batch(&format!("DROP TABLE IF EXISTS temp.main.{t}"));
        }
    }
}

/// One call's progress: what is staged, what was rejected, and every file's final attempt.
struct Run<'a> {
    con: &'a Connection,
    ingestion: i64,
    stages: Stages<'a>,
    staged: Vec<Staged>,
    /// (payer, period, file) of rejected files whose delivery is known.
    rejected: Vec<(String, String, String)>,
    /// Final attempt of each file, by path.
    outcomes: HashMap<String, Attempt>,
}

impl Run<'_> {
    fn record(&mut self, attempt: Attempt) -> Result<()> {
        attempt.record(self.con, self.ingestion)?;
        self.outcomes.insert(attempt.file.path.clone(), attempt);
        Ok(())
    }

    fn reject(&mut self, mut attempt: Attempt, e: &Error) -> Result<()> {
        if let (Some(payer), Some(period)) = (&attempt.payer, &attempt.period) {
            self.rejected.push((payer.clone(), period.clone(), attempt.file.path.clone()));
        }
        attempt.reject(e);
        self.record(attempt)
    }

    /// Stages and validates a file; it waits in `staged` for the rest of its delivery, or is rejected.
    fn stage(&mut self, mut attempt: Attempt) -> Result<()> {
        let table = format!("cbh_stage_{}_{}", self.ingestion, self.stages.tables.len());
        self.stages.tables.push(table.clone());
        match stage(self.con, &table, &mut attempt) {
            Ok(columns) => {
                self.staged.push(Staged { attempt, table, columns });
                Ok(())
            }
            Err(e) => self.reject(attempt, &e),
        }
    }

    fn is_staged(&self, key: &(Option<String>, Option<String>)) -> bool {
        self.staged.iter().any(|s| &s.attempt.key() == key)
    }

    fn rejected_sibling(&self, key: &(Option<String>, Option<String>)) -> Option<String> {
        self.rejected
            .iter()
            .find(|(payer, period, _)| key.0.as_ref() == Some(payer) && key.1.as_ref() == Some(period))
            .map(|r| r.2.clone())
    }
}

/// Ingests the files `patterns` match; returns the ingestion id (its ledger rows are the call's output).
pub fn ingest(con: &Connection, caller: &ClientContext, patterns: &[String]) -> Result<i64> {
    ensure_warehouse(con)?;
    let files = list(con, patterns)?;
    let ingestion: i64 = con.query_row(sql::NEXT_INGESTION, [], |r| r.get(0)).context("starting the ingestion")?;
    let mut run = Run {
        con,
        ingestion,
        stages: Stages { con, tables: Vec::new() },
        staged: Vec::new(),
        rejected: Vec::new(),
        outcomes: HashMap::new(),
    };
    let mut first_with: HashMap<String, String> = HashMap::new(); // sha256 -> first file of this call with it
    let mut copies: Vec<(Attempt, String)> = Vec::new();
    let mut landed_before: Vec<Attempt> = Vec::new();
    for file in files {
        let mut attempt = Attempt::new(file);
        let sha = match check_path(&attempt.file.path).and_then(|()| fingerprint(con, caller, &attempt.file)) {
            Ok(sha) => sha,
            Err(e) => {
                run.reject(attempt, &e)?;
                continue;
            }
        };
        attempt.sha256 = Some(sha.clone());
        if let Some(first) = first_with.get(&sha) {
            copies.push((attempt, first.clone()));
            continue;
        }
        first_with.insert(sha.clone(), attempt.file.path.clone());
        if let Some((period, payer, rows)) = landed(con, &sha)? {
            (attempt.period, attempt.payer, attempt.rows) = (period, payer, rows);
            landed_before.push(attempt);
            continue;
        }
        run.stage(attempt)?;
    }
    // Bytes that landed before change nothing, unless new files of the same delivery arrive with them: a revised
    // report in which only some parts changed. Then they land again with the rest of the delivery.
    for mut attempt in landed_before {
        if run.is_staged(&attempt.key()) {
            run.stage(attempt)?;
        } else {
            attempt.status = "skipped";
            run.record(attempt)?;
        }
    }
    // A delivery lands whole or not at all: files whose sibling was rejected do not land alone.
    let staged = std::mem::take(&mut run.staged);
    let (staged, orphans): (Vec<Staged>, Vec<Staged>) =
        staged.into_iter().partition(|s| run.rejected_sibling(&s.attempt.key()).is_none());
    for s in orphans {
        let (payer, period) = (s.attempt.payer.clone().unwrap_or_default(), s.attempt.period.clone().unwrap_or_default());
        let sibling = run.rejected_sibling(&s.attempt.key()).unwrap_or_default();
        let e = Error::Rejected {
            file: s.attempt.file.path.clone(),
            line: None,
            column: None,
            reason: format!(
                "not landed: '{sibling}', of the same delivery (payer account {payer}, billing period {period}), was \
                 rejected, and a delivery lands whole or not at all"
            ),
        };
        run.reject(s.attempt, &e)?;
    }
    for delivery in deliveries(staged) {
        match transaction(con, || land(con, ingestion, &delivery)) {
            Ok(status) => {
                for s in delivery {
                    run.outcomes.insert(s.attempt.file.path.clone(), Attempt { status, ..s.attempt });
                }
            }
            Err(e) => {
                for s in delivery {
                    run.reject(s.attempt, &e)?;
                }
            }
        }
    }
    // The same bytes twice in one call: the copy follows the first file's fate.
    for (mut attempt, first) in copies {
        match run.outcomes.get(&first) {
            Some(o) if o.status != "rejected" => {
                (attempt.period, attempt.payer, attempt.rows) = (o.period.clone(), o.payer.clone(), o.rows);
                attempt.status = "skipped";
                run.record(attempt)?;
            }
            _ => {
                let reason = format!("has the same bytes as '{first}', which was rejected");
                let e = Error::Rejected { file: attempt.file.path.clone(), line: None, column: None, reason };
                run.reject(attempt, &e)?;
            }
        }
    }
    Ok(ingestion)
}

/// A path with glob characters would be expanded again when DuckDB reads it, and could read other files.
fn check_path(path: &str) -> Result<()> {
    if path.contains(['*', '?', '[']) {
        return Err(Error::Rejected {
            file: path.to_string(),
            line: None,
            column: None,
            reason: "its name contains a glob character (*, ? or [), so it cannot be read unambiguously; rename it"
                .into(),
        });
    }
    Ok(())
}

/// Expands each path or glob through DuckDB's file system; a pattern matching nothing is an error naming it.
fn list(con: &Connection, patterns: &[String]) -> Result<Vec<Found>> {
    if patterns.is_empty() {
        return Err(Error::Usage("cbh_ingest needs a file, a glob or a list of them".into()));
    }
    let mut out: Vec<Found> = Vec::new();
    for pattern in patterns {
        let mut stmt = con.prepare(sql::LIST_FILES).context("listing files")?;
        let rows = stmt
            .query_map([pattern], |r| {
                let modified: duckdb::types::Value = r.get(2)?;
                let modified = match modified {
                    duckdb::types::Value::Timestamp(_, v) => v,
                    _ => 0,
                };
                Ok(Found { path: r.get(0)?, size: r.get(1)?, modified })
            })
            .and_then(|rows| rows.collect::<std::result::Result<Vec<_>, _>>())
            .map_err(|e| Error::Usage(format!("cannot list '{pattern}': {}", db_message(&e))))?;
        if rows.is_empty() {
            return Err(Error::NoMatch(pattern.clone()));
        }
        for f in rows {
            if !out.iter().any(|o| o.path == f.path) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

/// The file's SHA-256: from the ledger when path, size and modification time match an earlier attempt (no read),
/// else streamed through DuckDB's file system.
fn fingerprint(con: &Connection, caller: &ClientContext, file: &Found) -> Result<String> {
    let params = duckdb::params![file.path, file.size, micros_timestamp(file.modified)];
    let known: Option<String> = optional(con.query_row(sql::KNOWN_SHA256, params, |r| r.get(0)))
        .context("looking up the file in the ledger")?;
    if let Some(sha) = known {
        return Ok(sha);
    }
    let reject = |reason: String| Error::Rejected { file: file.path.clone(), line: None, column: None, reason };
    let handle = caller.open(&file.path).map_err(|e| reject(format!("cannot be opened: {e}")))?;
    let (sha, _) = sha256_of(handle).map_err(|e| reject(format!("cannot be read: {e}")))?;
    Ok(sha)
}

fn micros_timestamp(micros: i64) -> duckdb::types::Value {
    duckdb::types::Value::Timestamp(duckdb::types::TimeUnit::Microsecond, micros)
}

/// Period, payer account and rows of an earlier landing of the same bytes.
type Landing = (Option<String>, Option<String>, Option<i64>);

fn landed(con: &Connection, sha: &str) -> Result<Option<Landing>> {
    optional(con.query_row(sql::LANDED_SHA256, [sha], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))))
        .context("looking up the fingerprint in the ledger")
}

/// No row is not an error here.
fn optional<T>(r: std::result::Result<T, duckdb::Error>) -> std::result::Result<Option<T>, duckdb::Error> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(duckdb::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads the file into a staging table and validates it; fills period, payer and rows of the attempt.
fn stage(con: &Connection, table: &str, attempt: &mut Attempt) -> Result<Vec<String>> {
    let path = attempt.file.path.clone();
    let reject = |line: Option<u64>, column: Option<(usize, String)>, reason: String| Error::Rejected {
        file: path.clone(),
        line,
        column,
        reason,
    };
    if let Err(e) = con.execute(&render(sql::STAGE, &[("stage", table)]), [&path]) {
        (attempt.payer, attempt.period) = guess_delivery(con, &path);
        return Err(reject(None, None, format!("cannot be read as a CUR CSV file: {}", db_message(&e))));
    }
    let columns = staged_columns(con, table)?;
    if columns.len() > cur::MAX_COLUMNS {
        return Err(reject(
            None,
            None,
            format!("has {} columns; cbh takes at most {} (a CUR export has a few hundred)", columns.len(), cur::MAX_COLUMNS),
        ));
    }
    let has = |c: &str| columns.iter().any(|x| x == c);
    if !(has("bill/PayerAccountId") && has("bill/BillingPeriodStartDate")) {
        let missing = cur::missing_required(&columns).unwrap_or("bill/PayerAccountId");
        return Err(reject(None, None, no_column(missing, &columns)));
    }
    let (rows, periods, period_list, period, payers, payer_list, payer): (
        i64,
        i64,
        Option<String>,
        Option<String>,
        i64,
        Option<String>,
        Option<String>,
    ) = con
        .query_row(&render(sql::STAGE_SUMMARY, &[("stage", table)]), [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })
        .context("summarizing a staged file")?;
    if periods == 1 && payers == 1 {
        attempt.period = period;
        attempt.payer = payer.map(|p| p.trim().to_string());
    }
    if rows == 0 {
        return Err(reject(None, None, "has no line items (only a header)".into()));
    }
    if periods != 1 {
        let list = period_list.unwrap_or_default();
        return Err(reject(None, None, format!("holds {periods} billing periods ({list}); a CUR file covers one")));
    }
    if payers != 1 {
        let list = payer_list.unwrap_or_default();
        return Err(reject(None, None, format!("holds {payers} payer accounts ({list}); a CUR file covers one")));
    }
    if let Some(missing) = cur::missing_required(&columns) {
        return Err(reject(None, None, no_column(missing, &columns)));
    }
    if let Some((rowid, column)) = first_bad_value(con, table)? {
        let value: Option<String> = con
            .query_row(&render(sql::STAGE_VALUE, &[("stage", table), ("column", &ident(&column))]), [rowid], |r| {
                r.get(0)
            })
            .context("reading a rejected value")?;
        let value = value.unwrap_or_default();
        let reason = match column.as_str() {
            "bill/PayerAccountId" => "the payer account is empty".to_string(),
            "lineItem/UnblendedCost" => format!(
                "'{value}' is not an amount cbh can hold exactly (a decimal number with at most 12 decimal places)"
            ),
            "lineItem/UsageAmount" => format!(
                "'{value}' is not a quantity cbh can hold exactly (a number with at most 18 decimal places)"
            ),
            _ => format!("'{value}' is not a timestamp (expected e.g. 2024-09-01T00:00:00Z)"),
        };
        // Line 1 is the header; record n (rowid n-1) starts on line n+1 when no field holds a line break.
        let line = rowid as u64 + 2;
        return Err(reject(Some(line), Some((cur::position(&columns, &column), column)), reason));
    }
    attempt.rows = Some(rows);
    Ok(columns)
}

fn no_column(missing: &str, columns: &[String]) -> String {
    format!(
        "has no column '{missing}'. Is this a legacy AWS CUR export (CSV with 'category/Name' headers)? Columns seen: {}",
        cur::columns_seen(columns)
    )
}

/// The (payer account, billing period) of a file the strict reader refused, if a lenient read finds exactly one.
fn guess_delivery(con: &Connection, path: &str) -> (Option<String>, Option<String>) {
    let row: std::result::Result<(i64, Option<String>, i64, Option<String>), _> =
        con.query_row(sql::GUESS_DELIVERY, [path], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)));
    match row {
        Ok((1, payer, 1, period)) => (payer, period),
        _ => (None, None),
    }
}

fn staged_columns(con: &Connection, table: &str) -> Result<Vec<String>> {
    let mut stmt = con
        .prepare(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'temp' AND table_name = $1 \
             ORDER BY column_index",
        )
        .context("reading a staged file's columns")?;
    let rows = stmt.query_map([table], |r| r.get::<_, String>(0)).context("reading a staged file's columns")?;
    rows.collect::<std::result::Result<_, _>>().context("reading a staged file's columns")
}

fn first_bad_value(con: &Connection, table: &str) -> Result<Option<(i64, String)>> {
    optional(con.query_row(&render(sql::STAGE_FIRST_BAD_VALUE, &[("stage", table)]), [], |r| Ok((r.get(0)?, r.get(1)?))))
        .context("validating a staged file")
}

/// Groups staged files into deliveries: the files of one (payer account, billing period), in order of arrival.
fn deliveries(staged: Vec<Staged>) -> Vec<Vec<Staged>> {
    let mut out: Vec<Vec<Staged>> = Vec::new();
    for s in staged {
        let key = s.attempt.key();
        match out.iter_mut().find(|d| d[0].attempt.key() == key) {
            Some(d) => d.push(s),
            None => out.push(vec![s]),
        }
    }
    out
}

/// Lands one delivery inside the caller's transaction: replaces the period in Bronze, rebuilds Silver and Gold,
/// records the ledger rows.
fn land(con: &Connection, ingestion: i64, delivery: &[Staged]) -> Result<&'static str> {
    let payer = delivery[0].attempt.payer.clone().unwrap_or_default();
    let period = delivery[0].attempt.period.clone().unwrap_or_default();
    let existed: bool = con
        .query_row(sql::PERIOD_EXISTS, [&payer, &period], |r| r.get(0))
        .context("looking up the billing period")?;
    if existed {
        run_file(con, sql::PERIOD_DELETE, &[&payer, &period], "removing the previous delivery")?;
    }
    let mut bronze = promote::bronze_columns(con)?;
    for s in delivery {
        for column in cur::new_columns(&bronze, &s.columns) {
            con.execute_batch(&render(sql::BRONZE_ADD_COLUMN, &[("column", &ident(&column))]))
                .context(format!("adding column '{column}' to Bronze"))?;
            bronze.push(column);
        }
        con.execute(
            &render(sql::BRONZE_INSERT, &[("stage", &s.table)]),
            duckdb::params![ingestion, s.attempt.file.path, payer, period],
        )
        .context(format!("loading '{}' into Bronze", s.attempt.file.path))?;
    }
    promote::promote(con, &payer, &period)?;
    let status = if existed { "replaced" } else { "ingested" };
    for s in delivery {
        Attempt { status, ..s.attempt.clone() }.record(con, ingestion)?;
    }
    Ok(status)
}
