//! Silver and Gold for one (payer account, billing period), from what Bronze holds.

use duckdb::Connection;

use super::{cur, now_micros, run_file, SILVER_VERSION};
use crate::error::{Context, Result};
use crate::sql;

/// Bronze's columns, in order.
pub fn bronze_columns(con: &Connection) -> Result<Vec<String>> {
    let mut stmt = con.prepare(sql::BRONZE_COLUMNS).context("reading Bronze's columns")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).context("reading Bronze's columns")?;
    rows.collect::<std::result::Result<_, _>>().context("reading Bronze's columns")
}

/// Rebuilds Silver line items, the payer's resource dimension, Gold and the period summary. The caller holds
/// the transaction that makes this atomic with the Bronze change.
pub fn promote(con: &Connection, payer: &str, period: &str) -> Result<()> {
    let ctx = |what: &str| format!("building {what} for payer account {payer}, billing period {period}");
    run_file(con, sql::SILVER_DELETE, &[&payer, &period], &ctx("Silver"))?;
    let insert = cur::silver_insert(sql::SILVER_INSERT, &bronze_columns(con)?);
    con.execute(&insert, [payer, period]).context(ctx("Silver"))?;
    run_file(con, sql::RESOURCES_REBUILD, &[&payer], &ctx("the resource dimension"))?;
    run_file(con, sql::GOLD_REBUILD, &[&payer, &period], &ctx("Gold"))?;
    run_file(con, sql::PERIOD_SUMMARIZE, &[&payer, &period, &SILVER_VERSION, &now_micros()], &ctx("the summary"))
}

/// Rebuilds every period whose Silver is stale; returns how many.
pub fn refresh_stale(con: &Connection) -> Result<usize> {
    let stale: Vec<(String, String)> = {
        let mut stmt = con.prepare(sql::STALE_PERIODS).context("finding stale periods")?;
        let rows = stmt.query_map([SILVER_VERSION], |r| Ok((r.get(0)?, r.get(1)?))).context("finding stale periods")?;
        rows.collect::<std::result::Result<_, _>>().context("finding stale periods")?
    };
    for (payer, period) in &stale {
        super::transaction(con, || promote(con, payer, period))?;
    }
    Ok(stale.len())
}
