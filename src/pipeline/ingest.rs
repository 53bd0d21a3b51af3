//! `cbh_ingest`: fingerprint, stage and validate each file, then land each delivery atomically in Bronze, Silver
//! and Gold, recording every attempt in the ledger.
//!
//! A delivery is the file set of a manifest (named in the call or found beside its data files), or else the files
//! of one call that share a delivery key (provider, billing account, billing period). A delivery replaces the keys
//! it covers as a whole, and lands whole or not at all.

use std::collections::{HashMap, HashSet};

use duckdb::Connection;

use super::bronze::Loads;
use super::discover::{self, check_path, Found};
use super::land::{land, Delivery, Staged};
use super::ledger::{known_sha256, landed, Attempt, Status};
use super::manifest::{self, Manifest};
use super::run::Run;
use super::stage::Stages;
use super::{ensure_warehouse, plan, Key};
use crate::capi::context::ClientContext;
use crate::error::{Context, Error, Result};
use crate::sql;

/// Ingests the files `patterns` match; returns the ingestion id (its ledger rows are the call's output).
/// `forced` names the format when detection should not decide.
/// `force` lands every file again, even bytes that landed before.
pub fn ingest(
    con: &Connection,
    caller: &ClientContext,
    patterns: &[String],
    forced: Option<&str>,
    force: bool,
) -> Result<i64> {
    ensure_warehouse(con)?;
    crate::diag::phase("list", &patterns.join(", "));
    let files = discover::list(con, patterns)?;
    let ingestion: i64 = con.query_row(sql::NEXT_INGESTION, [], |r| r.get(0)).context("starting the ingestion")?;
    let mut run = Run {
        con,
        caller,
        ingestion,
        forced: forced.map(str::to_string),
        loads: Loads::new(con),
        stages: Stages { con, tables: Vec::new() },
        rejected: Vec::new(),
        outcomes: HashMap::new(),
        manifest_keys: Vec::new(),
        pending: Vec::new(),
    };
    let (noise, files): (Vec<Found>, Vec<Found>) =
        files.into_iter().partition(|f| discover::companion(&f.path).is_some());
    for f in noise {
        let note = discover::companion(&f.path).map(str::to_string);
        run.skip(Attempt::new(f), note)?;
    }
    let (named, data): (Vec<Found>, Vec<Found>) = files.into_iter().partition(|f| manifest::is_manifest(&f.path));

    // Manifests: those the call names, and those found beside its data files that list one of them.
    let mut manifests: Vec<(Found, Manifest)> = Vec::new();
    for found in named {
        match manifest::read(con, &found.path) {
            Ok(m) => manifests.push((found, m)),
            Err(e) => run.reject(Attempt::new(found), &e)?,
        }
    }
    for found in discover::discover(con, &data, &manifests)? {
        if let Ok(m) = manifest::read(con, &found.path) {
            if data.iter().any(|d| m.lists(&d.path)) {
                manifests.push((found, m));
            }
        }
    }
    // Of several manifests of one report and period, the newest is the delivery; the others are out of date.
    manifests.sort_by_key(|(f, _)| std::cmp::Reverse(f.modified));
    let facts: Vec<plan::ManifestFacts> = manifests
        .iter()
        .map(|(f, m)| plan::ManifestFacts {
            name: m.name.clone(),
            period: m.period.clone(),
            modified: f.modified,
            path: m.path.clone(),
        })
        .collect();
    let mut deliveries: Vec<Delivery> = Vec::new();
    let mut claimed: HashSet<String> = HashSet::new();
    for ((found, m), newer) in manifests.into_iter().zip(plan::superseded(&facts)) {
        if let Some(newer) = newer {
            let note = format!("superseded by the newer manifest '{newer}' of the same report and period");
            let mut a = Attempt::new(found);
            a.format = Some("manifest".into());
            run.skip(a, Some(note))?;
            continue;
        }
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
        super::check_interrupt()?;
        let mut attempt = Attempt::new(file);
        // New bytes are hashed on a second thread while DuckDB stages them; the staging is kept if they are new.
        let (sha, speculative) = match check_path(&attempt.file.path).and_then(|()| known_sha256(con, &attempt.file)) {
            Err(e) => (Err(e), None),
            Ok(Some(sha)) => (Ok(sha), None),
            Ok(None) => {
                crate::diag::phase("hash", &attempt.file.path);
                let file = attempt.file.clone();
                std::thread::scope(|scope| {
                    let call = crate::capi::interrupt::current();
                    let hashing = scope.spawn(move || {
                        let _call = crate::capi::interrupt::adopt(call);
                        discover::hash(caller, &file)
                    });
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
            Err(refused) => {
                let (attempt, e) = *refused;
                run.reject(Attempt { sha256: Some(sha), ..attempt }, &e)?
            }
        }
    }
    // Bytes that landed before change nothing, unless new files of the same delivery arrive with them (a revised
    // report in which only some parts changed), or the call brings another set of files for a delivery than the
    // one that holds it (parts that came in two calls, the first replaced by the second), or `force`. Then they
    // land again with the rest of the delivery, whole.
    let again = super::live::reland(con, &landed_before, force)?;
    for attempt in landed_before {
        super::check_interrupt()?;
        let (lands, note) = again
            .iter()
            .find(|(path, _, _)| path == &attempt.file.path)
            .map_or((false, None), |(_, lands, note)| (*lands, note.clone()));
        let with_new = staged.iter().any(|s| attempt.overlaps(&s.attempt.keys));
        let attempt = Attempt { note: if with_new && !lands { None } else { note }, again: lands && !force, ..attempt };
        if lands || with_new {
            match run.stage(attempt, false) {
                Ok(s) => staged.push(s),
                Err(refused) => run.reject(refused.0, &refused.1)?,
            }
        } else {
            run.skip(attempt, None)?;
        }
    }
    // A delivery lands whole or not at all: files whose sibling was rejected do not land alone; a manifest's
    // delivery is the whole truth for the keys it covers.
    for s in free_deliveries(staged) {
        let keys = s.keys();
        // Landed bytes alone, brought again with others: parts, unless two of them hold the same line items (an old
        // and a revised version side by side, of which the live delivery is the newer): then nothing changes.
        let versions = s.parts.iter().all(|p| p.attempt.again).then(|| super::live::versions(con, &s.parts)).flatten();
        if let Some((a, b)) = versions {
            let note = format!(
                "not landed again: '{a}' and '{b}' hold the same line items, so they are two versions of one report, \
                 not parts of it; the period keeps the delivery that holds it (force := true lands them anyway)"
            );
            for part in s.parts {
                run.skip(part.attempt, Some(note.clone()))?;
            }
            continue;
        }
        let formats: Vec<&str> = s.parts.iter().map(|p| p.format.name()).collect();
        match plan::judge(&keys, &formats, &run.rejected, &run.manifest_keys) {
            plan::Verdict::Land => deliveries.push(s),
            plan::Verdict::RejectedSibling(sibling) => {
                let reason = format!(
                    "not landed: '{sibling}', of the same delivery ({}), was rejected, and a delivery lands whole \
                     or not at all",
                    describe_keys(&keys)
                );
                for part in s.parts {
                    let file = part.attempt.file.path.clone();
                    let e = Error::Rejected { file, line: None, column: None, reason: reason.clone() };
                    run.reject(part.attempt, &e)?;
                }
            }
            plan::Verdict::TwoFormats(first, last) => {
                // Two exports of the same bill (say CUR and FOCUS) in one call would count it twice.
                let reason = format!(
                    "not landed: the call holds the same billing period in two formats ('{first}' and '{last}') for \
                     {}; ingest one export per billing account and period",
                    describe_keys(&keys)
                );
                for part in s.parts {
                    let file = part.attempt.file.path.clone();
                    let e = Error::Rejected { file, line: None, column: None, reason: reason.clone() };
                    run.reject(part.attempt, &e)?;
                }
            }
            plan::Verdict::NotInManifest(m) => {
                let note = format!("not listed in manifest '{m}', whose delivery is the one for this period");
                for part in s.parts {
                    run.skip(part.attempt, Some(note.clone()))?;
                }
            }
        }
    }
    commit(&mut run, deliveries, copies)?;
    Ok(ingestion)
}

/// Lands every delivery and writes every ledger row of the call in one transaction (the one its files were read into
/// Bronze in), so that a crash leaves the warehouse as it was before the call or as it is after it. A delivery that
/// fails to land is rejected and the rest are tried again without it.
fn commit(run: &mut Run, mut deliveries: Vec<Delivery>, copies: Vec<(Attempt, String)>) -> Result<()> {
    let con = run.con;
    loop {
        // The same bytes twice in one call: the copy follows the first file's fate.
        let first_fate = |path: &str| -> Option<Attempt> {
            let landing = deliveries.iter().flat_map(|d| &d.parts).find(|s| s.attempt.file.path == path);
            match landing {
                Some(s) => Some(Attempt { status: Status::Ingested, ..s.attempt.clone() }),
                None => run.outcomes.get(path).cloned(),
            }
        };
        let copied: Vec<Attempt> = copies
            .iter()
            .map(|(attempt, first)| match first_fate(first) {
                Some(o) if o.status != Status::Rejected => Attempt {
                    status: Status::Skipped,
                    error: None,
                    format: o.format,
                    keys: o.keys,
                    rows: o.rows,
                    ..attempt.clone()
                },
                _ => Attempt {
                    status: Status::Rejected,
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
        super::check_interrupt()?;
        // Only the files that land stay in Bronze: those of deliveries that do not are taken out.
        let landing: HashSet<&str> =
            deliveries.iter().flat_map(|d| &d.parts).map(|s| s.attempt.file.path.as_str()).collect();
        run.loads.retain(|p| landing.contains(p));
        run.loads.open()?;
        let landed = (|| {
            for (i, delivery) in deliveries.iter().enumerate() {
                super::check_interrupt()?;
                land(con, run.ingestion, delivery).inspect_err(|_| failed = Some(i))?;
            }
            crate::diag::phase("ledger", "");
            for attempt in run.pending.iter().chain(&copied) {
                attempt.record(con, run.ingestion)?;
            }
            crate::diag::phase("commit", "");
            run.loads.commit()
        })();
        match (landed, failed) {
            (Ok(()), _) => return Ok(()),
            (Err(e), Some(i)) => {
                run.loads.abandon();
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

fn describe_keys(keys: &[Key]) -> String {
    keys.iter().map(Key::words).collect::<Vec<_>>().join("; ")
}

/// Groups staged files into deliveries (plan::group): files whose keys overlap land together, in order of arrival.
fn free_deliveries(staged: Vec<Staged>) -> Vec<Delivery> {
    let keys: Vec<Vec<Key>> = staged.iter().map(|s| s.attempt.keys.clone()).collect();
    let mut slots: Vec<Option<Staged>> = staged.into_iter().map(Some).collect();
    plan::group(&keys)
        .into_iter()
        .map(|g| Delivery { parts: g.into_iter().filter_map(|i| slots[i].take()).collect(), manifest: None })
        .collect()
}
