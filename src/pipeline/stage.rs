//! Staging: one file read into a temporary table of cbh's writer connection, its format detected, its delivery
//! keys read and every value checked, before anything lands.

use duckdb::Connection;

use super::bronze::{self, Loads};
use super::discover::{container, Container};
use super::foreign;
use super::forensics::located_csv_error;
use super::format::{self, Format};
use super::ledger::{optional, Attempt};
use super::metrics;
use super::Key;
use crate::capi::context::ClientContext;
use crate::error::{db_message, Context, Error, Result};
use crate::sql::{self, ident, render, Sql};

/// Temporary staging tables of this call, dropped however the call ends.
pub(super) struct Stages<'a> {
    pub(super) con: &'a Connection,
    pub(super) tables: Vec<String>,
}

impl Drop for Stages<'_> {
    fn drop(&mut self) {
        crate::capi::interrupt::quiet();
        for t in &self.tables {
            // A name is a staging table, or a view of the file's rows in Bronze (bronze.rs): whichever it is.
            let _ = self.con.execute_batch(&render(sql::TEMP_DROP_VIEW, &[("view", &ident(t))]));
            let _ = self.con.execute_batch(&render(sql::TEMP_DROP_TABLE, &[("table", &ident(t))]));
        }
    }
}

/// What reading a file gave: its columns as read, those read from floating-point values (Parquet), and the CSV
/// compression (None for Parquet).
pub(super) struct Read {
    pub(super) columns: Vec<String>,
    /// The header as the file writes it, where DuckDB renamed a column (`a`, `a_1`); else the columns.
    pub(super) names: Vec<String>,
    pub(super) doubles: Vec<String>,
    pub(super) csv: Option<Sql>,
    /// Each column as text, named as in the file (a Parquet value converted), for reading it into Bronze.
    pub(super) texts: Vec<Sql>,
    pub(super) container: Container,
}

/// Where a staged file's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rows {
    /// Already in Bronze, in the call's transaction (bronze.rs); `table` is a view of them.
    InBronze,
    /// In the staging table `table`, to be copied into Bronze when the delivery lands.
    Staged,
}

/// Reads the file (straight into Bronze, or else into the staging table `table`) and validates it; fills format,
/// keys and rows of the attempt. A file with no line items is an error unless `allow_empty` (a manifest's empty
/// part). On an error, the file is not in Bronze.
#[allow(clippy::too_many_arguments)]
pub(super) fn stage(
    loads: &mut Loads,
    caller: &ClientContext,
    ingestion: i64,
    table: &str,
    lenient: &str,
    attempt: &mut Attempt,
    forced: Option<&str>,
    allow_empty: bool,
) -> Result<(Format, Vec<String>, Vec<String>, Rows)> {
    let path = attempt.file.path.clone();
    crate::diag::phase("stage", &path);
    if attempt.file.size == 0 {
        return Err(rejected(&path, None, None, "is empty (0 bytes)".into()));
    }
    let container = container(caller, &path).map_err(|r| rejected(&path, None, None, r))?;
    let con = loads.connection();
    let fast = match bronze::probe(loads, &path, &container) {
        Some(mut read) => {
            let format = columns_check(con, attempt, &mut read, forced)?;
            bronze::load(loads, ingestion, table, &path, format, &read)?.map(|()| (format, read))
        }
        None => None,
    };
    let (format, read, rows) = match fast {
        Some((format, read)) => (format, read, Rows::InBronze),
        None => {
            // The transaction is closed (a failed statement would abort it; the staging table must outlast it).
            loads.abandon();
            let mut read = read_slow(con, table, lenient, attempt, &container, forced)?;
            (columns_check(con, attempt, &mut read, forced)?, read, Rows::Staged)
        }
    };
    match values_check(con, table, attempt, format, &read, allow_empty) {
        Ok(()) => Ok((format, read.columns, read.names, rows)),
        Err(e) => {
            loads.retain(|p| p != path);
            Err(e)
        }
    }
}

fn rejected(path: &str, line: Option<u64>, column: Option<(usize, String)>, reason: String) -> Error {
    Error::Rejected { file: path.to_string(), line, column, reason }
}

/// The text of a Parquet column of type `ty`, as staged: floating-point numbers to their shortest exact text (and
/// noted in `doubles`), maps and lists to JSON, timestamps with a zone to UTC.
pub(super) fn parquet_text(name: &str, ty: &str, doubles: &mut Vec<String>) -> Sql {
    let template = if ty.starts_with("MAP") || ty.starts_with("STRUCT") || ty.starts_with("UNION") || ty.ends_with(']')
    {
        "to_json({c})::VARCHAR"
    } else if ty == "DOUBLE" || ty == "FLOAT" {
        doubles.push(name.to_string());
        "{c}::VARCHAR"
    } else if ty == "TIMESTAMP WITH TIME ZONE" {
        "timezone('UTC', {c})::VARCHAR"
    } else {
        "{c}::VARCHAR"
    };
    render(template, &[("c", &ident(name))])
}

/// The strict CSV reader of the file bound as `path`, compressed as `compression` says (`sql/read_csv.sql`).
pub(super) fn read_csv(path: &Sql, compression: &Sql) -> Sql {
    sql::fragment(sql::READ_CSV, &[("path", path), ("compression", compression)])
}

/// The strict CSV staging statement for `table`, compressed as `compression` says.
pub(super) fn stage_csv_sql(table: &str, compression: &Sql) -> Sql {
    let reader = read_csv(&Sql::raw_static("$1"), compression);
    render(sql::STAGE_CSV, &[("stage", &ident(table)), ("reader", &reader)])
}

/// Reads the file into the staging table, the slow way: for a CSV file the strict reader refuses, the file, line
/// and column of the first problem.
fn read_slow(
    con: &Connection,
    table: &str,
    lenient: &str,
    attempt: &mut Attempt,
    container: &Container,
    forced: Option<&str>,
) -> Result<Read> {
    let path = attempt.file.path.clone();
    let reject = |line, column, reason| rejected(&path, line, column, reason);
    let mut doubles: Vec<String> = Vec::new();
    let csv = match container {
        Container::Csv(compression) => {
            if let Err(e) = con.execute(&stage_csv_sql(table, compression), [&path]) {
                let stmt = render(sql::STAGE_CSV_LENIENT, &[("stage", &ident(lenient)), ("compression", compression)]);
                if con.execute(&stmt, [&path]).is_ok() {
                    if let Ok(columns) = staged_columns(con, lenient) {
                        let names: Vec<String> = columns.into_iter().map(|c| c.0).collect();
                        if let Some(f) = pick_format(forced, &names) {
                            attempt.keys = staged_keys(con, lenient, f, &names).map(|k| k.0).unwrap_or_default();
                        }
                    }
                }
                let (line, column, message) = located_csv_error(con, lenient, compression, &path, &e);
                return Err(reject(line, column, format!("cannot be read as CSV: {message}")));
            }
            Some(compression.clone())
        }
        Container::Parquet => {
            let probe = render(sql::STAGE_PARQUET_SCHEMA, &[("stage", &ident(table))]);
            con.execute(&probe, [&path])
                .map_err(|e| reject(None, None, format!("cannot be read as Parquet: {}", db_message(&e))))?;
            let schema = staged_columns(con, table)
                .map_err(|e| reject(None, None, format!("cannot be read as Parquet: {}", e.cause())))?;
            let exprs: Vec<Sql> =
                schema.iter().map(|(name, ty)| parquet_text(name, ty, &mut doubles).alias(name)).collect();
            if exprs.is_empty() {
                return Err(reject(None, None, "has no columns".into()));
            }
            let stmt = render(sql::STAGE_PARQUET, &[("stage", &ident(table)), ("columns", &Sql::join(exprs, ", "))]);
            con.execute(&stmt, [&path])
                .map_err(|e| reject(None, None, format!("cannot be read as Parquet: {}", db_message(&e))))?;
            None
        }
    };
    let columns: Vec<String> = staged_columns(con, table)
        .map_err(|e| reject(None, None, format!("cannot be read: {}", e.cause())))?
        .into_iter()
        .map(|c| c.0)
        .collect();
    Ok(Read { names: columns.clone(), columns, doubles, csv, texts: Vec::new(), container: container.clone() })
}

/// The checks that need only the file's columns: a header, a known format, no column twice, the key columns.
fn columns_check(con: &Connection, attempt: &mut Attempt, read: &mut Read, forced: Option<&str>) -> Result<Format> {
    let path = attempt.file.path.clone();
    let reject = |line, column, reason| rejected(&path, line, column, reason);
    let columns = &read.columns;
    if read.csv.is_none() && columns.is_empty() {
        return Err(reject(None, None, "has no columns".into()));
    }
    if columns == &["column0"] && attempt.file.size > 0 {
        return Err(reject(None, None, "has no header line (is its compressed stream cut short?)".into()));
    }
    if columns.len() > format::MAX_COLUMNS {
        return Err(reject(
            None,
            None,
            format!(
                "has {} columns; cbh takes at most {} (a billing export has a few hundred)",
                columns.len(),
                format::MAX_COLUMNS
            ),
        ));
    }
    if let (None, Some(what)) = (forced, foreign::recognize(columns)) {
        return Err(reject(None, None, what));
    }
    if let Some(note) = foreign::not_a_bill(columns) {
        return Err(Error::NotABill(note.into()));
    }
    let Some(format) = pick_format(forced, columns) else {
        return Err(reject(
            None,
            None,
            format!(
                "is not a billing export cbh knows: no 'lineItem/UnblendedCost' (legacy AWS CUR), \
                 'line_item_unblended_cost' (CUR 2.0, or legacy CUR in Athena/Parquet form) or 'BilledCost' \
                 (FOCUS) column. Columns seen: {}{}",
                format::columns_seen(columns),
                if metrics::looks_like_metrics(columns) {
                    ". It looks like a metrics file: ingest it with cbh_ingest(..., kind := 'metrics')"
                } else {
                    ""
                }
            ),
        ));
    };
    attempt.format = Some(format.name().to_string());
    // DuckDB renames a repeated name (`a`, `a_1`): then the header as written says which.
    let header = match &read.csv {
        Some(compression) if columns.iter().any(|c| renamed(c, columns)) => header(con, &path, compression)?,
        _ => columns.clone(),
    };
    if let Some((first, again)) = format.repeated(&header) {
        let (a, b) = (&header[first - 1], &header[again - 1]);
        let twice = if a == b { format!("'{a}' twice") } else { format!("one column twice, as '{a}' and '{b}'") };
        let reason = format!("the header names {twice} (columns {first} and {again}): which one holds the data?");
        return Err(reject(Some(1), Some((again, b.clone())), reason));
    }
    let (account_col, period_col) = match format {
        Format::Focus => ("BillingAccountId", "BillingPeriodStart"),
        _ => ("bill_payer_account_id", "bill_billing_period_start_date"),
    };
    if format.resolve(columns, account_col).is_none() || format.resolve(columns, period_col).is_none() {
        let missing = format.missing_required(columns).unwrap_or_default();
        return Err(reject(None, None, no_column(format, &missing, columns)));
    }
    if header.len() == read.columns.len() {
        read.names = header; // the tag keys as written: `user:Name` and `user:name` are two tags (tags.rs)
    }
    Ok(format)
}

/// The checks of the values in `table` (a staging table, or a view of the file's rows in Bronze).
fn values_check(
    con: &Connection,
    table: &str,
    attempt: &mut Attempt,
    format: Format,
    read: &Read,
    allow_empty: bool,
) -> Result<()> {
    let path = attempt.file.path.clone();
    let reject = |line, column, reason| rejected(&path, line, column, reason);
    let columns = &read.columns;
    crate::diag::phase("keys", &path);
    let (keys, rows) = staged_keys(con, table, format, columns)?;
    attempt.keys = keys.clone();
    if rows == 0 && !allow_empty {
        return Err(reject(None, None, "has no line items (only a header)".into()));
    }
    if !format.many_keys() {
        let periods = distinct(keys.iter().map(|k| k.billing_period.as_str()));
        let accounts = distinct(keys.iter().map(|k| k.billing_account.as_str()));
        for (what, values) in [("billing periods", periods), ("payer accounts", accounts)] {
            if values.len() > 1 {
                let reason = format!("holds {} {what} ({}); a CUR file covers one", values.len(), values.join(", "));
                attempt.keys.clear();
                return Err(reject(None, None, reason));
            }
        }
    }
    if let Some(missing) = format.missing_required(columns) {
        return Err(reject(None, None, no_column(format, &missing, columns)));
    }
    let checks = format.checks(columns, &read.doubles);
    let validate = format::first_bad_value_sql(format, table, &checks);
    crate::diag::phase("checks", &path);
    crate::diag::statement(&validate);
    let first_bad: Option<(i64, i64)> =
        optional(con.query_row(&validate, [], |r| Ok((r.get(0)?, r.get(1)?)))).context("validating a staged file")?;
    if let Some((rowid, index)) = first_bad {
        let check = checks.get(index as usize).ok_or_else(|| Error::Internal(format!("no check {index}")))?;
        let value: Option<String> = con
            .query_row(
                &render(sql::STAGE_VALUE, &[("stage", &ident(table)), ("column", &ident(&check.column))]),
                [rowid],
                |r| r.get(0),
            )
            .context("reading a rejected value")?;
        let reason = format::reason(check.kind, value.as_deref().unwrap_or_default());
        let column = Some((format::position(columns, &check.column), check.column.clone()));
        if read.csv.is_none() {
            return Err(reject(None, column, format!("row {}: {reason}", rowid + 1)));
        }
        // Line 1 is the header; record n (rowid n-1) starts on line n+1 when no field holds a line break.
        return Err(reject(Some(rowid as u64 + 2), column, reason));
    }
    attempt.rows = Some(rows);
    Ok(())
}

/// Whether a staged column name looks like DuckDB's rename of a repeated one (`a_1` beside `a`).
fn renamed(column: &str, columns: &[String]) -> bool {
    column.rsplit_once('_').is_some_and(|(base, n)| {
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && columns.iter().any(|o| o.eq_ignore_ascii_case(base))
    })
}

/// The CSV header line as written.
fn header(con: &Connection, path: &str, compression: &Sql) -> Result<Vec<String>> {
    let context = "reading the header again";
    let mut stmt = con.prepare(&render(sql::STAGE_HEADER, &[("compression", compression)])).context(context)?;
    let mut rows = stmt.query([path]).context(context)?;
    let Some(row) = rows.next().context(context)? else { return Ok(Vec::new()) };
    let n = row.as_ref().column_count();
    let mut names: Vec<String> = Vec::with_capacity(n);
    for i in 0..n {
        names.push(row.get::<_, Option<String>>(i).context(context)?.unwrap_or_default());
    }
    Ok(names)
}

pub(super) fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = values.collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn pick_format(forced: Option<&str>, columns: &[String]) -> Option<Format> {
    match forced {
        Some(name) => Format::parse(name, columns),
        None => Format::detect(columns),
    }
}

fn no_column(format: Format, missing: &str, columns: &[String]) -> String {
    format!("has no column '{missing}'. Is this {}? Columns seen: {}", format.describe(), format::columns_seen(columns))
}

/// A staged table's columns and their types, in file order.
pub(super) fn staged_columns(con: &Connection, table: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = con.prepare(sql::STAGE_COLUMNS).context("reading a staged file's columns")?;
    let rows = stmt.query_map([table], |r| Ok((r.get(0)?, r.get(1)?))).context("reading a staged file's columns")?;
    rows.collect::<std::result::Result<_, _>>().context("reading a staged file's columns")
}

/// The complete delivery keys of a staged file, and its rows.
fn staged_keys(con: &Connection, table: &str, format: Format, columns: &[String]) -> Result<(Vec<Key>, i64)> {
    let [provider, account, period] = format.key_expressions(columns);
    let stmt = render(
        sql::STAGE_KEYS,
        &[("stage", &ident(table)), ("provider", &provider), ("account", &account), ("period", &period)],
    );
    let mut s = con.prepare(&stmt).context("summarizing a staged file")?;
    type KeyRows = (Option<String>, Option<String>, Option<String>, i64);
    let rows: Vec<KeyRows> = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .context("summarizing a staged file")?
        .collect::<std::result::Result<_, _>>()
        .context("summarizing a staged file")?;
    let total = rows.iter().map(|r| r.3).sum();
    let keys = rows.into_iter().filter_map(|(p, a, d, _)| Some(Key::new(p?, a?, d?))).collect();
    Ok((keys, total))
}
