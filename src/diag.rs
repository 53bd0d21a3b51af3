//! Opt-in diagnostics, from environment variables read where they apply (off unless set):
//!
//! - `CBH_TRACE=1` prints each phase of a call to standard error (`cbh[trace] +0.123s silver aws/123/2024-09-01`),
//!   to see where time goes or where a call stopped; `CBH_TRACE=sql` also prints the generated SQL statements (to
//!   profile them with `EXPLAIN ANALYZE`).
//! - `CBH_FAULT=<phase>` makes cbh panic when it reaches that phase, in the test build only (cargo feature
//!   `fault-injection`; the release build users load has no such code). The reliability tests use it to prove that
//!   a panic surfaces as an ordinary DuckDB error and leaves the warehouse as it was.

use std::sync::OnceLock;
use std::time::Instant;

/// Prints a generated SQL statement when `CBH_TRACE=sql`.
pub fn statement(sql: &str) {
    if std::env::var_os("CBH_TRACE").is_some_and(|v| v == "sql") {
        eprintln!("cbh[sql] {sql};");
    }
}

/// Prints a note with the trace's clock (`CBH_TRACE=1`), in parentheses (not a phase), from any thread; never a
/// fault point.
pub fn note(what: &str) {
    if std::env::var_os("CBH_TRACE").is_some_and(|v| !v.is_empty() && v != "0") {
        eprintln!("cbh[trace] +{:.3}s ({what})", start().elapsed().as_secs_f64());
    }
}

fn start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// Marks the start of `phase` (with a `detail`, such as the file or the delivery key).
pub fn phase(phase: &str, detail: &str) {
    if std::env::var_os("CBH_TRACE").is_some_and(|v| !v.is_empty() && v != "0") {
        let t = start().elapsed().as_secs_f64();
        eprintln!("cbh[trace] +{t:.3}s {phase} {detail}");
    }
    #[cfg(feature = "fault-injection")]
    if std::env::var_os("CBH_FAULT").is_some_and(|f| f == phase) {
        panic!("CBH_FAULT: fault injected at phase '{phase}'");
    }
}
