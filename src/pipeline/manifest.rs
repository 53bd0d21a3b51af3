//! Delivery manifests: the legacy CUR `<report>-Manifest.json` (`reportKeys`, S3 keys) and the Data Exports
//! (CUR 2.0, FOCUS) `metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json` (`dataFiles`, S3 URIs). DuckDB parses
//! the JSON; this module finds manifests beside data files and maps the S3 names they list to the local copies.

use duckdb::types::Value;
use duckdb::Connection;

use crate::error::{db_message, Error, Result};
use crate::sql;

/// A manifest, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Where it is.
    pub path: String,
    /// Report or export name.
    pub name: String,
    /// Billing period start (`YYYY-MM-DD`), if stated.
    pub period: Option<String>,
    /// The data files it lists, as listed.
    pub listed: Vec<String>,
    /// For each listed file, where its local copy may be, most likely first.
    pub files: Vec<Vec<String>>,
}

impl Manifest {
    /// Whether the manifest lists the file at `path`.
    pub fn lists(&self, path: &str) -> bool {
        self.files.iter().any(|c| c.iter().any(|p| p == path))
    }
}

/// Whether a path names a manifest (`...Manifest.json`, any case).
pub fn is_manifest(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with("manifest.json")
}

/// Reads a manifest through DuckDB (so DuckDB's file access rules apply).
pub fn read(con: &Connection, path: &str) -> Result<Manifest> {
    let reject = |reason: String| Error::Rejected { file: path.to_string(), line: None, column: None, reason };
    let row: (Option<String>, Option<String>, Value) = con
        .query_row(sql::MANIFEST_READ, [path], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(|e| reject(format!("cannot be read as a billing export manifest: {}", db_message(&e))))?;
    let keys = listed(&row.2);
    if keys.is_empty() {
        return Err(reject(
            "is not a billing export manifest: it lists no data files (no 'reportKeys' or 'dataFiles')".into(),
        ));
    }
    Ok(Manifest {
        path: path.to_string(),
        name: row.0.unwrap_or_default(),
        period: row.1,
        listed: keys.clone(),
        files: keys.iter().map(|k| resolve(path, k)).collect(),
    })
}

/// The names a manifest lists, as `manifest_read.sql` reads them (a list of text): empty names and nulls left out.
fn listed(files: &Value) -> Vec<String> {
    let Value::List(items) = files else { return Vec::new() };
    let name = |v: &Value| match v {
        Value::Text(t) if !t.is_empty() => Some(t.clone()),
        _ => None,
    };
    items.iter().filter_map(name).collect()
}

/// Globs where a manifest for `data_file` would be: its folder and the one above (legacy CUR, with or without an
/// assembly folder), and the `metadata/` twin of a Data Exports `data/` folder.
pub fn beside(data_file: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some((dir, _)) = data_file.rsplit_once('/') else {
        return vec!["*Manifest.json".into()];
    };
    out.push(format!("{dir}/*Manifest.json"));
    if let Some((parent, _)) = dir.rsplit_once('/') {
        if !parent.is_empty() && !parent.ends_with(':') && !parent.ends_with("//") {
            out.push(format!("{parent}/*Manifest.json"));
        }
    }
    let folder = format!("{dir}/");
    if let Some(i) = folder.rfind("/data/") {
        out.push(format!("{}/metadata/{}*Manifest.json", &folder[..i], &folder[i + "/data/".len()..]));
    }
    out
}

/// Where the local copy of a file a manifest lists may be, most likely first. The listed name is an S3 key or URI
/// (`prefix/report/20240901-20241001/<assembly>/report-1.csv.gz`,
/// `s3://bucket/prefix/export/data/BILLING_PERIOD=2024-09/export-00001.snappy.parquet`); a copy keeps the tail of
/// that layout. Each folder above the manifest whose name appears in the listed name anchors a candidate (nearest
/// first); beside the manifest comes last, if no folder put it earlier. A key with a `.` or `..` folder is looked
/// for only beside the manifest (so no candidate climbs out of the folder that anchors it), and one whose last
/// segment is not a file name (`.`, `..`, none) only as listed.
pub fn resolve(manifest: &str, listed: &str) -> Vec<String> {
    let key = match listed.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map_or("", |(_, key)| key),
        None => listed,
    };
    let parts: Vec<&str> = key.split('/').filter(|p| !p.is_empty()).collect();
    let dir = manifest.rsplit_once('/').map_or("", |(d, _)| d);
    let dot = |p: &&str| *p == "." || *p == "..";
    let Some((file, folders)) = parts.split_last().filter(|(file, _)| !dot(file)) else {
        return vec![listed.to_string()];
    };
    let folders = if folders.iter().any(dot) { &[][..] } else { folders };
    let mut out: Vec<String> = Vec::new();
    let mut ancestor = dir;
    loop {
        let name = ancestor.rsplit_once('/').map_or(ancestor, |(_, n)| n);
        if name.is_empty() || name == "." || name == ".." || name.ends_with(':') {
            break;
        }
        for (i, _) in folders.iter().enumerate().rev().filter(|(_, f)| **f == name) {
            let candidate = format!("{ancestor}/{}", parts[i + 1..].join("/"));
            if !out.contains(&candidate) {
                out.push(candidate);
            }
        }
        match ancestor.rsplit_once('/') {
            Some((up, _)) => ancestor = up,
            None => break,
        }
    }
    let beside = if dir.is_empty() { file.to_string() } else { format!("{dir}/{file}") };
    if !out.contains(&beside) {
        out.push(beside);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_names_stay_whole_whatever_they_hold() {
        let text = |t: &str| Value::Text(t.to_string());
        let files = Value::List(vec![text("a\u{1e}b.csv"), Value::Null, text(""), text("c\u{1f}.csv")]);
        assert_eq!(listed(&files), vec!["a\u{1e}b.csv".to_string(), "c\u{1f}.csv".to_string()]);
        assert!(listed(&Value::Null).is_empty());
    }

    #[test]
    fn legacy_keys_resolve_under_the_period_folder() {
        let m = "landing/cur/prefix/rep/20240901-20241001/rep-Manifest.json";
        let k = "prefix/rep/20240901-20241001/abc-123/rep-00001.csv.gz";
        assert_eq!(resolve(m, k)[0], "landing/cur/prefix/rep/20240901-20241001/abc-123/rep-00001.csv.gz");
    }

    #[test]
    fn data_exports_uris_resolve_through_the_export_folder() {
        let m = "/x/exp/metadata/BILLING_PERIOD=2024-09/exp-Manifest.json";
        let k = "s3://bucket/prefix/exp/data/BILLING_PERIOD=2024-09/exp-00001.snappy.parquet";
        let candidates = resolve(m, k);
        assert!(candidates.contains(&"/x/exp/data/BILLING_PERIOD=2024-09/exp-00001.snappy.parquet".to_string()));
        assert!(candidates.contains(&"/x/exp/metadata/BILLING_PERIOD=2024-09/exp-00001.snappy.parquet".to_string()));
    }

    #[test]
    fn unrelated_layouts_fall_back_to_beside_the_manifest() {
        assert_eq!(resolve("flat/r-Manifest.json", "a/b/c/r-1.csv.gz"), vec!["flat/r-1.csv.gz"]);
        assert_eq!(resolve("r-Manifest.json", "s3://b/a/r-1.csv.gz"), vec!["r-1.csv.gz"]);
        assert_eq!(resolve("s3://b/p/m/x-Manifest.json", "s3://b/p/d/x-1.csv")[0], "s3://b/p/d/x-1.csv");
    }

    #[test]
    fn dot_folders_are_not_followed() {
        let m = "landing/cur/rep/20240901-20241001/rep-Manifest.json";
        let escaping = "rep/20240901-20241001/../../../../etc/passwd";
        assert_eq!(resolve(m, escaping), vec!["landing/cur/rep/20240901-20241001/passwd"]);
        assert_eq!(resolve(m, "rep/./x.csv"), vec!["landing/cur/rep/20240901-20241001/x.csv"]);
        assert_eq!(resolve(m, "s3://b/rep/.."), vec!["s3://b/rep/.."]);
    }

    #[test]
    fn manifests_are_looked_for_beside_and_above_and_in_metadata() {
        let globs = beside("/l/exp/data/BILLING_PERIOD=2024-09/exp-00001.csv.gz");
        assert!(globs.contains(&"/l/exp/data/BILLING_PERIOD=2024-09/*Manifest.json".to_string()));
        assert!(globs.contains(&"/l/exp/metadata/BILLING_PERIOD=2024-09/*Manifest.json".to_string()), "{globs:?}");
        assert_eq!(beside("x.csv"), vec!["*Manifest.json".to_string()]);
        assert!(is_manifest("a/b/Report-MANIFEST.json"));
        assert!(!is_manifest("a/manifest.csv"));
    }
}
