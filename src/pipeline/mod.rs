//! The Bronze → Silver → Gold pipeline over DuckDB connections: no FFI types here.

pub mod anomalies;
mod bronze;
mod checks;
pub mod discover;
pub mod export;
mod foreign;
mod forensics;
pub mod format;
pub mod ingest;
pub mod land;
pub mod ledger;
pub mod live;
pub mod manifest;
pub mod metrics;
pub mod plan;
pub mod promote;
pub mod report;
pub mod rules;
mod run;
pub mod stage;
mod tags;

use duckdb::{Connection, ToSql};

use crate::error::{Context, Error, Result};
use crate::sql;

/// Silver's definition version: periods built by another version are stale and `cbh_silver()` rebuilds them.
pub const SILVER_VERSION: i32 = 2;

/// A delivery key. A delivery replaces its keys whole.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub provider: String,
    pub billing_account: String,
    /// The period's first day, `YYYY-MM-DD`.
    pub billing_period: String,
}

impl Key {
    pub fn new(
        provider: impl Into<String>,
        billing_account: impl Into<String>,
        billing_period: impl Into<String>,
    ) -> Key {
        Key {
            provider: provider.into(),
            billing_account: billing_account.into(),
            billing_period: billing_period.into(),
        }
    }

    /// In words, for messages: `AWS billing account 123, billing period 2024-09-01`.
    pub(crate) fn words(&self) -> String {
        format!("{} billing account {}, billing period {}", self.provider, self.billing_account, self.billing_period)
    }

    /// The key as parameters: provider, billing account, billing period.
    pub(crate) fn params(&self) -> [&dyn ToSql; 3] {
        [&self.provider, &self.billing_account, &self.billing_period]
    }
}

/// `provider/account/period`, as the trace shows a key.
impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.provider, self.billing_account, self.billing_period)
    }
}

/// Runs every statement of a SQL file with the same parameters.
pub fn run_file(con: &Connection, file: &str, params: &[&dyn ToSql], context: &str) -> Result<()> {
    for stmt in sql::statements(file) {
        con.execute(&stmt, params).context(context)?;
    }
    Ok(())
}

/// The warehouse layout this cbh writes (cbh.meta).
pub const LAYOUT: i32 = 7;

/// Creates the warehouse if this database does not have it yet, and moves an older layout to this one.
pub fn ensure_warehouse(con: &Connection) -> Result<()> {
    if !warehouse_exists(con)? {
        return transaction(con, || {
            con.execute_batch(sql::SCHEMA).context("creating the warehouse (schema cbh)")?;
            seed(con)
        });
    }
    let layout = layout(con)?;
    if layout >= LAYOUT {
        return Ok(());
    }
    transaction(con, || {
        let ctx = format!(
            "moving the warehouse from layout {layout} to layout {LAYOUT} (this needs the database open read-write \
             once)"
        );
        if layout >= 2 {
            con.execute_batch(sql::MIGRATE_V6_META).context(&ctx)?;
        }
        if layout < 2 {
            con.execute_batch(sql::MIGRATE_V1).context(&ctx)?;
            con.execute_batch(sql::SCHEMA).context(&ctx)?;
            con.execute_batch(sql::MIGRATE_V1_FINISH).context(&ctx)?;
        } else if layout < 3 {
            con.execute_batch(sql::MIGRATE_V2).context(&ctx)?;
            con.execute_batch(sql::SCHEMA).context(&ctx)?;
        }
        if layout < 4 {
            con.execute_batch(sql::MIGRATE_V3).context(&ctx)?;
        }
        if layout < 5 {
            con.execute_batch(sql::MIGRATE_V4).context(&ctx)?;
        }
        if layout < 6 {
            con.execute_batch(sql::MIGRATE_V5).context(&ctx)?;
        }
        // schema.sql is idempotent: it creates the tables a layout adds, and those migrate_v6.sql renamed to drop
        // their keys; migrate_v6_finish.sql copies their rows back. Since layout 3 the rules are the user's (a rule
        // deleted stays deleted): only the rules a layout adds are seeded. Gold is rebuilt when its meters change.
        con.execute_batch(sql::MIGRATE_V6).context(&ctx)?;
        con.execute_batch(sql::SCHEMA).context(&ctx)?;
        if layout < 6 {
            con.execute_batch(sql::MIGRATE_V5_FINISH).context(&ctx)?;
            con.execute_batch(sql::METRICS_DAILY).context(&ctx)?;
            con.execute_batch(sql::GENERATIONS_SEED).context(&ctx)?;
        }
        con.execute_batch(sql::MIGRATE_V6_FINISH).context(&ctx)?;
        if layout < 3 {
            seed(con)?;
        } else if layout < 6 {
            seed_rules(con, sql::RULES_LAYOUT_6)?;
        }
        if layout < 6 {
            for key in promote::bronze_keys(con)? {
                if layout < 2 {
                    promote::promote(con, &key)?;
                } else {
                    promote::gold(con, &key)?;
                }
            }
        }
        Ok(())
    })
}

/// The zombie rules and exclusions a warehouse starts with; a rule the user already has (by name) is kept as it
/// is.
fn seed(con: &Connection) -> Result<()> {
    seed_rules(con, sql::RULES)?;
    con.execute_batch(sql::GENERATIONS_SEED).context("seeding the instance generations (cbh.instance_generations)")?;
    con.execute_batch(sql::EXCLUSIONS_SEED).context("seeding the exclusions (cbh.exclusions)")
}

/// Seeds `rules` by name: a rule the warehouse has by name is kept as it is (the layout has no key to ignore a
/// second one).
fn seed_rules(con: &Connection, rules: &[(&str, &str)]) -> Result<()> {
    let ctx = "seeding the rules (cbh.rules)";
    for (name, rule) in rules {
        let exists: bool = con.query_row(sql::RULE_EXISTS, [name], |r| r.get(0)).context(ctx)?;
        if !exists {
            con.execute_batch(rule).context(ctx)?;
        }
    }
    Ok(())
}

/// The warehouse's layout: 1 for cbh 0.1 (no cbh.meta).
fn layout(con: &Connection) -> Result<i32> {
    let meta: bool = con.query_row(sql::META_EXISTS, [], |r| r.get(0)).context("reading the warehouse layout")?;
    if !meta {
        return Ok(1);
    }
    con.query_row(sql::LAYOUT_VERSION, [], |r| r.get(0)).context("reading the warehouse layout")
}

/// Whether the warehouse exists in an older layout that `ensure_warehouse` must move first.
pub fn needs_upgrade(con: &Connection) -> Result<bool> {
    Ok(warehouse_exists(con)? && layout(con)? < LAYOUT)
}

/// Whether the warehouse exists (readers return nothing before the first ingest, and create nothing).
pub fn warehouse_exists(con: &Connection) -> Result<bool> {
    con.query_row(sql::WAREHOUSE_EXISTS, [], |r| r.get(0)).context("looking for the warehouse")
}

/// Microseconds since the Unix epoch, UTC.
pub fn now_micros() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

/// Runs `body` in a transaction: committed if it succeeds, rolled back (leaving everything as it was) if it fails
/// or panics.
pub fn transaction<T>(con: &Connection, body: impl FnOnce() -> Result<T>) -> Result<T> {
    /// Rolls back unless committed, also while a panic unwinds.
    struct Open<'a>(&'a Connection);
    impl Drop for Open<'_> {
        fn drop(&mut self) {
            crate::capi::interrupt::quiet();
            // A ROLLBACK that fails would leave cbh's connection inside this transaction: try once more.
            if self.0.execute_batch("ROLLBACK").is_err() {
                let _ = self.0.execute_batch("ROLLBACK");
            }
        }
    }
    con.execute_batch("BEGIN TRANSACTION").context("starting a transaction")?;
    let open = Open(con);
    let value = body()?;
    con.execute_batch("COMMIT").context("committing")?;
    std::mem::forget(open);
    Ok(value)
}

/// Stops the call with `Error::Interrupted` when a Ctrl-C came (checked between steps).
pub fn check_interrupt() -> Result<()> {
    if crate::capi::interrupt::stop_requested() {
        Err(Error::Interrupted("cbh"))
    } else {
        Ok(())
    }
}

/// Like `transaction`, for a call's last one: a Ctrl-C before its COMMIT rolls it back; once committing, the
/// call completes and no longer reports an interruption.
pub fn final_transaction<T>(con: &Connection, body: impl FnOnce() -> Result<T>) -> Result<T> {
    transaction(con, || {
        let value = body()?;
        if !crate::capi::interrupt::commit_point() {
            return Err(Error::Interrupted("cbh"));
        }
        Ok(value)
    })
}
