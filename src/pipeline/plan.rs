//! The delivery planner: pure decisions over facts about the call's files (no DuckDB, no I/O), so that they can be
//! property-tested (tests/properties.rs). `ingest.rs` gathers the facts and carries the decisions out.
//!
//! - Of several manifests of one report and period, the newest is the delivery; the others are superseded.
//! - Files that no manifest claims land in groups: files whose delivery keys overlap land together, whole.
//! - A group does not land when a file of it (or of its keys) was rejected, when it holds one billing period in two
//!   formats, or when a manifest of the call speaks for its keys.

use super::Key;

/// A manifest as the planner sees it: its report's name, its period (if it names one), when it was written, its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestFacts {
    pub name: String,
    pub period: Option<String>,
    pub modified: i64,
    pub path: String,
}

/// For each manifest (in the order given), the newer manifest of the same report and period that supersedes it, if
/// any. Manifests with no report name are never superseded. Of equally new ones the first given wins.
pub fn superseded(manifests: &[ManifestFacts]) -> Vec<Option<String>> {
    let mut order: Vec<usize> = (0..manifests.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(manifests[i].modified)); // stable: ties keep the given order
    let mut out = vec![None; manifests.len()];
    let mut seen: Vec<usize> = Vec::new();
    for i in order {
        let m = &manifests[i];
        let newer = seen.iter().map(|&j| &manifests[j]).find(|n| n.name == m.name && n.period == m.period);
        match newer {
            Some(n) if !m.name.is_empty() => out[i] = Some(n.path.clone()),
            _ => seen.push(i),
        }
    }
    out
}

/// Groups files (by their delivery keys, in the call's order) into deliveries: files whose keys overlap, directly or
/// through other files, are one delivery. Returns the indexes of each group, in order of arrival of its last file.
pub fn group(keys: &[Vec<Key>]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let (joined, rest): (Vec<Vec<usize>>, Vec<Vec<usize>>) =
            out.into_iter().partition(|g| g.iter().any(|&j| keys[j].iter().any(|x| k.contains(x))));
        out = rest;
        let mut merged: Vec<usize> = joined.into_iter().flatten().collect();
        merged.push(i);
        merged.sort_unstable();
        out.push(merged);
    }
    out
}

/// Why a group of files does not land, or that it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It lands.
    Land,
    /// A file of the same keys (named) was rejected: a delivery lands whole or not at all.
    RejectedSibling(String),
    /// It holds one billing period in two formats (the first and last named): the bill would count twice.
    TwoFormats(String, String),
    /// A manifest of the call (named) speaks for its keys, and does not list these files.
    NotInManifest(String),
}

/// The verdict on a group with `keys` whose files have `formats`, given the call's rejected files (keys, path) and
/// the keys its manifests speak for (key, manifest).
pub fn judge(
    keys: &[Key],
    formats: &[&str],
    rejected: &[(Vec<Key>, String)],
    manifest_keys: &[(Key, String)],
) -> Verdict {
    if let Some((_, path)) = rejected.iter().find(|(k, _)| k.iter().any(|k| keys.contains(k))) {
        return Verdict::RejectedSibling(path.clone());
    }
    let mut distinct: Vec<&str> = formats.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if let [first, .., last] = distinct.as_slice() {
        return Verdict::TwoFormats(first.to_string(), last.to_string());
    }
    if let Some((_, m)) = manifest_keys.iter().find(|(k, _)| keys.contains(k)) {
        return Verdict::NotInManifest(m.clone());
    }
    Verdict::Land
}
