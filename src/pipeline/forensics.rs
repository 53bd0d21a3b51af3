//! CSV forensics: where a file DuckDB's strict reader refused is wrong, as the file, line and column a person can
//! open, from DuckDB's own error or, when that names no line, from its reject tables.

use duckdb::Connection;

use crate::error::{csv_error, db_message, NOT_UTF8};
use crate::sql::{self, ident, literal, render, Sql};

/// DuckDB's error for a CSV file its strict reader refused, as (line, column, message). When the error names no
/// line (DuckDB's sniffer gave up on the file) or the text is not UTF-8, the file is read again with DuckDB's
/// `store_rejects`, which records each bad line and column, and the first one is reported.
pub(super) fn located_csv_error(
    con: &Connection,
    table: &str,
    compression: &Sql,
    path: &str,
    e: &duckdb::Error,
) -> (Option<u64>, Option<(usize, String)>, String) {
    let (line, message) = csv_error(&db_message(e));
    if line.is_some() && message != NOT_UTF8 {
        return (line, None, message);
    }
    let (errors, scans) = (format!("{table}_errors"), format!("{table}_scans"));
    let probe = render(
        sql::STAGE_CSV_REJECTS,
        &[
            ("stage", &ident(table)),
            ("errors", &literal(&errors)),
            ("scans", &literal(&scans)),
            ("compression", compression),
        ],
    );
    let first = con.execute(&probe, [path]).ok().and_then(|_| {
        let query = render(sql::STAGE_CSV_FIRST_REJECT, &[("errors", &ident(&errors))]);
        con.query_row(&query, [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?))
        })
        .ok()
    });
    for t in [&errors, &scans] {
        let _ = con.execute_batch(&render(sql::TEMP_DROP_TABLE, &[("table", &ident(t))]));
    }
    match first {
        Some((line, index, name, kind, text)) => describe_reject(line, index, name, &kind, &text),
        None => (line, None, message),
    }
}

/// One line of DuckDB's reject table, said for a person: a field count that differs from the header's (with the
/// likely cause), a value that is not UTF-8, or DuckDB's own words.
fn describe_reject(
    line: u64,
    index: u64,
    name: String,
    kind: &str,
    text: &str,
) -> (Option<u64>, Option<(usize, String)>, String) {
    let counts: Vec<&str> = text.split(|c: char| !c.is_ascii_digit()).filter(|n| !n.is_empty()).collect();
    let column = Some((index as usize, name)).filter(|(_, name)| !name.is_empty());
    let fields = |found: &str, expected: &str, cause: &str| {
        format!("the line has {found} fields where the header has {expected} ({cause})")
    };
    match (kind, counts.as_slice()) {
        ("TOO MANY COLUMNS", [expected, found]) => {
            (Some(line), None, fields(found, expected, "a value with an unquoted comma?"))
        }
        ("MISSING COLUMNS", [expected, found]) => {
            (Some(line), None, fields(found, expected, "is the line, or the file, cut short?"))
        }
        ("INVALID ENCODING", _) => (Some(line), column, NOT_UTF8.into()),
        _ => (Some(line), column, text.to_string()),
    }
}
