//! The rows cbh's table functions return, as Arrow record batches straight from DuckDB.

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::{Connection, ToSql};

use duckdb::arrow::array::{Array, StringArray};
use duckdb::arrow::compute::cast;
use duckdb::arrow::datatypes::DataType;

use super::rules::{self, Rules};
use crate::error::{Context, Error, Result};
use crate::sql::{self, ident, literal, render, Sql};

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

/// What `cbh_zombies` shows.
#[derive(Debug, Default)]
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
}

/// `cbh_zombies`' rows: the findings of the enabled rules.
pub fn zombies(con: &Connection, filter: &ZombieFilter) -> Result<Vec<RecordBatch>> {
    let params: [&dyn ToSql; 4] = [&filter.billing_period, &filter.min_cost, &filter.excluded, &filter.no_metrics];
    with_findings(con, sql::REPORT_ZOMBIES, filter.rule.as_deref(), false, &params, "reading the zombie report")
}

/// Runs a report over the rules' findings. When it fails and a rule is to blame, the error names the rule; with
/// `skip_broken`, the report runs again without the broken rules instead.
fn with_findings(
    con: &Connection,
    template: &'static str,
    only: Option<&str>,
    skip_broken: bool,
    params: &[&dyn ToSql],
    context: &str,
) -> Result<Vec<RecordBatch>> {
    let rules = Rules::load(con, only)?;
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

/// What `cbh_anomalies` looks for (checked by its bind).
#[derive(Debug)]
pub struct AnomalyFilter {
    /// The dimension's name, and the column of cbh.gold_daily it reads (one of a fixed list).
    pub dimension: &'static str,
    pub column: &'static str,
    /// `effective_cost` or `billed_cost`.
    pub cost: &'static str,
    pub lookback_days: i64,
    pub min_history_days: i64,
    /// Decimal texts.
    pub threshold: String,
    pub min_impact: String,
    pub min_impact_pct: String,
    /// `up` or `both`.
    pub direction: String,
    /// Held against the same weekday only.
    pub weekly: bool,
    /// Every day judged, not only the anomalies.
    pub all_days: bool,
    /// Monthly bills are an error (else: no rows, as no day can be told).
    pub monthly_error: bool,
    /// Days (`YYYY-MM-DD`), or None.
    pub from_day: Option<String>,
    pub to_day: Option<String>,
}

/// `cbh_anomalies`' rows; an error saying so where the bills are monthly (no day can be told apart).
pub fn anomalies(con: &Connection, f: &AnomalyFilter) -> Result<Vec<RecordBatch>> {
    if f.monthly_error {
        anomalies_monthly(con)?;
    }
    query(con, &anomalies_sql(f), &f.params(), "finding spend anomalies")
}

/// An error when the warehouse's bills are all monthly: no day can be told from another.
fn anomalies_monthly(con: &Connection) -> Result<()> {
    let (daily, all): (i64, i64) =
        con.query_row(sql::DAILY_COUNT, [], |r| Ok((r.get(0)?, r.get(1)?))).context("reading the daily spend")?;
    if daily == 0 && all > 0 {
        return Err(Error::Usage(
            "cbh_anomalies: the bills in this warehouse are monthly (each line item covers its whole month), so no \
             day can be told from another; export the CUR (or FOCUS) with hourly or daily granularity"
                .into(),
        ));
    }
    Ok(())
}

/// The anomaly query of `f` (`sql/report_anomalies.sql`).
fn anomalies_sql(f: &AnomalyFilter) -> Sql {
    let vars = [("value", ident(f.column)), ("cost", ident(f.cost)), ("dimension", literal(f.dimension))];
    sql::fragment(sql::REPORT_ANOMALIES, &vars)
}

/// `cbh_check`'s anomaly budget: the message of the first currency whose anomalies (found with cbh_anomalies'
/// defaults on the days of `period`, `YYYY-MM-01`; None: the latest) cost more than `budget` over what was
/// expected, if any.
pub fn anomaly_budget(con: &Connection, budget: &str, period: Option<&str>) -> Result<Option<String>> {
    anomalies_monthly(con)?;
    let f = AnomalyFilter::defaults();
    let stmt = render(sql::CHECK_ANOMALIES, &[("anomalies", &anomalies_sql(&f))]);
    let mut params = f.params().to_vec();
    params.push(&budget);
    params.push(&period);
    let mut stmt = con.prepare(&stmt).context("checking the anomaly budget")?;
    let mut rows = stmt.query(params.as_slice()).context("checking the anomaly budget")?;
    match rows.next().context("checking the anomaly budget")? {
        Some(row) => Ok(Some(row.get::<_, String>(2).context("checking the anomaly budget")?)),
        None => Ok(None),
    }
}

impl AnomalyFilter {
    /// cbh_anomalies' defaults: by service, effective cost, 28 days back, 7 of history, 3 deviations, an impact of
    /// at least 1 and 10 %, spikes and new spend only, every day.
    pub fn defaults() -> AnomalyFilter {
        AnomalyFilter {
            dimension: "service",
            column: "service",
            cost: "effective_cost",
            lookback_days: 28,
            min_history_days: 7,
            threshold: "3".into(),
            min_impact: "1".into(),
            min_impact_pct: "0.1".into(),
            direction: "up".into(),
            weekly: false,
            all_days: false,
            monthly_error: true,
            from_day: None,
            to_day: None,
        }
    }

    fn params(&self) -> [&dyn ToSql; 10] {
        [
            &self.lookback_days,
            &self.min_history_days,
            &self.threshold,
            &self.min_impact,
            &self.min_impact_pct,
            &self.direction,
            &self.from_day,
            &self.to_day,
            &self.weekly,
            &self.all_days,
        ]
    }
}

/// `cbh_waste`'s rows: the waste of the findings cbh_zombies() shows, by rule, service, account, owner and in total.
pub fn waste(con: &Connection, period: Option<&str>, owner_tag: &str) -> Result<Vec<RecordBatch>> {
    with_findings(con, sql::REPORT_WASTE, None, false, &[&period, &owner_tag], "reading the waste summary")
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
    let batches = with_findings(con, sql::REPORT_CHECK, None, false, &params, "checking the waste budget")?;
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
    with_findings(con, sql::REPORT_STATUS, None, true, &params, "reading the warehouse status")
}
