//! `cbh_export`: Silver and Gold as hive-partitioned Parquet that other engines read
//! (`<path>/<table>/provider=…/billing_account=…/billing_period=…/data.parquet`).
//!
//! Each partition is one file. A file's Parquet footer holds what cbh needs to know next time (its key, the warehouse
//! that wrote it, and a token of what it holds), so an export rewrites exactly the partitions whose token changed,
//! leaves those another warehouse wrote alone, and empties those of periods this warehouse no longer has. Every
//! write goes through DuckDB (`COPY ... TO`), so DuckDB's lockdown applies; a local file is written under a temporary
//! name and renamed over the old one (`USE_TMP_FILE`), and an S3 object is replaced whole by its upload.

use std::collections::BTreeMap;

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;

use super::report::query;
use super::rules::{self, Kind, Rules};
use crate::error::{Context, Error, Result};
use crate::sql::{self, literal, render, Sql};

/// The tables an export writes, with the query of one partition (`{key}`: its filter) and whether it is per billing
/// period (else per billing account).
const TABLES: &[(&str, &str, bool)] = &[
    ("silver_line_items", "SELECT * FROM cbh.silver_line_items WHERE {key}", true),
    ("silver_resources", "SELECT * FROM cbh.silver_resources WHERE {key}", false),
    (
        "gold_usage",
        "SELECT * EXCLUDE (provider, billing_account, billing_period) FROM cbh.gold_usage WHERE {key}",
        true,
    ),
    (
        "gold_daily",
        "SELECT * EXCLUDE (provider, billing_account, billing_period) FROM cbh.gold_daily WHERE {key}",
        true,
    ),
    (
        "findings",
        "SELECT * EXCLUDE (provider, billing_account, billing_period) FROM temp.main.cbh_export_findings WHERE {key}",
        true,
    ),
];

/// One partition: its table and key (no billing period for the resource dimension).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Partition {
    pub table: String,
    pub provider: String,
    pub billing_account: String,
    pub billing_period: Option<String>,
}

/// What an export does with a partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// New, or changed since this warehouse last wrote it (or `force`): written.
    Write,
    /// The same as this warehouse last wrote it.
    Unchanged,
    /// Written by this warehouse for a period it no longer has: replaced by a file without rows.
    Empty,
    /// Written by another warehouse: left alone (`force` takes it over).
    Foreign,
}

impl Action {
    fn status(self) -> &'static str {
        match self {
            Action::Write => "written",
            Action::Unchanged => "unchanged",
            Action::Empty => "emptied",
            Action::Foreign => "skipped: written by another warehouse",
        }
    }
}

/// What to do with each partition: `current` the warehouse's partitions and their tokens, `found` those in the
/// export (token and owner from their footers), `me` this warehouse's id. Pure: decided before anything is written.
pub fn plan(
    current: &BTreeMap<Partition, String>,
    found: &BTreeMap<Partition, (String, String)>,
    me: &str,
    force: bool,
) -> Vec<(Partition, Action)> {
    let mut actions: Vec<(Partition, Action)> = current
        .iter()
        .map(|(p, token)| {
            let action = match found.get(p) {
                _ if force => Action::Write,
                None => Action::Write,
                Some((_, owner)) if owner != me => Action::Foreign,
                Some((old, _)) if old == token => Action::Unchanged,
                Some(_) => Action::Write,
            };
            (p.clone(), action)
        })
        .collect();
    let gone = found.iter().filter(|(p, (token, owner))| owner == me && !current.contains_key(p) && token != EMPTY);
    actions.extend(gone.map(|(p, _)| (p.clone(), Action::Empty)));
    actions
}

/// The token of a file without rows (a period this warehouse no longer has).
const EMPTY: &str = "empty";

/// A partition value as a folder name: percent-encoded as DuckDB writes hive partitions (`PARTITION_BY`), which
/// Spark, Trino, Athena and DuckDB all decode.
pub fn hive_escape(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'~' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Partition {
    /// The partition's folder under the export's path.
    pub fn folder(&self, base: &str) -> String {
        let mut path = format!(
            "{base}/{}/provider={}/billing_account={}",
            self.table,
            hive_escape(&self.provider),
            hive_escape(&self.billing_account)
        );
        if let Some(period) = &self.billing_period {
            path.push_str(&format!("/billing_period={}", hive_escape(period)));
        }
        path
    }
}

/// Exports the warehouse on `con` to `base`; returns `cbh_export`'s rows.
pub fn export(con: &Connection, base: &str, force: bool) -> Result<Vec<RecordBatch>> {
    let base = base.trim_end_matches('/');
    super::transaction(con, || {
        let me: String =
            con.query_row(sql::EXPORT_OWNER, [], |r| r.get(0)).context("reading the warehouse's id (cbh.meta)")?;
        findings(con)?;
        let version = format!("cbh {} layout {}", env!("CARGO_PKG_VERSION"), super::LAYOUT);
        let current = partitions(con, &version)?;
        let found = existing(con, base)?;
        let actions = plan(&current, &found, &me, force);
        writer(con, base, &me, &version)?;
        con.execute_batch(sql::EXPORT_RESULT).context("starting the export")?;
        for (table, select, _) in TABLES {
            let mine: Vec<&(Partition, Action)> = actions.iter().filter(|(p, _)| p.table == *table).collect();
            if mine.iter().any(|(_, a)| matches!(a, Action::Write | Action::Empty)) {
                folders(con, base, table, &mine, &me)?;
            }
            for (p, action) in mine {
                let token = match action {
                    Action::Write => current.get(p).cloned().unwrap_or_default(),
                    _ => EMPTY.to_string(),
                };
                let rows = match action {
                    Action::Write | Action::Empty => Some(write(con, base, select, p, *action, &token, &me)?),
                    Action::Unchanged | Action::Foreign => None,
                };
                let file = format!("{}/data.parquet", p.folder(base));
                con.execute(
                    sql::EXPORT_RESULT_INSERT,
                    duckdb::params![
                        p.table,
                        p.provider,
                        p.billing_account,
                        p.billing_period,
                        action.status(),
                        rows,
                        file
                    ],
                )
                .context("recording the export")?;
            }
        }
        let rows = query(con, sql::EXPORT_REPORT, &[], "reading the export's outcome")?;
        con.execute_batch(sql::EXPORT_DROP).context("dropping the export's temporary tables")?;
        Ok(rows)
    })
}

/// The findings of the enabled rules, every one, in a temporary table: the waste rules' as `cbh_zombies(min_cost :=
/// 0, excluded := true, no_metrics := true)` returns them, and the saving rules' as `cbh_savings(min_saving := 0,
/// excluded := true)` does, in the same columns (`kind` tells them apart); a broken rule is named.
fn findings(con: &Connection) -> Result<()> {
    let (waste, saving) = (Rules::load(con, None, Kind::Waste)?, Rules::load(con, None, Kind::Saving)?);
    let report = |template: &'static str, rules: &Rules| {
        render(template.trim_end().trim_end_matches(';'), &[("findings", &rules.findings(&[]))])
    };
    let stmt = render(
        sql::EXPORT_FINDINGS,
        &[("zombies", &report(sql::REPORT_ZOMBIES, &waste)), ("savings", &report(sql::REPORT_SAVINGS, &saving))],
    );
    let params = duckdb::params![None::<String>, Some("0"), true, true];
    if let Err(e) = con.execute(&stmt, params) {
        let broken = [waste.broken(con), saving.broken(con)].concat();
        return Err(match broken.first() {
            Some((name, message)) => rules::broken_rule(name, message),
            None => Error::Db { context: "finding the zombies and savings to export".into(), source: e },
        });
    }
    Ok(())
}

/// The warehouse's partitions and their tokens.
fn partitions(con: &Connection, version: &str) -> Result<BTreeMap<Partition, String>> {
    let ctx = "listing the partitions to export";
    con.execute_batch(&render(sql::EXPORT_PARTITIONS, &[("version", &literal(version))])).context(ctx)?;
    let mut stmt = con.prepare(sql::EXPORT_PARTITIONS_READ).context(ctx)?;
    let rows = stmt.query_map([], |r| Ok((partition(r)?, r.get::<_, String>(4)?))).context(ctx)?;
    rows.collect::<std::result::Result<_, _>>().context(ctx)
}

fn partition(r: &duckdb::Row) -> duckdb::Result<Partition> {
    Ok(Partition { table: r.get(0)?, provider: r.get(1)?, billing_account: r.get(2)?, billing_period: r.get(3)? })
}

/// The partitions the export holds already (this warehouse's and others'), from their footers: token and owner.
fn existing(con: &Connection, base: &str) -> Result<BTreeMap<Partition, (String, String)>> {
    let ctx = format!("reading the export in '{base}'");
    let mut files: Vec<String> = Vec::new();
    for (table, _, per_period) in TABLES {
        let pattern = if *per_period { "*/*/*/data.parquet" } else { "*/*/data.parquet" };
        let mut stmt = con.prepare(sql::EXPORT_GLOB).context(&ctx)?;
        let found = stmt.query_map([format!("{base}/{table}/{pattern}")], |r| r.get::<_, String>(0)).context(&ctx)?;
        files.extend(found.collect::<std::result::Result<Vec<_>, _>>().context(&ctx)?);
    }
    if files.is_empty() {
        return Ok(BTreeMap::new());
    }
    let list = Sql::join(files.iter().map(|f| literal(f)), ", ");
    let mut stmt = con.prepare(&render(sql::EXPORT_FOOTERS, &[("files", &list)])).context(&ctx)?;
    let rows = stmt.query_map([], |r| Ok((partition(r)?, (r.get(4)?, r.get(5)?)))).context(&ctx)?;
    rows.collect::<std::result::Result<_, _>>().context(&ctx)
}

/// Records this warehouse as a writer of the export (`export_writer.sql`), creating the export's folder if its parent
/// exists.
fn writer(con: &Connection, base: &str, me: &str, version: &str) -> Result<()> {
    let database: String =
        con.query_row("SELECT current_database()", [], |r| r.get(0)).context("naming the database")?;
    let stmt = render(
        sql::EXPORT_WRITER,
        &[
            ("owner", &literal(me)),
            ("database", &literal(&database)),
            ("version", &literal(version)),
            ("base", &literal(base)),
        ],
    );
    con.execute_batch(&stmt).map_err(|e| {
        let message = crate::error::db_message(&e);
        if message.contains("No such file or directory") && !base.contains("://") {
            Error::Usage(format!(
                "cbh_export('{base}'): cannot create the folder '{base}': its parent folder does not exist; create it \
                 first"
            ))
        } else {
            Error::Db { context: format!("writing to the export in '{base}'"), source: e }
        }
    })
}

/// Creates the folders of the partitions to write: DuckDB's partitioned COPY makes them (leaving a marker,
/// `_cbh0.csv`, which Spark, Trino and Athena skip for its leading `_`); a plain COPY does not.
fn folders(con: &Connection, base: &str, table: &str, actions: &[&(Partition, Action)], me: &str) -> Result<()> {
    let keys = actions.iter().filter(|(_, a)| matches!(a, Action::Write | Action::Empty)).map(|(p, _)| {
        let period = p.billing_period.as_deref().map_or(Sql::raw_static("NULL"), literal);
        render(
            "({provider}, {account}, {period})",
            &[("provider", &literal(&p.provider)), ("account", &literal(&p.billing_account)), ("period", &period)],
        )
    });
    let by = if actions.first().is_some_and(|(p, _)| p.billing_period.is_some()) {
        Sql::raw_static("provider, billing_account, billing_period")
    } else {
        Sql::raw_static("provider, billing_account")
    };
    let stmt = render(
        sql::EXPORT_FOLDERS,
        &[
            ("keys", &Sql::join(keys, ", ")),
            ("owner", &literal(me)),
            ("target", &literal(&format!("{base}/{table}"))),
            ("by", &by),
        ],
    );
    con.execute_batch(&stmt).context(format!("creating the folders of the export in '{base}'"))
}

/// Writes one partition (`Empty`: its columns, no rows) under a temporary name, renamed over the old file.
fn write(
    con: &Connection,
    base: &str,
    select: &'static str,
    p: &Partition,
    action: Action,
    token: &str,
    me: &str,
) -> Result<i64> {
    crate::diag::phase("export", &p.folder(""));
    super::check_interrupt()?;
    let mut key = render(
        "provider = {p} AND billing_account = {a}",
        &[("p", &literal(&p.provider)), ("a", &literal(&p.billing_account))],
    );
    if p.table.starts_with("silver") {
        key = render(
            "ProviderName = {p} AND BillingAccountId = {a}",
            &[("p", &literal(&p.provider)), ("a", &literal(&p.billing_account))],
        );
    }
    if let Some(period) = &p.billing_period {
        let column = if p.table.starts_with("silver") { "BillingPeriodStart::DATE" } else { "billing_period" };
        key = render(
            "{key} AND {column} = {period}::DATE",
            &[("key", &key), ("column", &Sql::raw_static(column)), ("period", &literal(period))],
        );
    }
    if action == Action::Empty {
        key = Sql::raw_static("false");
    }
    let stmt = render(
        sql::EXPORT_COPY,
        &[
            ("select", &render(select, &[("key", &key)])),
            ("file", &literal(&format!("{}/data.parquet", p.folder(base)))),
            ("table", &literal(&p.table)),
            ("provider", &literal(&p.provider)),
            ("account", &literal(&p.billing_account)),
            ("period", &literal(p.billing_period.as_deref().unwrap_or(""))),
            ("owner", &literal(me)),
            ("token", &literal(token)),
        ],
    );
    crate::diag::statement(&stmt);
    con.query_row(&stmt, [], |r| r.get(0)).context(format!("writing {}", p.folder(base)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(table: &str, period: &str) -> Partition {
        Partition {
            table: table.into(),
            provider: "AWS".into(),
            billing_account: "1".into(),
            billing_period: Some(period.into()),
        }
    }

    #[test]
    fn plan_writes_what_changed_and_only_its_own() {
        let current: BTreeMap<_, _> = [
            (part("t", "2024-09-01"), "a".to_string()),
            (part("t", "2024-10-01"), "b".to_string()),
            (part("t", "2024-11-01"), "c".to_string()),
            (part("t", "2024-12-01"), "d".to_string()),
        ]
        .into();
        let found: BTreeMap<_, _> = [
            (part("t", "2024-09-01"), ("a".to_string(), "me".to_string())),
            (part("t", "2024-10-01"), ("old".to_string(), "me".to_string())),
            (part("t", "2024-11-01"), ("c".to_string(), "other".to_string())),
            (part("t", "2024-08-01"), ("x".to_string(), "me".to_string())),
            (part("t", "2024-07-01"), (EMPTY.to_string(), "me".to_string())),
            (part("t", "2024-06-01"), ("y".to_string(), "other".to_string())),
        ]
        .into();
        let actions: BTreeMap<_, _> = plan(&current, &found, "me", false).into_iter().collect();
        let expected: BTreeMap<_, _> = [
            (part("t", "2024-09-01"), Action::Unchanged),
            (part("t", "2024-10-01"), Action::Write),
            (part("t", "2024-11-01"), Action::Foreign),
            (part("t", "2024-12-01"), Action::Write),
            (part("t", "2024-08-01"), Action::Empty),
        ]
        .into();
        assert_eq!(actions, expected);
        let forced = plan(&current, &found, "me", true);
        assert!(forced.iter().filter(|(p, _)| current.contains_key(p)).all(|(_, a)| *a == Action::Write));
    }

    #[test]
    fn hive_escape_is_duckdbs() {
        assert_eq!(hive_escape("AWS"), "AWS");
        assert_eq!(hive_escape("Amazon Web/Services:x=1+2"), "Amazon%20Web%2FServices%3Ax%3D1%2B2");
        assert_eq!(hive_escape("2024-09-01"), "2024-09-01");
        assert_eq!(hive_escape("Müller"), "M%C3%BCller");
    }
}
