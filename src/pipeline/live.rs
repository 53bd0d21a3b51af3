//! What holds a delivery key now, and what the user is told when a call changes it: a replacement names what it
//! replaced; files that land together without a manifest are named, and two versions of one report among them
//! (the same line items twice) are pointed out, since cbh cannot tell a second part from a revision by itself.

use std::collections::HashSet;

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;

use super::land::Staged;
use super::ledger::{Attempt, Status};
use super::{report, Key};
use crate::error::{Context, Error, Result};
use crate::sql::{self, ident, render, Sql};

/// The data files that landed a key, by the latest ingestion that landed it.
pub(super) struct Live {
    pub(super) ingestion: i64,
    /// (file, sha256, rows)
    pub(super) files: Vec<(String, Option<String>, Option<i64>)>,
}

/// The delivery that holds `key` now, if any.
pub(super) fn live(con: &Connection, key: &Key) -> Result<Option<Live>> {
    let mut stmt = con.prepare(sql::LIVE_DELIVERY).context("looking up the delivery of the period")?;
    let rows = stmt
        .query_map(key.params(), |r| Ok((r.get::<_, i64>(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))
        .context("looking up the delivery of the period")?
        .collect::<std::result::Result<Vec<_>, _>>()
        .context("looking up the delivery of the period")?;
    let ingestion = match rows.first() {
        Some((i, _)) => *i,
        None => return Ok(None),
    };
    Ok(Some(Live { ingestion, files: rows.into_iter().map(|(_, f)| f).collect() }))
}

/// A key as the notes say it: `AWS billing account 123 billing period 2024-09-01`.
fn spoken(key: &Key) -> String {
    format!("{} billing account {} billing period {}", key.provider, key.billing_account, key.billing_period)
}

/// Says what a landing replaced, and how to land parts together when it was not a revision.
pub(super) fn replaced_note(key: &Key, old: &Live, now: &[&str]) -> String {
    let files: Vec<&str> = old.files.iter().map(|(f, _, _)| f.as_str()).collect();
    let rows: i64 = old.files.iter().filter_map(|(_, _, r)| *r).sum();
    let quoted = |fs: &[&str]| fs.iter().map(|f| format!("'{f}'")).collect::<Vec<_>>().join(", ");
    let mut note = format!(
        "replaced {}: ingestion {} had landed it from {} ({rows} rows)",
        spoken(key),
        old.ingestion,
        quoted(&files)
    );
    let gone: Vec<&str> = files.iter().copied().filter(|f| !now.contains(f)).collect();
    if !gone.is_empty() {
        let mut all: Vec<&str> = now.to_vec();
        all.extend(&gone);
        note.push_str(&format!(
            ". If this is a revised bill, that is right; if the files are parts of one delivery, land them together: \
             SELECT * FROM cbh_ingest([{}])",
            quoted(&all)
        ));
    }
    note
}

/// The note for each part of a delivery of several files that no manifest lists, if it is needed.
pub(super) fn together_note(con: &Connection, parts: &[Staged], keys: &[Key]) -> Option<String> {
    if parts.len() < 2 {
        return None;
    }
    let names = parts.iter().map(|p| format!("'{}'", p.attempt.file.path)).collect::<Vec<_>>().join(", ");
    let what = keys.iter().map(spoken).collect::<Vec<_>>();
    for (i, a) in parts.iter().enumerate() {
        for b in &parts[i + 1..] {
            if let Some(n) = shared_line_items(con, a, b).filter(|n| *n > 0) {
                return Some(format!(
                    "'{}' and '{}' hold {n} of the same line items (identity/LineItemId and time interval): they look \
                     like two versions of one report, and landed together they count those line items twice. \
                     Ingest only the newest version, e.g. SELECT * FROM cbh_ingest('<newest file>', force := true)",
                    a.attempt.file.path, b.attempt.file.path
                ));
            }
        }
    }
    Some(format!(
        "{names} landed together as one delivery of {} (no manifest names them): cbh takes files of one billing \
         period and account in one call as parts of one report; if one is a revision of another, ingest only the newest",
        what.join("; ")
    ))
}

/// The first two parts that hold the same line items (two versions of one report), if any.
pub(super) fn versions(con: &Connection, parts: &[Staged]) -> Option<(String, String)> {
    parts.iter().enumerate().find_map(|(i, a)| {
        parts[i + 1..]
            .iter()
            .find(|b| shared_line_items(con, a, b).is_some_and(|n| n > 0))
            .map(|b| (a.attempt.file.path.clone(), b.attempt.file.path.clone()))
    })
}

/// Line items two CUR parts share (by line item id and time interval), where both have those columns.
fn shared_line_items(con: &Connection, a: &Staged, b: &Staged) -> Option<i64> {
    let pick = |s: &Staged, names: &[&str]| {
        s.columns.iter().find(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n))).map(|c| ident(c))
    };
    const ID: &[&str] = &["identity/LineItemId", "identity_line_item_id"];
    const INTERVAL: &[&str] = &["identity/TimeInterval", "identity_time_interval"];
    let interval = |s: &Staged| pick(s, INTERVAL).unwrap_or(Sql::raw_static("NULL"));
    let query = render(
        sql::STAGE_SHARED_LINE_ITEMS,
        &[
            ("a", &ident(&a.table)),
            ("b", &ident(&b.table)),
            ("a_id", &pick(a, ID)?),
            ("b_id", &pick(b, ID)?),
            ("a_interval", &interval(a)),
            ("b_interval", &interval(b)),
        ],
    );
    con.query_row(&query, [], |r| r.get(0)).ok()
}

/// `cbh_forget`: removes the matching periods from every layer and marks their landings forgotten, in one
/// transaction; the periods removed, or an error when none matches.
pub fn forget(
    con: &Connection,
    period: &str,
    account: Option<&str>,
    provider: Option<&str>,
) -> Result<Vec<RecordBatch>> {
    let params: [&dyn duckdb::ToSql; 3] = [&period, &account, &provider];
    let mut stmt = con.prepare(sql::FORGET_KEYS).context("finding the periods to forget")?;
    let keys = stmt
        .query_map(params, |r| Ok(Key::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        .and_then(|rows| rows.collect::<std::result::Result<Vec<Key>, _>>())
        .context("finding the periods to forget")?;
    if keys.is_empty() {
        return Err(Error::Usage(format!(
            "cbh_forget: the warehouse holds no bill for billing period {}{}{}; cbh_status() and cbh.periods list \
             what it holds",
            &period[..7],
            account.map(|a| format!(", billing account {a}")).unwrap_or_default(),
            provider.map(|p| format!(", provider {p}")).unwrap_or_default()
        )));
    }
    let keys_query = Sql::raw_static(sql::FORGET_KEYS.trim().trim_end_matches(';'));
    let out = report::query(
        con,
        &render(sql::FORGET_REPORT, &[("keys", &keys_query)]),
        &[&period, &account, &provider, &Status::Forgotten.as_str()],
        "listing the periods to forget",
    )?;
    super::final_transaction(con, || {
        for k in &keys {
            let key = k.params();
            let [p, a, d] = key;
            super::run_file(con, sql::FORGET, &key, "marking the period forgotten in the ledger")?;
            super::run_file(con, sql::PERIOD_DELETE, &key, "removing the period")?;
            let all: [&dyn duckdb::ToSql; 4] = [p, a, d, &-1i64];
            super::run_file(con, sql::BRONZE_DELETE, &all, "removing the period")?;
        }
        Ok(())
    })?;
    Ok(out)
}

/// What becomes of files whose bytes landed before: (path, lands again, note). All land again with `force`. Else
/// those of a key land again when the call brings every file of the delivery that holds it and more (its parts
/// came in two calls, and the second replaced the first); a file that no longer holds its key is skipped with a
/// note saying what replaced it (re-dropping an old version never undoes a revision).
pub(super) fn reland(
    con: &Connection,
    landed_before: &[Attempt],
    force: bool,
) -> Result<Vec<(String, bool, Option<String>)>> {
    if force {
        let note = "landed again: force := true".to_string();
        return Ok(landed_before.iter().map(|a| (a.file.path.clone(), true, Some(note.clone()))).collect());
    }
    let mut out: Vec<(String, bool, Option<String>)> = Vec::new();
    let mut keys: Vec<&Key> = landed_before.iter().flat_map(|a| &a.keys).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let Some(live) = super::live::live(con, key)? else { continue };
        let holds: HashSet<&str> = live.files.iter().filter_map(|(_, sha, _)| sha.as_deref()).collect();
        let brought: Vec<&Attempt> = landed_before.iter().filter(|a| a.keys.contains(key)).collect();
        let shas: HashSet<&str> = brought.iter().filter_map(|a| a.sha256.as_deref()).collect();
        let what = spoken(key);
        let held_by = || live.files.iter().map(|(f, _, _)| format!("'{f}'")).collect::<Vec<_>>().join(", ");
        let (again, note) = if holds.iter().all(|s| shas.contains(s)) && shas.len() > holds.len() {
            let note = format!(
                "landed again: ingestion {} held {what} from {} only; this call brings those files and more, so \
                 they land together as its delivery, whole",
                live.ingestion,
                held_by()
            );
            (true, Some(note))
        } else {
            (false, None)
        };
        for a in brought {
            let stale = !a.sha256.as_deref().is_some_and(|s| holds.contains(s));
            let note = note.clone().or_else(|| {
                stale.then(|| {
                    format!(
                        "these bytes landed before, but ingestion {} has since replaced {what} with {}; to land this \
                         file again anyway: force := true",
                        live.ingestion,
                        held_by()
                    )
                })
            });
            if !out.iter().any(|(p, _, _)| p == &a.file.path) {
                out.push((a.file.path.clone(), again, note));
            }
        }
    }
    Ok(out)
}
