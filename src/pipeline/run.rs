//! One `cbh_ingest` call's progress: its staging tables, the outcome of each file, and the ledger rows it writes
//! when it commits; staging, fingerprinting and a manifest's delivery, as steps of the call.

use std::collections::HashMap;

use duckdb::Connection;

use super::bronze::Loads;
use super::discover::{check_path, fingerprint, list_one, Found};
use super::land::{Delivery, Staged};
use super::ledger::{landed, Attempt, Status};
use super::manifest::Manifest;
use super::stage::{stage, Stages};
use super::Key;
use crate::capi::context::ClientContext;
use crate::error::{Error, Result};

/// One call's progress.
pub(super) struct Run<'a> {
    pub(super) con: &'a Connection,
    pub(super) caller: &'a ClientContext,
    pub(super) ingestion: i64,
    pub(super) forced: Option<String>,
    /// The call's transaction and the files read into Bronze in it; dropped (rolled back) before the staging
    /// tables, so that their drops are not rolled back with it.
    pub(super) loads: Loads<'a>,
    pub(super) stages: Stages<'a>,
    /// Keys of rejected files (their deliveries do not land).
    pub(super) rejected: Vec<(Vec<Key>, String)>,
    /// Final attempt of each file, by path.
    pub(super) outcomes: HashMap<String, Attempt>,
    /// Keys a manifest of this call speaks for (landing now or unchanged since it landed), with the manifest.
    pub(super) manifest_keys: Vec<(Key, String)>,
    /// Ledger rows of skipped and rejected files, written in the transaction that lands the call's deliveries.
    pub(super) pending: Vec<Attempt>,
}

impl<'a> Run<'a> {
    pub(super) fn record(&mut self, attempt: Attempt) -> Result<()> {
        self.outcomes.insert(attempt.file.path.clone(), attempt.clone());
        self.pending.push(attempt);
        Ok(())
    }

    /// Records a file that cannot land, with its error; a file that is not a bill (`Error::NotABill`) is
    /// recorded as skipped, with the error's note.
    pub(super) fn reject(&mut self, mut attempt: Attempt, e: &Error) -> Result<()> {
        if let Error::NotABill(note) = e {
            return self.skip(attempt, Some(note.clone()));
        }
        if !attempt.keys.is_empty() {
            self.rejected.push((attempt.keys.clone(), attempt.file.path.clone()));
        }
        attempt.status = Status::Rejected;
        attempt.error = Some(e.to_string());
        self.record(attempt)
    }

    pub(super) fn skip(&mut self, mut attempt: Attempt, note: Option<String>) -> Result<()> {
        attempt.status = Status::Skipped;
        attempt.note = note.or(attempt.note);
        self.record(attempt)
    }

    pub(super) fn table(&mut self) -> String {
        let table = format!("cbh_stage_{}_{}", self.ingestion, self.stages.tables.len());
        self.stages.tables.push(table.clone());
        table
    }

    /// Stages and validates a file.
    pub(super) fn stage(
        &mut self,
        mut attempt: Attempt,
        allow_empty: bool,
    ) -> std::result::Result<Staged, Box<(Attempt, Error)>> {
        let table = self.table();
        let lenient = self.table();
        let forced = self.forced.as_deref();
        match stage(&mut self.loads, self.caller, self.ingestion, &table, &lenient, &mut attempt, forced, allow_empty) {
            Ok((format, columns, names, rows)) => Ok(Staged { attempt, format, table, columns, names, rows }),
            Err(e) => Err(Box::new((attempt, e))),
        }
    }

    /// The file's fingerprint, or its rejection recorded.
    pub(super) fn fingerprint(&mut self, attempt: &mut Attempt) -> Result<bool> {
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
    pub(super) fn fingerprint_all(&mut self, attempts: &mut [Attempt]) -> Result<Option<String>> {
        for a in attempts.iter_mut() {
            if !self.fingerprint(a)? {
                return Ok(Some(a.file.path.clone()));
            }
        }
        Ok(None)
    }

    /// A manifest's delivery: every file it lists, staged, or the reason it cannot land (recorded).
    pub(super) fn manifest_delivery(&mut self, found: Found, m: Manifest, call: &[Found]) -> Result<Option<Delivery>> {
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
                Err(refused) => {
                    let (attempt, e) = *refused;
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
