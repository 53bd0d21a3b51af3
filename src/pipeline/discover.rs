//! Which files a call brings: paths and globs expanded through DuckDB's file system, manifests found beside data
//! files, fingerprints (SHA-256) and the container (plain, gzip, zstd, Parquet) read from each file's first bytes.

use std::io::Read;

use duckdb::Connection;

use super::ledger::known_sha256;
use super::manifest::{self, Manifest};
use crate::capi::context::ClientContext;
use crate::error::{db_message, Error, Result};
use crate::fingerprint::digest;
use crate::sql::{self, Sql};

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

/// Manifests beside the data files that the call did not name.
pub(super) fn discover(con: &Connection, data: &[Found], named: &[(Found, Manifest)]) -> Result<Vec<Found>> {
    let mut globs: Vec<String> = Vec::new();
    for f in data {
        for g in manifest::beside(&f.path) {
            if !globs.contains(&g) {
                globs.push(g);
            }
        }
    }
    let mut out: Vec<Found> = Vec::new();
    for g in globs {
        for f in list_pattern(con, &g).unwrap_or_default() {
            if !named.iter().any(|(n, _)| n.path == f.path) && !out.iter().any(|o| o.path == f.path) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

/// Why a file is not a bill: what AWS writes beside a CUR (Redshift and Athena helpers, the status marker) and
/// what operating systems leave in folders. Such files are skipped with this note.
pub(super) fn companion(path: &str) -> Option<&'static str> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if lower.ends_with("-redshiftmanifest.json") || lower.ends_with("-redshiftcommands.sql") {
        Some("not a bill: a Redshift helper AWS writes beside the report")
    } else if lower == "crawler-cfn.yml" || path.contains("/cost_and_usage_data_status/") {
        Some("not a bill: an Athena helper AWS writes beside the report")
    } else if [".ds_store", "thumbs.db", "desktop.ini"].contains(&lower.as_str()) || name.starts_with("._") {
        Some("not a bill: a file the operating system leaves in folders")
    } else {
        None
    }
}

/// A path with glob characters would be expanded again when DuckDB reads it, and could read other files.
pub(super) fn check_path(path: &str) -> Result<()> {
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
pub(super) fn list(con: &Connection, patterns: &[String]) -> Result<Vec<Found>> {
    if patterns.is_empty() {
        return Err(Error::Usage("cbh_ingest needs a file, a glob or a list of them".into()));
    }
    let mut out: Vec<Found> = Vec::new();
    for pattern in patterns {
        let rows = list_pattern(con, pattern)
            .map_err(|e| Error::Usage(format!("cannot list '{pattern}': {}", db_message(&e))))?;
        if rows.is_empty() {
            let inside = format!("{}/**", pattern.trim_end_matches('/'));
            let folder = list_pattern(con, &inside).is_ok_and(|files| !files.is_empty());
            return Err(Error::NoMatch { pattern: pattern.clone(), folder });
        }
        for f in rows {
            if !out.iter().any(|o| o.path == f.path) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

pub(super) fn list_pattern(con: &Connection, pattern: &str) -> std::result::Result<Vec<Found>, duckdb::Error> {
    let mut stmt = con.prepare(sql::LIST_FILES)?;
    let rows = stmt.query_map([pattern], |r| {
        let modified = match r.get::<_, duckdb::types::Value>(2)? {
            duckdb::types::Value::Timestamp(_, v) => v,
            _ => 0,
        };
        Ok(Found { path: r.get(0)?, size: r.get(1)?, modified })
    })?;
    rows.collect()
}

/// One file a manifest lists, if it exists; DuckDB's message when its configuration forbids access to the path. A
/// candidate that cannot be listed for another reason (an S3 name with no S3 access) is simply not there.
pub(super) fn list_one(con: &Connection, path: &str) -> std::result::Result<Option<Found>, String> {
    if check_path(path).is_err() {
        return Ok(None);
    }
    match list_pattern(con, path) {
        Ok(rows) => Ok(rows.into_iter().find(|f| f.path == path)),
        Err(e) if db_message(&e).starts_with("Permission Error") => Err(db_message(&e)),
        Err(_) => Ok(None),
    }
}

/// The file's SHA-256: from the ledger when path, size and modification time match an earlier attempt (no read),
/// else streamed through DuckDB's file system.
pub(super) fn fingerprint(con: &Connection, caller: &ClientContext, file: &Found) -> Result<String> {
    match known_sha256(con, file)? {
        Some(sha) => Ok(sha),
        None => {
            crate::diag::phase("hash", &file.path);
            hash(caller, file)
        }
    }
}

/// Streams the file through DuckDB's file system: its SHA-256, or why it cannot land (unreadable, or binary).
pub(super) fn hash(caller: &ClientContext, file: &Found) -> Result<String> {
    let reject = |reason: String| Error::Rejected { file: file.path.clone(), line: None, column: None, reason };
    let started = std::time::Instant::now();
    let handle = caller.open(&file.path).map_err(|e| reject(format!("cannot be opened: {e}")))?;
    let d = digest(handle).map_err(|e| reject(format!("cannot be read: {e}")))?;
    crate::diag::note(&format!("hashed {} bytes in {:.3} s {}", d.size, started.elapsed().as_secs_f64(), file.path));
    if let Some(e) = d.stream_error {
        let (kind, tool) =
            if d.head.starts_with(crate::compressed::GZIP) { ("gzip", "gzip -t") } else { ("zstd", "zstd -t") };
        return Err(reject(format!(
            "is not a complete {kind} file ({e}): it was cut short or damaged, perhaps while being copied, so nothing \
             of it landed; copy it again whole (`{tool}` checks it)"
        )));
    }
    let compressed =
        [&[0x1f, 0x8b][..], &[0x28, 0xb5, 0x2f, 0xfd], b"PAR1", b"PK"].iter().any(|m| d.head.starts_with(m));
    if let (Some(at), false) = (d.first_nul, compressed) {
        return Err(reject(format!(
            "has a NUL byte (at byte {at}), which no text export has: the file is binary or corrupt, or not UTF-8 \
             (a UTF-16 export? save it as UTF-8)"
        )));
    }
    Ok(d.sha256)
}

/// How a file is packed, from its first bytes: CSV with its compression (as `read_csv` takes it), or Parquet.
#[derive(Clone)]
pub(super) enum Container {
    Csv(Sql),
    Parquet,
}

pub(super) fn container(caller: &ClientContext, path: &str) -> std::result::Result<Container, String> {
    let mut head = [0u8; 4];
    let mut n = 0;
    let mut file = caller.open(path).map_err(|e| format!("cannot be opened: {e}"))?;
    while n < head.len() {
        match file.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(format!("cannot be read: {e}")),
        }
    }
    let head = &head[..n];
    let lower = path.to_ascii_lowercase();
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Err(
            "is a ZIP archive, which DuckDB cannot read. Choose GZIP (or Parquet) compression in the export's \
                    settings, or unzip the file first"
                .into(),
        );
    }
    if head.starts_with(b"PAR1") {
        return Ok(Container::Parquet);
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Ok(Container::Csv(Sql::raw_static("'gzip'")));
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Ok(Container::Csv(Sql::raw_static("'zstd'")));
    }
    if lower.ends_with(".gz") || lower.ends_with(".gzip") {
        return Err("is named like a gzip file but is not gzip-compressed".into());
    }
    if lower.ends_with(".parquet") {
        return Err("is named like a Parquet file but is not one (no Parquet header)".into());
    }
    if lower.ends_with(".zst") || lower.ends_with(".zstd") {
        return Err("is named like a zstd file but is not zstd-compressed".into());
    }
    Ok(Container::Csv(Sql::raw_static("'none'")))
}
