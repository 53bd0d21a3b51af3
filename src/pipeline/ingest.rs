//! `cbh_ingest`: fingerprint, stage and validate each file, then land each delivery atomically in Bronze, Silver
//! and Gold, recording every attempt in the ledger.
//!
//! A delivery is the file set of a manifest (named in the call or found beside its data files), or else the files
//! of one call that share a delivery key (provider, billing account, billing period). A delivery replaces the keys
//! it covers as a whole, and lands whole or not at all.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use duckdb::Connection;

use super::format::{self, Format};
use super::manifest::{self, Manifest};
use super::metrics;
use super::{ensure_warehouse, now_micros, promote, run_file, transaction, Key};
use crate::error::{csv_error, db_message, Context, Error, Result, NOT_UTF8};
use crate::fingerprint::{digest, ClientContext};
use crate::sql::{self, ident, literal, render};

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
pub(super) struct Attempt {
    pub(super) file: Found,
    pub(super) sha256: Option<String>,
    pub(super) format: Option<String>,
    pub(super) keys: Vec<Key>,
    pub(super) rows: Option<i64>,
    pub(super) status: &'static str,
    pub(super) error: Option<String>,
    pub(super) manifest: Option<String>,
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
            started: now_micros(),
        }
    }

    fn overlaps(&self, keys: &[Key]) -> bool {
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
                now_micros()
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

/// A file staged and validated, waiting to land with the rest of its delivery.
struct Staged {
    attempt: Attempt,
    format: Format,
    table: String,
    columns: Vec<String>,
}

/// The files that land together, and the manifest that made them one delivery, if any.
struct Delivery {
    parts: Vec<Staged>,
    manifest: Option<Attempt>,
}

impl Delivery {
    fn keys(&self) -> Vec<Key> {
        let mut keys: Vec<Key> = self.parts.iter().flat_map(|s| s.attempt.keys.clone()).collect();
        keys.sort();
        keys.dedup();
        keys
    }
}

/// Temporary staging tables of this call, dropped however the call ends.
pub(super) struct Stages<'a> {
    pub(super) con: &'a Connection,
    pub(super) tables: Vec<String>,
}

impl Drop for Stages<'_> {
    fn drop(&mut self) {
        for t in &self.tables {
            let _ = self.con.execute_batch(&format!("DROP TABLE IF EXISTS temp.main.{t}"));
        }
    }
}

/// One call's progress.
struct Run<'a> {
    con: &'a Connection,
    caller: &'a ClientContext,
    ingestion: i64,
    forced: Option<String>,
    stages: Stages<'a>,
    /// Keys of rejected files (their deliveries do not land).
    rejected: Vec<(Vec<Key>, String)>,
    /// Final attempt of each file, by path.
    outcomes: HashMap<String, Attempt>,
    /// Keys a manifest of this call speaks for (landing now or unchanged since it landed), with the manifest.
    manifest_keys: Vec<(Key, String)>,
    /// Ledger rows of skipped and rejected files, written in the transaction that lands the call's deliveries.
    pending: Vec<Attempt>,
}

impl<'a> Run<'a> {
    fn record(&mut self, attempt: Attempt) -> Result<()> {
        self.outcomes.insert(attempt.file.path.clone(), attempt.clone());
        self.pending.push(attempt);
        Ok(())
    }

    fn reject(&mut self, mut attempt: Attempt, e: &Error) -> Result<()> {
        if !attempt.keys.is_empty() {
            self.rejected.push((attempt.keys.clone(), attempt.file.path.clone()));
        }
        attempt.status = "rejected";
        attempt.error = Some(e.to_string());
        self.record(attempt)
    }

    fn skip(&mut self, mut attempt: Attempt, note: Option<String>) -> Result<()> {
        attempt.status = "skipped";
        attempt.error = note;
        self.record(attempt)
    }

    fn table(&mut self) -> String {
        let table = format!("cbh_stage_{}_{}", self.ingestion, self.stages.tables.len());
        self.stages.tables.push(table.clone());
        table
    }

    /// Stages and validates a file.
    fn stage(&mut self, mut attempt: Attempt, allow_empty: bool) -> std::result::Result<Staged, (Attempt, Error)> {
        let table = self.table();
        let lenient = self.table();
        match stage(self.con, self.caller, &table, &lenient, &mut attempt, self.forced.as_deref(), allow_empty) {
            Ok((format, columns)) => Ok(Staged { attempt, format, table, columns }),
            Err(e) => Err((attempt, e)),
        }
    }

    fn rejected_sibling(&self, keys: &[Key]) -> Option<String> {
        self.rejected.iter().find(|(k, _)| k.iter().any(|k| keys.contains(k))).map(|r| r.1.clone())
    }

    /// The file's fingerprint, or its rejection recorded.
    fn fingerprint(&mut self, attempt: &mut Attempt) -> Result<bool> {
        match check_path(&attempt.file.path).and_then(|()| fingerprint(self.con, self.caller, &attempt.file)) {
            Ok(sha) => {
                attempt.sha256 = Some(sha);
                Ok(true)
            }
            Err(e) => {
                self.reject(attempt.clone(), &e)?;
                Ok(false)
            }
        }
    }

    /// Fingerprints every file; the first that cannot be read is rejected (recorded) and returned.
    fn fingerprint_all(&mut self, attempts: &mut [Attempt]) -> Result<Option<String>> {
        for a in attempts.iter_mut() {
            if !self.fingerprint(a)? {
                return Ok(Some(a.file.path.clone()));
            }
        }
        Ok(None)
    }

    /// A manifest's delivery: every file it lists, staged, or the reason it cannot land (recorded).
    fn manifest_delivery(&mut self, found: Found, m: Manifest, call: &[Found]) -> Result<Option<Delivery>> {
        let mut head = Attempt::new(found);
        head.format = Some("manifest".into());
        head.manifest = Some(m.path.clone());
        if !self.fingerprint(&mut head)? {
            return Ok(None);
        }
        let mut parts: Vec<Attempt> = Vec::new();
        let mut missing: Vec<String> = Vec::new();
        let mut refused: Vec<String> = Vec::new();
        for (listed, candidates) in m.listed.iter().zip(&m.files) {
            let mut found = candidates.iter().find_map(|c| call.iter().find(|f| &f.path == c).cloned());
            for c in candidates {
                if found.is_none() {
                    match list_one(self.con, c) {
                        Ok(f) => found = f,
                        Err(e) => {
                            refused.push(format!("'{c}': {e}"));
                            break;
                        }
                    }
                }
            }
            match found {
                Some(f) => {
                    let mut a = Attempt::new(f);
                    a.manifest = Some(m.path.clone());
                    parts.push(a);
                }
                None => match candidates.first() {
                    Some(c) => missing.push(format!("{listed} (looked for '{c}')")),
                    None => missing.push(listed.to_string()),
                },
            }
        }
        let manifest_name = m.path.clone();
        let fail = |run: &mut Run, head: Attempt, parts: Vec<Attempt>, why: String| -> Result<Option<Delivery>> {
            let file = head.file.path.clone();
            run.reject(head, &Error::Rejected { file, line: None, column: None, reason: why.clone() })?;
            for p in parts {
                let file = p.file.path.clone();
                let reason = format!("not landed: its delivery (manifest '{manifest_name}') {why}");
                run.reject(p, &Error::Rejected { file, line: None, column: None, reason })?;
            }
            Ok(None)
        };
        if !refused.is_empty() {
            return fail(self, head, parts, format!("lists files that cannot be listed: {}", refused.join(", ")));
        }
        if !missing.is_empty() {
            let why = format!(
                "is incomplete: {} of the {} files it lists are missing: {}",
                missing.len(),
                m.files.len(),
                missing.join(", ")
            );
            return fail(self, head, parts, why);
        }
        if let Some(bad) = self.fingerprint_all(&mut parts)? {
            let rest: Vec<Attempt> = parts.into_iter().filter(|q| q.file.path != bad).collect();
            return fail(self, head, rest, format!("cannot land: '{bad}' cannot be read"));
        }
        // The same manifest and the same files landed before: nothing changed.
        let before = landed(self.con, head.sha256.as_deref().unwrap_or_default(), true)?;
        let mut parts_before = Vec::new();
        for p in &parts {
            parts_before.push(landed(self.con, p.sha256.as_deref().unwrap_or_default(), false)?);
        }
        if let (Some(before), true) = (before, parts_before.iter().all(Option::is_some)) {
            head.keys = before.1;
            self.manifest_keys.extend(head.keys.iter().map(|k| (k.clone(), m.path.clone())));
            self.skip(head, None)?;
            for (mut p, b) in parts.into_iter().zip(parts_before) {
                if let Some((format, keys, rows)) = b {
                    (p.format, p.keys, p.rows) = (format, keys, rows);
                }
                self.skip(p, None)?;
            }
            return Ok(None);
        }
        let mut staged: Vec<Staged> = Vec::new();
        let mut pending = parts.into_iter();
        while let Some(p) = pending.next() {
            match self.stage(p, true) {
                Ok(s) => staged.push(s),
                Err((attempt, e)) => {
                    let why = format!("cannot land: '{}' was rejected", attempt.file.path);
                    self.reject(attempt, &e)?;
                    let rest: Vec<Attempt> = staged.into_iter().map(|s| s.attempt).chain(pending).collect();
                    return fail(self, head, rest, why);
                }
            }
        }
        let delivery = Delivery { parts: staged, manifest: Some(head) };
        self.manifest_keys.extend(delivery.keys().into_iter().map(|k| (k, m.path.clone())));
        Ok(Some(delivery))
    }
}

/// Ingests the files `patterns` match; returns the ingestion id (its ledger rows are the call's output).
/// `forced` names the format when detection should not decide.
pub fn ingest(con: &Connection, caller: &ClientContext, patterns: &[String], forced: Option<&str>) -> Result<i64> {
    ensure_warehouse(con)?;
    crate::diag::phase("list", &patterns.join(", "));
    let files = list(con, patterns)?;
    let ingestion: i64 = con.query_row(sql::NEXT_INGESTION, [], |r| r.get(0)).context("starting the ingestion")?;
    let mut run = Run {
        con,
        caller,
        ingestion,
        forced: forced.map(str::to_string),
        stages: Stages { con, tables: Vec::new() },
        rejected: Vec::new(),
        outcomes: HashMap::new(),
        manifest_keys: Vec::new(),
        pending: Vec::new(),
    };
    let (named, data): (Vec<Found>, Vec<Found>) = files.into_iter().partition(|f| manifest::is_manifest(&f.path));

    // Manifests: those the call names, and those found beside its data files that list one of them.
    let mut manifests: Vec<(Found, Manifest)> = Vec::new();
    for found in named {
        match manifest::read(con, &found.path) {
            Ok(m) => manifests.push((found, m)),
            Err(e) => run.reject(Attempt::new(found), &e)?,
        }
    }
    for found in discover(con, &data, &manifests)? {
        if let Ok(m) = manifest::read(con, &found.path) {
            if data.iter().any(|d| m.lists(&d.path)) {
                manifests.push((found, m));
            }
        }
    }
    // Of several manifests of one report and period, the newest is the delivery; the others are out of date.
    manifests.sort_by_key(|(f, _)| std::cmp::Reverse(f.modified));
    let mut deliveries: Vec<Delivery> = Vec::new();
    let mut seen: Vec<(String, Option<String>, String)> = Vec::new();
    let mut claimed: HashSet<String> = HashSet::new();
    for (found, m) in manifests {
        if let Some((_, _, newer)) = seen.iter().find(|(n, p, _)| n == &m.name && p == &m.period && !n.is_empty()) {
            let note = format!("superseded by the newer manifest '{newer}' of the same report and period");
            let mut a = Attempt::new(found);
            a.format = Some("manifest".into());
            run.skip(a, Some(note))?;
            continue;
        }
        seen.push((m.name.clone(), m.period.clone(), m.path.clone()));
        claimed.extend(data.iter().filter(|d| m.lists(&d.path)).map(|d| d.path.clone()));
        if let Some(d) = run.manifest_delivery(found, m, &data)? {
            deliveries.push(d);
        }
    }

    // Files no manifest claims: one delivery per set of files sharing a key.
    let free: Vec<Found> = data.into_iter().filter(|f| !claimed.contains(&f.path)).collect();
    let mut first_with: HashMap<String, String> = HashMap::new(); // sha256 -> first file of this call with it
    let mut copies: Vec<(Attempt, String)> = Vec::new();
    let mut landed_before: Vec<Attempt> = Vec::new();
    let mut staged: Vec<Staged> = Vec::new();
    for file in free {
        let mut attempt = Attempt::new(file);
        // New bytes are hashed on a second thread while DuckDB stages them; the staging is kept if they are new.
        let (sha, speculative) = match check_path(&attempt.file.path).and_then(|()| known_sha256(con, &attempt.file)) {
            Err(e) => (Err(e), None),
            Ok(Some(sha)) => (Ok(sha), None),
            Ok(None) => {
                crate::diag::phase("hash", &attempt.file.path);
                let file = attempt.file.clone();
                std::thread::scope(|scope| {
                    let hashing = scope.spawn(|| hash(caller, &file));
                    let staged = run.stage(attempt.clone(), false);
                    let sha = hashing.join().unwrap_or_else(|p| Err(Error::from_panic(&*p, "hashing")));
                    (sha, Some(staged))
                })
            }
        };
        let sha = match sha {
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
        if let Some((format, keys, rows)) = landed(con, &sha, false)? {
            (attempt.format, attempt.keys, attempt.rows) = (format, keys, rows);
            landed_before.push(attempt);
            continue;
        }
        match speculative.unwrap_or_else(|| run.stage(attempt, false)) {
            Ok(s) => staged.push(Staged { attempt: Attempt { sha256: Some(sha), ..s.attempt }, ..s }),
            Err((attempt, e)) => run.reject(Attempt { sha256: Some(sha), ..attempt }, &e)?,
        }
    }
    // Bytes that landed before change nothing, unless new files of the same delivery arrive with them: a revised
    // report in which only some parts changed. Then they land again with the rest of the delivery.
    for attempt in landed_before {
        if staged.iter().any(|s| attempt.overlaps(&s.attempt.keys)) {
            match run.stage(attempt, false) {
                Ok(s) => staged.push(s),
                Err((attempt, e)) => run.reject(attempt, &e)?,
            }
        } else {
            run.skip(attempt, None)?;
        }
    }
    // A delivery lands whole or not at all: files whose sibling was rejected do not land alone; a manifest's
    // delivery is the whole truth for the keys it covers.
    for s in staged_free_deliveries(staged) {
        let keys = s.keys();
        if let Some(sibling) = run.rejected_sibling(&keys) {
            for part in s.parts {
                let reason = format!(
                    "not landed: '{sibling}', of the same delivery ({}), was rejected, and a delivery lands whole \
                     or not at all",
                    describe_keys(&keys)
                );
                let file = part.attempt.file.path.clone();
                run.reject(part.attempt, &Error::Rejected { file, line: None, column: None, reason })?;
            }
        } else if let [first, .., last] = distinct(s.parts.iter().map(|p| p.format.name())).as_slice() {
            // Two exports of the same bill (say CUR and FOCUS) in one call would count it twice.
            let reason = format!(
                "not landed: the call holds the same billing period in two formats ('{first}' and '{last}') for {}; \
                 ingest one export per billing account and period",
                describe_keys(&keys)
            );
            for part in s.parts {
                let file = part.attempt.file.path.clone();
                let e = Error::Rejected { file, line: None, column: None, reason: reason.clone() };
                run.reject(part.attempt, &e)?;
            }
        } else if let Some((_, m)) = run.manifest_keys.iter().find(|(k, _)| keys.contains(k)) {
            let note = format!("not listed in manifest '{m}', whose delivery is the one for this period");
            for part in s.parts {
                run.skip(part.attempt, Some(note.clone()))?;
            }
        } else {
            deliveries.push(s);
        }
    }
    commit(&mut run, deliveries, copies)?;
    Ok(ingestion)
}

/// Lands every delivery and writes every ledger row of the call in one transaction, so that a crash leaves the
/// warehouse as it was before the call or as it is after it. A delivery that fails to land is rejected and the rest
/// are tried again without it.
fn commit(run: &mut Run, mut deliveries: Vec<Delivery>, copies: Vec<(Attempt, String)>) -> Result<()> {
    let con = run.con;
    loop {
        // The same bytes twice in one call: the copy follows the first file's fate.
        let first_fate = |path: &str| -> Option<Attempt> {
            let landing = deliveries.iter().flat_map(|d| &d.parts).find(|s| s.attempt.file.path == path);
            match landing {
                Some(s) => Some(Attempt { status: "ingested", ..s.attempt.clone() }),
                None => run.outcomes.get(path).cloned(),
            }
        };
        let copied: Vec<Attempt> = copies
            .iter()
            .map(|(attempt, first)| match first_fate(first) {
                Some(o) if o.status != "rejected" => Attempt {
                    status: "skipped",
                    error: None,
                    format: o.format,
                    keys: o.keys,
                    rows: o.rows,
                    ..attempt.clone()
                },
                _ => Attempt {
                    status: "rejected",
                    error: Some(
                        Error::Rejected {
                            file: attempt.file.path.clone(),
                            line: None,
                            column: None,
                            reason: format!("has the same bytes as '{first}', which was rejected"),
                        }
                        .to_string(),
                    ),
                    ..attempt.clone()
                },
            })
            .collect();
        let mut failed = None;
        let landed = transaction(con, || {
            let mut statuses = Vec::new();
            for (i, delivery) in deliveries.iter().enumerate() {
                statuses.push(land(con, run.ingestion, delivery).inspect_err(|_| failed = Some(i))?);
            }
            crate::diag::phase("ledger", "");
            for attempt in run.pending.iter().chain(&copied) {
                attempt.record(con, run.ingestion)?;
            }
            crate::diag::phase("commit", "");
            Ok(statuses)
        });
        match (landed, failed) {
            (Ok(_), _) => return Ok(()),
            (Err(e), Some(i)) => {
                let delivery = deliveries.remove(i);
                let reason = format!("cannot land: {}", e.cause());
                let parts = delivery.parts.into_iter().map(|s| s.attempt).chain(delivery.manifest);
                for attempt in parts {
                    let file = attempt.file.path.clone();
                    run.reject(attempt, &Error::Rejected { file, line: None, column: None, reason: reason.clone() })?;
                }
            }
            (Err(e), None) => return Err(e),
        }
    }
}

/// Groups staged files into deliveries: files whose keys overlap land together, in order of arrival.
fn staged_free_deliveries(staged: Vec<Staged>) -> Vec<Delivery> {
    let mut out: Vec<Delivery> = Vec::new();
    for s in staged {
        let (mut joined, rest): (Vec<Delivery>, Vec<Delivery>) =
            out.into_iter().partition(|d| d.parts.iter().any(|p| p.attempt.overlaps(&s.attempt.keys)));
        out = rest;
        let mut parts: Vec<Staged> = joined.drain(..).flat_map(|d| d.parts).collect();
        parts.push(s);
        out.push(Delivery { parts, manifest: None });
    }
    out
}

fn describe_keys(keys: &[Key]) -> String {
    keys.iter()
        .map(|(p, a, d)| format!("{p} billing account {a}, billing period {d}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Manifests beside the data files that the call did not name.
fn discover(con: &Connection, data: &[Found], named: &[(Found, Manifest)]) -> Result<Vec<Found>> {
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

fn list_pattern(con: &Connection, pattern: &str) -> std::result::Result<Vec<Found>, duckdb::Error> {
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
fn list_one(con: &Connection, path: &str) -> std::result::Result<Option<Found>, String> {
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

/// The SHA-256 the ledger holds for this path, size and modification time, if any.
fn known_sha256(con: &Connection, file: &Found) -> Result<Option<String>> {
    let params = duckdb::params![file.path, file.size, micros_timestamp(file.modified)];
    optional(con.query_row(sql::KNOWN_SHA256, params, |r| r.get(0))).context("looking up the file in the ledger")
}

/// Streams the file through DuckDB's file system: its SHA-256, or why it cannot land (unreadable, or binary).
fn hash(caller: &ClientContext, file: &Found) -> Result<String> {
    let reject = |reason: String| Error::Rejected { file: file.path.clone(), line: None, column: None, reason };
    let started = std::time::Instant::now();
    let handle = caller.open(&file.path).map_err(|e| reject(format!("cannot be opened: {e}")))?;
    let d = digest(handle).map_err(|e| reject(format!("cannot be read: {e}")))?;
    crate::diag::note(&format!("hashed {} bytes in {:.3} s {}", d.size, started.elapsed().as_secs_f64(), file.path));
    let compressed = [&[0x1f, 0x8b][..], &[0x28, 0xb5, 0x2f, 0xfd], b"PAR1", b"PK"].iter().any(|m| d.head.starts_with(m));
    if let (Some(at), false) = (d.first_nul, compressed) {
        return Err(reject(format!(
            "has a NUL byte (at byte {at}), which no text export has: the file is binary or corrupt, or not UTF-8 \
             (a UTF-16 export? save it as UTF-8)"
        )));
    }
    Ok(d.sha256)
}

fn micros_timestamp(micros: i64) -> duckdb::types::Value {
    duckdb::types::Value::Timestamp(duckdb::types::TimeUnit::Microsecond, micros)
}

/// Format, keys and rows of an earlier landing of the same bytes (of a manifest when `manifest`).
pub(super) fn landed(con: &Connection, sha: &str, manifest: bool) -> Result<Option<(Option<String>, Vec<Key>, Option<i64>)>> {
    let row: Option<(Option<String>, Option<String>, Option<i64>)> =
        optional(con.query_row(sql::LANDED_SHA256, duckdb::params![sha, manifest], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        }))
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

/// How a file is packed, from its first bytes.
pub(super) enum Container {
    Csv(&'static str),
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
        return Err("is a ZIP archive, which DuckDB cannot read. Choose GZIP (or Parquet) compression in the export's \
                    settings, or unzip the file first"
            .into());
    }
    if head.starts_with(b"PAR1") {
        return Ok(Container::Parquet);
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Ok(Container::Csv("'gzip'"));
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Ok(Container::Csv("'zstd'"));
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
    Ok(Container::Csv("'none'"))
}

/// Whether a staged column name looks like DuckDB's rename of a repeated one (`a_1` beside `a`).
fn renamed(column: &str, columns: &[String]) -> bool {
    column.rsplit_once('_').is_some_and(|(base, n)| {
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && columns.iter().any(|o| o.eq_ignore_ascii_case(base))
    })
}

/// The CSV header line as written.
fn header(con: &Connection, path: &str, compression: &str) -> Result<Vec<String>> {
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

/// DuckDB's error for a CSV file its strict reader refused, as (line, column, message). When the error names no
/// line (DuckDB's sniffer gave up on the file) or the text is not UTF-8, the file is read again with DuckDB's
/// `store_rejects`, which records each bad line and column, and the first one is reported.
pub(super) fn located_csv_error(
    con: &Connection,
    table: &str,
    compression: &str,
    path: &str,
    e: &duckdb::Error,
) -> (Option<u64>, Option<(usize, String)>, String) {
    let (line, message) = csv_error(&db_message(e));
    if line.is_some() && message != NOT_UTF8 {
        return (line, None, message);
    }
    let probe = render(sql::STAGE_CSV_REJECTS, &[("stage", table), ("compression", compression)]);
    let first = con.execute(&probe, [path]).ok().and_then(|_| {
        let query = render(sql::STAGE_CSV_FIRST_REJECT, &[("stage", table)]);
        con.query_row(&query, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?)))
            .ok()
    });
    let _ = con.execute_batch(&format!(
        "DROP TABLE IF EXISTS temp.main.{table}_errors; DROP TABLE IF EXISTS temp.main.{table}_scans"
    ));
    match first {
        Some((line, index, name, kind, text)) => describe_reject(line, index, name, &kind, &text),
        None => (line, None, message),
    }
}

/// One line of DuckDB's reject table, said for a person: a field count that differs from the header's (with the
/// likely cause), a value that is not UTF-8, or DuckDB's own words.
fn describe_reject(line: u64, index: u64, name: String, kind: &str, text: &str) -> (Option<u64>, Option<(usize, String)>, String) {
    let counts: Vec<&str> = text.split(|c: char| !c.is_ascii_digit()).filter(|n| !n.is_empty()).collect();
    let column = Some((index as usize, name)).filter(|(_, name)| !name.is_empty());
    let fields = |found: &str, expected: &str, cause: &str| {
        format!("the line has {found} fields where the header has {expected} ({cause})")
    };
    match (kind, counts.as_slice()) {
        ("TOO MANY COLUMNS", [expected, found]) => (Some(line), None, fields(found, expected, "a value with an unquoted comma?")),
        ("MISSING COLUMNS", [expected, found]) => (Some(line), None, fields(found, expected, "is the line, or the file, cut short?")),
        ("INVALID ENCODING", _) => (Some(line), column, NOT_UTF8.into()),
        _ => (Some(line), column, text.to_string()),
    }
}

/// Reads the file into a staging table and validates it; fills format, keys and rows of the attempt. A file with
/// no line items is an error unless `allow_empty` (a manifest's empty part).
fn stage(
    con: &Connection,
    caller: &ClientContext,
    table: &str,
    lenient: &str,
    attempt: &mut Attempt,
    forced: Option<&str>,
    allow_empty: bool,
) -> Result<(Format, Vec<String>)> {
    let path = attempt.file.path.clone();
    crate::diag::phase("stage", &path);
    let reject = |line: Option<u64>, column: Option<(usize, String)>, reason: String| Error::Rejected {
        file: path.clone(),
        line,
        column,
        reason,
    };
    let mut doubles: Vec<String> = Vec::new();
    if attempt.file.size == 0 {
        return Err(reject(None, None, "is empty (0 bytes)".into()));
    }
    let csv = match container(caller, &path).map_err(|r| reject(None, None, r))? {
        Container::Csv(compression) => {
            let stmt = render(sql::STAGE_CSV, &[("stage", table), ("compression", compression)]);
            if let Err(e) = con.execute(&stmt, [&path]) {
                let stmt = render(sql::STAGE_CSV_LENIENT, &[("stage", lenient), ("compression", compression)]);
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
            Some(compression)
        }
        Container::Parquet => {
            let probe = render(sql::STAGE_PARQUET_SCHEMA, &[("stage", table)]);
            con.execute(&probe, [&path])
                .map_err(|e| reject(None, None, format!("cannot be read as Parquet: {}", db_message(&e))))?;
            let mut exprs = Vec::new();
            let schema = staged_columns(con, table)
                .map_err(|e| reject(None, None, format!("cannot be read as Parquet: {}", e.cause())))?;
            for (name, ty) in schema {
                let c = ident(&name);
                let expr = if ty.starts_with("MAP") || ty.starts_with("STRUCT") || ty.starts_with("UNION") || ty.ends_with(']') {
                    format!("to_json({c})::VARCHAR")
                } else if ty == "DOUBLE" || ty == "FLOAT" {
                    doubles.push(name.clone());
                    format!("{c}::VARCHAR")
                } else if ty == "TIMESTAMP WITH TIME ZONE" {
                    format!("timezone('UTC', {c})::VARCHAR")
                } else {
                    format!("{c}::VARCHAR")
                };
                exprs.push(format!("{expr} AS {c}"));
            }
            if exprs.is_empty() {
                return Err(reject(None, None, "has no columns".into()));
            }
            let stmt = render(sql::STAGE_PARQUET, &[("stage", table), ("columns", &exprs.join(", "))]);
            con.execute(&stmt, [&path])
                .map_err(|e| reject(None, None, format!("cannot be read as Parquet: {}", db_message(&e))))?;
            None
        }
    };
    let parquet = csv.is_none();
    let columns: Vec<String> = staged_columns(con, table)
        .map_err(|e| reject(None, None, format!("cannot be read: {}", e.cause())))?
        .into_iter()
        .map(|c| c.0)
        .collect();
    if columns == ["column0"] && attempt.file.size > 0 {
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
    let Some(format) = pick_format(forced, &columns) else {
        return Err(reject(
            None,
            None,
            format!(
                "is not a billing export cbh knows: no 'lineItem/UnblendedCost' (legacy AWS CUR), \
                 'line_item_unblended_cost' (CUR 2.0, or legacy CUR in Athena/Parquet form) or 'BilledCost' \
                 (FOCUS) column. Columns seen: {}{}",
                format::columns_seen(&columns),
                if metrics::looks_like_metrics(&columns) {
                    ". It looks like a metrics file: ingest it with cbh_ingest(..., kind := 'metrics')"
                } else {
                    ""
                }
            ),
        ));
    };
    attempt.format = Some(format.name().to_string());
    // DuckDB renames a repeated name (`a`, `a_1`): then the header as written says which.
    let header = match csv {
        Some(compression) if columns.iter().any(|c| renamed(c, &columns)) => header(con, &path, compression)?,
        _ => columns.clone(),
    };
    if let Some((first, again)) = format.repeated(&header) {
        let (a, b) = (&header[first - 1], &header[again - 1]);
        let twice = if a == b { format!("'{a}' twice") } else { format!("one column twice, as '{a}' and '{b}'") };
        let reason = format!("the header names {twice} (columns {first} and {again}): which one holds the data?");
        return Err(reject(Some(1), Some((again, b.clone())), reason));
    }
    let name_key = |f: Format| match f {
        Format::Focus => ("BillingAccountId", "BillingPeriodStart"),
        _ => ("bill_payer_account_id", "bill_billing_period_start_date"),
    };
    let (account_col, period_col) = name_key(format);
    if format.resolve(&columns, account_col).is_none() || format.resolve(&columns, period_col).is_none() {
        let missing = format.missing_required(&columns).unwrap_or_default();
        return Err(reject(None, None, no_column(format, &missing, &columns)));
    }
    let (keys, rows) = staged_keys(con, table, format, &columns)?;
    attempt.keys = keys.clone();
    if rows == 0 && !allow_empty {
        return Err(reject(None, None, "has no line items (only a header)".into()));
    }
    if !format.many_keys() {
        let periods = distinct(keys.iter().map(|k| k.2.as_str()));
        let accounts = distinct(keys.iter().map(|k| k.1.as_str()));
        for (what, values) in [("billing periods", periods), ("payer accounts", accounts)] {
            if values.len() > 1 {
                let reason = format!("holds {} {what} ({}); a CUR file covers one", values.len(), values.join(", "));
                attempt.keys.clear();
                return Err(reject(None, None, reason));
            }
        }
    }
    if let Some(missing) = format.missing_required(&columns) {
        return Err(reject(None, None, no_column(format, &missing, &columns)));
    }
    let checks = format.checks(&columns, &doubles);
    let validate = format::first_bad_value_sql(format, table, &checks);
    crate::diag::statement(&validate);
    let first_bad: Option<(i64, i64)> = optional(con.query_row(&validate, [], |r| Ok((r.get(0)?, r.get(1)?))))
        .context("validating a staged file")?;
    if let Some((rowid, index)) = first_bad {
        let check = checks.get(index as usize).ok_or_else(|| Error::Internal(format!("no check {index}")))?;
        let value: Option<String> = con
            .query_row(&render(sql::STAGE_VALUE, &[("stage", table), ("column", &ident(&check.column))]), [rowid], |r| {
                r.get(0)
            })
            .context("reading a rejected value")?;
        let reason = format::reason(check.kind, value.as_deref().unwrap_or_default());
        let column = Some((format::position(&columns, &check.column), check.column.clone()));
        if parquet {
            return Err(reject(None, column, format!("row {}: {reason}", rowid + 1)));
        }
        // Line 1 is the header; record n (rowid n-1) starts on line n+1 when no field holds a line break.
        return Err(reject(Some(rowid as u64 + 2), column, reason));
    }
    attempt.rows = Some(rows);
    Ok((format, columns))
}

fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
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
    format!(
        "has no column '{missing}'. Is this {}? Columns seen: {}",
        format.describe(),
        format::columns_seen(columns)
    )
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
        &[("stage", table), ("provider", &provider), ("account", &account), ("period", &period)],
    );
    let mut s = con.prepare(&stmt).context("summarizing a staged file")?;
    let rows: Vec<(Option<String>, Option<String>, Option<String>, i64)> = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .context("summarizing a staged file")?
        .collect::<std::result::Result<_, _>>()
        .context("summarizing a staged file")?;
    let total = rows.iter().map(|r| r.3).sum();
    let keys = rows.into_iter().filter_map(|(p, a, d, _)| Some((p?, a?, d?))).collect();
    Ok((keys, total))
}

/// Lands one delivery inside the caller's transaction: replaces its keys in every layer, loads Bronze, rebuilds
/// Silver and Gold, records the ledger rows.
fn land(con: &Connection, ingestion: i64, delivery: &Delivery) -> Result<&'static str> {
    let keys = delivery.keys();
    // New Bronze columns first: DuckDB 1.5 cannot commit a transaction that alters a table it deleted from.
    let mut inserts = Vec::new();
    for s in &delivery.parts {
        let table = s.format.bronze_table();
        let mut bronze = promote::bronze_columns(con, s.format)?;
        let mut select = Vec::new();
        for (column, target) in s.format.bronze_targets(&bronze, &s.columns) {
            let target = target.unwrap_or_else(|| column.clone());
            if !bronze.contains(&target) {
                con.execute_batch(&render(sql::BRONZE_ADD_COLUMN, &[("bronze", table), ("column", &ident(&target))]))
                    .context(format!("adding column '{target}' to cbh.{table}"))?;
                bronze.push(target.clone());
            }
            select.push(format!("{} AS {}", ident(&column), ident(&target)));
        }
        // A CUR file holds one key (checked while staging): constants, not an expression per row.
        let [provider, account, period] = match s.attempt.keys.as_slice() {
            [(p, a, d)] if !s.format.many_keys() => [literal(p), literal(a), format!("DATE {}", literal(d))],
            _ => s.format.key_expressions(&s.columns),
        };
        inserts.push(render(
            sql::BRONZE_INSERT,
            &[
                ("bronze", table),
                ("stage", &s.table),
                ("provider", &provider),
                ("account", &account),
                ("period", &period),
                ("columns", &select.join(", ")),
            ],
        ));
    }
    let mut existed = false;
    for (provider, account, period) in &keys {
        let params: [&dyn duckdb::ToSql; 3] = [provider, account, period];
        let exists: bool = con.query_row(sql::PERIOD_EXISTS, params, |r| r.get(0)).context("looking up the period")?;
        if exists {
            existed = true;
            run_file(con, sql::PERIOD_DELETE, &params, "removing the previous delivery")?;
        }
    }
    for (s, insert) in delivery.parts.iter().zip(&inserts) {
        crate::diag::phase("bronze", &s.attempt.file.path);
        con.execute(insert, duckdb::params![ingestion, s.attempt.file.path])
            .context(format!("loading '{}' into Bronze", s.attempt.file.path))?;
    }
    for key in &keys {
        promote::promote(con, key)?;
    }
    let status = if existed { "replaced" } else { "ingested" };
    for s in &delivery.parts {
        Attempt { status, ..s.attempt.clone() }.record(con, ingestion)?;
    }
    if let Some(m) = &delivery.manifest {
        Attempt { status, keys: keys.clone(), ..m.clone() }.record(con, ingestion)?;
    }
    Ok(status)
}
