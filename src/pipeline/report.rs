//! The rows cbh's table functions return, as Arrow record batches straight from DuckDB.

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::{Connection, ToSql};

use duckdb::arrow::array::{Array, StringArray};
use duckdb::arrow::compute::cast;
use duckdb::arrow::datatypes::DataType;

use super::rules::{self, Kind, Rules};
use crate::error::{Context, Error, Result};
use crate::sql::{self, render};

/// Runs a query and collects its result.
pub fn query(con: &Connection, sql: &str, params: &[&dyn ToSql], context: &str) -> Result<Vec<RecordBatch>> {
    let mut stmt = con.prepare(sql).context(context)?;
    let batches = stmt.query_arrow(params).context(context)?.collect();
    Ok(batches)
}

/// `cbh_ingest`'s rows: the ledger rows of one ingestion.
pub fn ingest(con: &Connection, ingestion: i64) -> Result<Vec<RecordBatch>> {
    query(con, sql::REPORT_INGEST, &[&ingestion], "reading the ingestion's ledger rows")
}

/// `cbh_silver`'s rows; `since` marks which periods count as rebuilt by this call.
pub fn silver(con: &Connection, since: i64) -> Result<Vec<RecordBatch>> {
    query(con, sql::REPORT_SILVER, &[&since], "reading the Silver summary")
}

/// What `cbh_zombies` (or `cbh_savings`) shows.
#[derive(Debug)]
pub struct ZombieFilter {
    /// Billing period (`YYYY-MM-DD`, any day of it).
    pub billing_period: Option<String>,
    /// Minimum cost in the period (decimal text).
    pub min_cost: Option<String>,
    /// One rule only.
    pub rule: Option<String>,
    /// Also the findings that cbh.exclusions keeps out (flagged).
    pub excluded: bool,
    /// Also the resources a metric rule cannot judge for lack of metrics (verdict `no metrics`).
    pub no_metrics: bool,
    /// The rules' kind: waste (`cbh_zombies`) or savings (`cbh_savings`).
    pub kind: Kind,
}

/// `cbh_zombies`' (or `cbh_savings`') rows: the findings of the enabled rules of the filter's kind.
pub fn zombies(con: &Connection, filter: &ZombieFilter) -> Result<Vec<RecordBatch>> {
    let params: [&dyn ToSql; 4] = [&filter.billing_period, &filter.min_cost, &filter.excluded, &filter.no_metrics];
    let (template, kind, context) = match filter.kind {
        Kind::Waste => (sql::REPORT_ZOMBIES, Kind::Waste, "reading the zombie report"),
        Kind::Saving => (sql::REPORT_SAVINGS, Kind::Saving, "reading the savings report"),
    };
    with_findings(con, template, filter.rule.as_deref(), kind, false, &params, context)
}

/// Runs a report over the rules' findings. When it fails and a rule is to blame, the error names the rule; with
/// `skip_broken`, the report runs again without the broken rules instead.
fn with_findings(
    con: &Connection,
    template: &'static str,
    only: Option<&str>,
    kind: Kind,
    skip_broken: bool,
    params: &[&dyn ToSql],
    context: &str,
) -> Result<Vec<RecordBatch>> {
    let rules = Rules::load(con, only, kind)?;
    let stmt = render(template, &[("findings", &rules.findings(&[]))]);
    crate::diag::statement(&stmt);
    let failed = match query(con, &stmt, params, context) {
        Ok(batches) => return Ok(batches),
        Err(e) => e,
    };
    let broken = rules.broken(con);
    match broken.first() {
        None => Err(failed),
        Some((name, message)) if !skip_broken => Err(rules::broken_rule(name, message)),
        Some(_) => {
            let skip: Vec<String> = broken.into_iter().map(|b| b.0).collect();
            query(con, &render(template, &[("findings", &rules.findings(&skip))]), params, context)
        }
    }
}

/// `cbh_waste`'s rows: the waste of the findings cbh_zombies() shows, by rule, service, account, owner and in total.
pub fn waste(con: &Connection, period: Option<&str>, owner_tag: &str) -> Result<Vec<RecordBatch>> {
    with_findings(con, sql::REPORT_WASTE, None, Kind::Waste, false, &[&period, &owner_tag], "reading the waste summary")
}

/// `cbh_check`'s row: the waste of `period` (`YYYY-MM-01`; `None`, the latest period) against the budgets; an error
/// naming the top offenders when a budget is exceeded.
pub fn check(
    con: &Connection,
    max_waste: Option<&str>,
    max_share: Option<&str>,
    period: Option<&str>,
) -> Result<Vec<RecordBatch>> {
    let params: [&dyn ToSql; 3] = [&max_waste, &max_share, &period];
    let batches =
        with_findings(con, sql::REPORT_CHECK, None, Kind::Waste, false, &params, "checking the waste budget")?;
    let mut out = Vec::new();
    for batch in batches {
        let last = batch.num_columns() - 1;
        let message = cast(batch.column(last), &DataType::Utf8).map_err(|e| Error::Internal(e.to_string()))?;
        if let Some(m) = message.as_any().downcast_ref::<StringArray>().and_then(|m| m.iter().flatten().next()) {
            return Err(Error::OverBudget(m.to_string()));
        }
        out.push(batch.project(&(0..last).collect::<Vec<_>>()).map_err(|e| Error::Internal(e.to_string()))?);
    }
    Ok(out)
}

/// `cbh_status`' row.
/// Zombies count the findings of the rules that run (a broken rule does not hide the rest of the status).
pub fn status(con: &Connection, warehouse: bool, duckdb_version: &str, lifecycle: &str) -> Result<Vec<RecordBatch>> {
    let params: [&dyn ToSql; 3] = [&env!("CARGO_PKG_VERSION"), &duckdb_version, &lifecycle];
    if !warehouse {
        return query(con, sql::REPORT_STATUS_EMPTY, &params, "reading the warehouse status");
    }
    with_findings(con, sql::REPORT_STATUS, None, Kind::Waste, true, &params, "reading the warehouse status")
}
