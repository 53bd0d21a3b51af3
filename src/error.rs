//! cbh's one error type. DuckDB prefixes its own category ("Invalid Input Error: ..."), so messages here are only
//! the body, always starting with `cbh:` and naming the file, line and column where there is one.

use std::fmt;

/// Everything that can go wrong in cbh.
#[derive(Debug)]
pub enum Error {
    /// A parameter is missing or malformed.
    Usage(String),
    /// A path or glob matched no file.
    NoMatch { pattern: String, folder: bool },
    /// A file failed validation: nothing of it lands.
    Rejected {
        /// The file as the user named it (after glob expansion).
        file: String,
        /// 1-based line in the file, where known.
        line: Option<u64>,
        /// 1-based column position and header name, where known.
        column: Option<(usize, String)>,
        /// What is wrong, and where possible what to do.
        reason: String,
    },
    /// Not an error: the file is not a bill (the note says what it is); it is skipped.
    NotABill(String),
    /// SQL that cbh ran failed; `context` says what cbh was doing.
    Db { context: String, source: duckdb::Error },
    /// cbh let go of this database when its last user connection closed.
    Released,
    /// A cbh function was called from SQL that cbh itself runs.
    Reentrant(&'static str),
    /// `cbh_check`: the waste exceeds the budget (a CI job should fail).
    OverBudget(String),
    /// A Ctrl-C stopped the call (named) before its commit: it rolled back.
    Interrupted(&'static str),
    /// A bug in cbh (a caught panic, a broken invariant).
    Internal(String),
}

/// Result with cbh's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(msg) => write!(f, "cbh: {msg}"),
            Error::NoMatch { pattern, folder: false } => write!(f, "cbh: no file matches '{pattern}'"),
            Error::NoMatch { pattern, folder: true } => {
                let base = pattern.trim_end_matches('/');
                write!(
                    f,
                    "cbh: no file matches '{pattern}': it is a folder; name its files with a glob, such as \
                     '{base}/*.csv' or '{base}/**' (with subfolders)"
                )
            }
            Error::Rejected { file, line, column, reason } => {
                write!(f, "cbh: file '{file}'")?;
                if let Some(line) = line {
                    write!(f, ", line {line}")?;
                }
                if let Some((index, name)) = column {
                    write!(f, ", column {index} ('{name}')")?;
                }
                write!(f, ": {reason}")
            }
            Error::NotABill(note) => write!(f, "cbh: {note}"),
            Error::Db { context, source } => write!(f, "cbh: {context}: {}", db_message(source)),
            Error::Released => write!(
                f,
                "cbh: this database was closed by its last user connection and cbh released it; \
                 open the database again and run LOAD cbh"
            ),
            Error::Reentrant(function) => write!(
                f,
                "cbh: {function}() cannot be called from SQL that cbh itself runs (for example a view in the cbh \
                 schema that calls it); call it from your own query instead"
            ),
            Error::OverBudget(msg) => write!(f, "cbh: {msg}"),
            Error::Interrupted(function) if function.ends_with("_ingest") => write!(
                f,
                "cbh: {function}() was interrupted (Ctrl-C): it stopped and rolled back, so nothing of this call \
                 landed; run it again to ingest"
            ),
            Error::Interrupted(function) => write!(f, "cbh: {function}() was interrupted (Ctrl-C)"),
            Error::Internal(msg) => write!(f, "cbh: internal error (a bug in cbh, please report it): {msg}"),
        }
    }
}

impl std::error::Error for Error {
    /// The DuckDB error behind a failed statement, for callers that walk the chain.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Db { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Error {
    /// What went wrong, without cbh's prefix and context: to quote inside another message.
    pub fn cause(&self) -> String {
        match self {
            Error::Db { source, .. } => db_message(source),
            Error::Rejected { reason, .. } => reason.clone(),
            other => other.to_string().trim_start_matches("cbh: ").to_string(),
        }
    }

    /// A caught panic, as an internal error saying where it happened.
    pub fn from_panic(payload: &(dyn std::any::Any + Send), place: &str) -> Error {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        Error::Internal(format!("{place} panicked: {what}"))
    }
}

/// Runs `body`, turning a panic into an internal error: no panic may unwind into DuckDB.
pub fn guarded<T>(place: &str, body: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or_else(|p| Err(Error::from_panic(&*p, place)))
}

/// DuckDB's message without the Rust crate's decoration, and without the excerpt of cbh's own SQL that DuckDB
/// appends (`LINE 4: SELECT * FROM read_csv(...`): it says nothing to the user.
pub fn db_message(e: &duckdb::Error) -> String {
    let msg = match e {
        duckdb::Error::DuckDBFailure(_, Some(msg)) => msg.clone(),
        other => other.to_string(),
    };
    match msg.find("\n\nLINE ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

/// What cbh says of text that is not UTF-8.
pub const NOT_UTF8: &str = "the text is not UTF-8 (DuckDB reads only UTF-8): export or save the file as UTF-8";

/// DuckDB's CSV reader error, shortened for a person: the line number it names (if any), and the message without
/// the copy of the offending line (which may be a megabyte long), the reader's settings and its advice on reader
/// options (which cbh sets itself).
pub fn csv_error(message: &str) -> (Option<u64>, String) {
    if message.contains("Maximum line size of") {
        // DuckDB's line number is not reliable here: its sniffer may take the file for a single line.
        return (None, "a line is longer than 1 MiB (1,048,576 bytes); no billing record is that long".into());
    }
    if message.contains("not possible to automatically detect the CSV parsing dialect") {
        let guess = "a quoted value that never closes, lines of different lengths, or not CSV at all?";
        return (None, format!("DuckDB finds no consistent comma-separated layout in it ({guess})"));
    }
    let line = message
        .split_once("CSV Error on Line: ")
        .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse().ok()));
    if message.contains("This file is not utf-8 encoded") {
        return (line, NOT_UTF8.into());
    }
    let mut kept: Vec<&str> = Vec::new();
    for l in message.lines() {
        let l = l.trim();
        if l.starts_with("Possible") || l.starts_with("file = ") || l.starts_with("The search space used") {
            break;
        }
        if l.is_empty() || l.starts_with("Original Line:") || l.contains("CSV Error on Line:") {
            continue;
        }
        kept.push(l);
    }
    let mut text = kept.join(" ");
    if text.len() > 300 {
        let cut = (0..=300).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        text.truncate(cut);
        text.push_str("...");
    }
    (line, text)
}

/// Adds what cbh was doing to a DuckDB error.
pub trait Context<T> {
    /// Wraps the error with `context`.
    fn context(self, context: impl Into<String>) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, duckdb::Error> {
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|source| Error::Db { context: context.into(), source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejection_names_file_line_and_column() {
        let e = Error::Rejected {
            file: "landing/a.csv".into(),
            line: Some(17),
            column: Some((23, "lineItem/UnblendedCost".into())),
            reason: "'abc' is not a decimal number".into(),
        };
        assert_eq!(
            e.to_string(),
            "cbh: file 'landing/a.csv', line 17, column 23 ('lineItem/UnblendedCost'): 'abc' is not a decimal number"
        );
    }

    #[test]
    fn duckdb_messages_lose_the_sql_excerpt() {
        let e = duckdb::Error::DuckDBFailure(
            duckdb::ffi::Error::new(1),
            Some("IO Error: Input is not a GZIP stream: x.gz\n\nLINE 4: SELECT * FROM read_csv($1...\n   ^".into()),
        );
        assert_eq!(db_message(&e), "IO Error: Input is not a GZIP stream: x.gz");
    }

    #[test]
    fn a_failed_statement_keeps_duckdb_error_as_its_source() {
        use std::error::Error as _;
        let failed: std::result::Result<(), duckdb::Error> = Err(duckdb::Error::InvalidParameterName("$9".into()));
        let e = failed.context("reading").unwrap_err();
        assert!(e.source().is_some_and(|s| s.to_string().contains("$9")), "{:?}", e.source());
        assert!(Error::Usage("x".into()).source().is_none());
    }

    #[test]
    fn panics_become_internal_errors() {
        let e = guarded::<()>("cbh_test()", || panic!("boom {}", 42)).unwrap_err();
        assert_eq!(e.to_string(), "cbh: internal error (a bug in cbh, please report it): cbh_test() panicked: boom 42");
        let e = guarded::<()>("x", || std::panic::panic_any(7u8)).unwrap_err();
        assert!(e.to_string().ends_with("x panicked: no message"), "{e}");
        assert_eq!(guarded("x", || Ok(3)).unwrap(), 3);
    }

    #[test]
    fn csv_errors_keep_the_line_and_lose_the_noise() {
        let msg = "Invalid Input Error: CSV Error on Line: 3\nOriginal Line: a,\"b\nValue with unterminated quote \
                   found.\n\nPossible Solution: Enable ignore errors\n\n  file = /tmp/x.csv\n  delimiter = ,";
        assert_eq!(csv_error(msg), (Some(3), "Value with unterminated quote found.".into()));
        let (line, text) = csv_error("CSV Error on Line: 1\nOriginal Line: xxx\nMaximum line size of 1048576 bytes");
        assert_eq!(line, None);
        assert!(text.starts_with("a line is longer than 1 MiB"), "{text}");
        let sniffed = "Invalid Input Error: Error when sniffing file \"x.csv\".\nIt was not possible to automatically \
                       detect the CSV parsing dialect\nThe search space used was:";
        let (line, text) = csv_error(sniffed);
        assert!(line.is_none() && text.starts_with("DuckDB finds no consistent comma-separated layout"), "{text}");
        let utf8 = "Invalid Input Error: CSV Error on Line: 2\nOriginal Line: x\nInvalid unicode (byte sequence \
                    mismatch) detected. This file is not utf-8 encoded.";
        assert_eq!(csv_error(utf8), (Some(2), NOT_UTF8.to_string()));
        let (line, text) = csv_error(&format!("Invalid Input Error: {}", "é".repeat(400)));
        assert_eq!(line, None);
        assert!(text.ends_with("...") && text.len() <= 303, "{text}");
    }

    #[test]
    fn rejection_without_position_names_the_file() {
        let e = Error::Rejected { file: "x.csv".into(), line: None, column: None, reason: "empty".into() };
        assert_eq!(e.to_string(), "cbh: file 'x.csv': empty");
    }
}
