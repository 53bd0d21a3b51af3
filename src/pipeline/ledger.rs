//! The ledger (`cbh.ledger`): one row per attempt to ingest a file, and what earlier attempts tell about the
//! same path or the same bytes.

use duckdb::types::{OrderedMap, Value};
use duckdb::Connection;

use super::discover::Found;
use super::{now_micros, Key};
use crate::error::{Context, Result};
use crate::sql;

/// What became of a file: the ledger's `status` (and `cbh_ingest`'s), word for word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Landed, on a key the warehouse did not hold.
    Ingested,
    /// Landed, replacing what held its keys.
    Replaced,
    /// Not landed, and nothing wrong with it: the same bytes landed before, or it is not a bill.
    Skipped,
    /// Not landed: something is wrong with it or with its delivery (the error says what).
    Rejected,
    /// Landed once, then removed by `cbh_forget` (`forget.sql` writes it).
    Forgotten,
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::Ingested, Status::Replaced, Status::Skipped, Status::Rejected, Status::Forgotten];

    /// The word the ledger holds.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ingested => "ingested",
            Status::Replaced => "replaced",
            Status::Skipped => "skipped",
            Status::Rejected => "rejected",
            Status::Forgotten => "forgotten",
        }
    }
}

/// One file's attempt, as the ledger records it.
#[derive(Debug, Clone)]
pub(super) struct Attempt {
    pub(super) file: Found,
    pub(super) sha256: Option<String>,
    pub(super) format: Option<String>,
    pub(super) keys: Vec<Key>,
    pub(super) rows: Option<i64>,
    pub(super) status: Status,
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
            status: Status::Rejected,
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
                keys_value(&self.keys),
                self.sha256,
                self.rows,
                self.status.as_str(),
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

/// Keys as `ledger_insert.sql` binds them: a list of structs (provider, billing_account, billing_period as text),
/// each value as it is, whatever characters it holds.
fn keys_value(keys: &[Key]) -> Value {
    let field = |name: &str, value: &str| (name.to_string(), Value::Text(value.to_string()));
    let key = |k: &Key| {
        Value::Struct(OrderedMap::from(vec![
            field("provider", &k.provider),
            field("billing_account", &k.billing_account),
            field("billing_period", &k.billing_period),
        ]))
    };
    Value::List(keys.iter().map(key).collect())
}

/// Keys as `landed_sha256.sql` reads them back: the same list of structs. What is not a whole key is left out.
fn keys_of(value: &Value) -> Vec<Key> {
    let Value::List(items) = value else { return Vec::new() };
    let key = |item: &Value| {
        let Value::Struct(fields) = item else { return None };
        let text = |name: &str| match fields.get(&name.to_string()) {
            Some(Value::Text(t)) => Some(t.clone()),
            _ => None,
        };
        Some(Key::new(text("provider")?, text("billing_account")?, text("billing_period")?))
    };
    items.iter().filter_map(key).collect()
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
    let row: Option<(Option<String>, Value, Option<i64>)> = optional(con.query_row(
        sql::LANDED_SHA256,
        duckdb::params![sha, manifest],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    ))
    .context("looking up the fingerprint in the ledger")?;
    Ok(row.map(|(format, keys, rows)| (format, keys_of(&keys), rows)))
}

/// No row is not an error here.
pub(super) fn optional<T>(r: std::result::Result<T, duckdb::Error>) -> std::result::Result<Option<T>, duckdb::Error> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(duckdb::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_holding_any_character_are_bound_and_read_back_whole() {
        let keys = vec![Key::new("AWS", "12\u{1e}34\u{1f}56", "2024-09-01"), Key::new("x\u{1f}y", "'\"", "2024-10-01")];
        assert_eq!(keys_of(&keys_value(&keys)), keys);
        assert_eq!(keys_value(&[]), Value::List(Vec::new()));
        assert!(keys_of(&Value::Null).is_empty());
        let partial = Value::List(vec![Value::Struct(OrderedMap::from(vec![("provider".into(), Value::Null)]))]);
        assert!(keys_of(&partial).is_empty());
    }

    #[test]
    fn the_sql_files_compare_statuses_with_the_ledgers_words() {
        let words: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
        let mut seen = 0;
        for (file, text) in crate::sql::ALL {
            for (i, _) in text.match_indices("status ") {
                let rest = &text[i + "status ".len()..];
                let compared = match (rest.strip_prefix("IN ("), rest.strip_prefix("= '")) {
                    (Some(list), _) => list.split(')').next().unwrap_or_default(),
                    (_, Some(_)) => rest.split(',').next().unwrap_or_default(),
                    _ => continue,
                };
                for word in compared.split('\'').skip(1).step_by(2) {
                    assert!(words.contains(&word), "{file}: status '{word}' is not a ledger status");
                    seen += 1;
                }
            }
        }
        assert!(seen >= 7, "{seen} status words found in sql/");
    }
}
