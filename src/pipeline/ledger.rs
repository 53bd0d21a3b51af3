//! The ledger (`cbh.ledger`): one row per attempt to ingest a file, and what earlier attempts tell about the
//! same path or the same bytes.

use duckdb::Connection;

use super::discover::Found;
use super::{now_micros, Key};
use crate::error::{Context, Result};
use crate::sql;

/// One file's attempt, as the ledger records it.
#[derive(Debug, Clone)]
pub(super) struct Attempt {
    pub(super) file: Found,
    pub(super) sha256: Option<String>,
    pub(super) format: Option<String>,
    pub(super) keys: Vec<Key>,
    pub(super) rows: Option<i64>,
    pub(super) status: &'static str,
    pub(super) error: Option<String>,
    pub(super) manifest: Option<String>,
    /// What the user should know of this attempt (what a replacement replaced, files that landed together).
    pub(super) note: Option<String>,
    /// Bytes that landed before and land again in this call (`live::reland`).
    pub(super) again: bool,
    pub(super) started: i64,
}

impl Attempt {
    pub(super) fn new(file: Found) -> Self {
        Attempt {
            file,
            sha256: None,
            format: None,
            keys: Vec::new(),
            rows: None,
            status: "rejected",
            error: None,
            manifest: None,
            note: None,
            again: false,
            started: now_micros(),
        }
    }

    pub(super) fn overlaps(&self, keys: &[Key]) -> bool {
        self.keys.iter().any(|k| keys.contains(k))
    }

    pub(super) fn record(&self, con: &Connection, ingestion: i64) -> Result<()> {
        con.execute(
            sql::LEDGER_INSERT,
            duckdb::params![
                ingestion,
                self.file.path,
                self.file.size,
                self.file.modified,
                self.format,
                encode_keys(&self.keys),
                self.sha256,
                self.rows,
                self.status,
                self.error,
                self.manifest,
                self.started,
                now_micros(),
                self.note
            ],
        )
        .context(format!("recording the attempt for '{}' in the ledger", self.file.path))?;
        Ok(())
    }
}

/// Keys as `ledger_insert.sql` takes them: fields split by chr(31), keys by chr(30).
fn encode_keys(keys: &[Key]) -> String {
    keys.iter().map(|(p, a, d)| format!("{p}\u{1f}{a}\u{1f}{d}")).collect::<Vec<_>>().join("\u{1e}")
}

fn decode_keys(text: &str) -> Vec<Key> {
    text.split('\u{1e}')
        .filter_map(|k| {
            let mut f = k.split('\u{1f}');
            Some((f.next()?.to_string(), f.next()?.to_string(), f.next()?.to_string()))
        })
        .collect()
}

/// The SHA-256 the ledger holds for this path, size and modification time, if any.
pub(super) fn known_sha256(con: &Connection, file: &Found) -> Result<Option<String>> {
    let params = duckdb::params![file.path, file.size, micros_timestamp(file.modified)];
    optional(con.query_row(sql::KNOWN_SHA256, params, |r| r.get(0))).context("looking up the file in the ledger")
}

pub(super) fn micros_timestamp(micros: i64) -> duckdb::types::Value {
    duckdb::types::Value::Timestamp(duckdb::types::TimeUnit::Microsecond, micros)
}

/// What an earlier landing of the same bytes was: its format, delivery keys and rows.
pub(super) type Earlier = (Option<String>, Vec<Key>, Option<i64>);

/// Format, keys and rows of an earlier landing of the same bytes (of a manifest when `manifest`).
pub(super) fn landed(con: &Connection, sha: &str, manifest: bool) -> Result<Option<Earlier>> {
    let row: Option<(Option<String>, Option<String>, Option<i64>)> = optional(con.query_row(
        sql::LANDED_SHA256,
        duckdb::params![sha, manifest],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    ))
    .context("looking up the fingerprint in the ledger")?;
    Ok(row.map(|(format, keys, rows)| (format, decode_keys(&keys.unwrap_or_default()), rows)))
}

/// No row is not an error here.
pub(super) fn optional<T>(r: std::result::Result<T, duckdb::Error>) -> std::result::Result<Option<T>, duckdb::Error> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(duckdb::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e),
    }
}
