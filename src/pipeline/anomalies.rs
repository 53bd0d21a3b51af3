//! Spend anomalies (`cbh_anomalies`, `cbh_check`'s anomaly budget): the days the usage spend of one value of a
//! dimension left its expected band (`sql/report_anomalies.sql`), judged on Gold's daily spend, or on Silver's line
//! items for the resource and tag dimensions.

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::{Connection, ToSql};

use super::report::query;
use crate::error::{Context, Error, Result};
use crate::sql::{self, ident, literal, render, Sql};

/// The spend a dimension is judged on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spend {
    /// A column of Gold's daily spend (cbh.gold_daily).
    Daily(&'static str),
    /// Silver's line items, per resource ID.
    Resource,
    /// Silver's line items, per value of a tag (its key as the user typed it); untagged spend is `(untagged)`.
    Tag(String),
}

/// What `cbh_anomalies` looks for (checked by its bind).
pub struct AnomalyFilter {
    /// The dimension as `dimension :=` names it (`service`, `resource`, `tag:team`).
    pub dimension: String,
    pub spend: Spend,
    /// Billed rather than effective (amortized) cost.
    pub billed: bool,
    pub lookback_days: i64,
    pub min_history_days: i64,
    /// Decimal texts.
    pub threshold: String,
    pub min_impact: String,
    pub min_impact_pct: String,
    /// `up` or `both`.
    pub direction: String,
    /// Held against the same weekday only (true), never (false), or where the weekday differs (None).
    pub weekly: Option<bool>,
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
        monthly(con)?;
    }
    query(con, &anomalies_sql(con, f)?, &f.params(), "finding spend anomalies")
}

/// An error when the warehouse's bills are all monthly: no day can be told from another.
fn monthly(con: &Connection) -> Result<()> {
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

/// The anomaly query of `f` (`sql/report_anomalies.sql` over the spend of its dimension).
fn anomalies_sql(con: &Connection, f: &AnomalyFilter) -> Result<Sql> {
    let silver_cost = ident(if f.billed { "BilledCost" } else { "EffectiveCost" });
    let spend = match &f.spend {
        Spend::Daily(column) => {
            let cost = ident(if f.billed { "billed_cost" } else { "effective_cost" });
            sql::fragment(sql::ANOMALIES_SPEND_DAILY, &[("value", ident(column)), ("cost", cost)])
        }
        Spend::Resource => {
            sql::fragment(sql::ANOMALIES_SPEND_SILVER, &[("value", ident("ResourceId")), ("cost", silver_cost)])
        }
        Spend::Tag(key) => {
            let value = tag_value(con, &f.dimension, key)?;
            sql::fragment(sql::ANOMALIES_SPEND_SILVER, &[("value", value), ("cost", silver_cost)])
        }
    };
    let history = sql::fragment(sql::ANOMALIES_HISTORY_JOIN, &[] as &[(&str, Sql)]);
    // Resources are many (hundreds of thousands on a large bill): the last week unless the caller says otherwise.
    let recent = Sql::raw_static(if f.spend == Spend::Resource { "true" } else { "false" });
    let vars = [("spend", spend), ("history", history), ("recent", recent), ("dimension", literal(&f.dimension))];
    Ok(sql::fragment(sql::REPORT_ANOMALIES, &vars))
}

/// A line item's value of the tag `key` (matched as users type keys: case and `:`/`_` aside), `(untagged)` where
/// it has none; an error naming the tags there are where no resource has it.
fn tag_value(con: &Connection, dimension: &str, key: &str) -> Result<Sql> {
    let (matching, all): (Vec<String>, Vec<String>) = con
        .query_row(sql::ANOMALIES_TAG_KEYS, [&key], |r| Ok((list(r.get(0)?), list(r.get(1)?))))
        .context("reading the warehouse's tag keys")?;
    if matching.is_empty() {
        let known = if all.is_empty() { "none".to_string() } else { all.join(", ") };
        return Err(Error::Usage(format!(
            "cbh_anomalies(dimension := '{dimension}'): no resource in the warehouse has the tag '{key}'; the tags \
             there are: {known}"
        )));
    }
    let lookups: Vec<Sql> = matching.iter().map(|k| Sql::join([Sql::raw_static("Tags["), literal(k)], "")).collect();
    let lookups = Sql::join(lookups, "], ");
    Ok(Sql::join([Sql::raw_static("coalesce("), lookups, Sql::raw_static("], '(untagged)')")], ""))
}

/// A list of text DuckDB returned (NULL: none).
fn list(value: duckdb::types::Value) -> Vec<String> {
    match value {
        duckdb::types::Value::List(items) => items
            .into_iter()
            .filter_map(|v| match v {
                duckdb::types::Value::Text(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `cbh_check`'s anomaly budget: the message of the first currency whose anomalies (found with cbh_anomalies'
/// defaults on the days of `period`, `YYYY-MM-01`; None: the latest) cost more than `budget` over what was
/// expected, if any.
pub fn budget(con: &Connection, budget: &str, period: Option<&str>) -> Result<Option<String>> {
    monthly(con)?;
    let f = AnomalyFilter::defaults();
    let stmt = render(sql::CHECK_ANOMALIES, &[("anomalies", &anomalies_sql(con, &f)?)]);
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
    /// at least 1 and 10 %, spikes and new spend only, weekdays where they differ, every day.
    pub fn defaults() -> AnomalyFilter {
        AnomalyFilter {
            dimension: "service".into(),
            spend: Spend::Daily("service"),
            billed: false,
            lookback_days: 28,
            min_history_days: 7,
            threshold: "3".into(),
            min_impact: "1".into(),
            min_impact_pct: "0.1".into(),
            direction: "up".into(),
            weekly: None,
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
