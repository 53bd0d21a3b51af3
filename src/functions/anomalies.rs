//! `cbh_anomalies(dimension := VARCHAR, cost := VARCHAR, lookback_days := INTEGER, min_history_days := INTEGER,
//! threshold := DECIMAL, min_impact := DECIMAL, min_impact_pct := DECIMAL, direction := VARCHAR, weekly := BOOLEAN,
//! from_day := DATE, to_day := DATE)`: the days spend jumped (or dropped), per value of a dimension, from Gold's
//! daily spend (by resource or tag: from Silver's line items).

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use super::{named_bool, named_text, warehouse_ready, Call, CbhFunction, Ty};
use crate::error::{Error, Result};
use crate::pipeline::anomalies::{self, AnomalyFilter, Spend};

/// The dimensions of Gold's daily spend, as `dimension :=` names them, and the column of cbh.gold_daily each reads
/// (also: `resource` and `tag:<key>`, from Silver).
const DIMENSIONS: &[(&str, &str)] = &[
    ("service", "service"),
    ("account", "billing_account"),
    ("sub_account", "sub_account"),
    ("region", "region"),
    ("usage_type", "usage_type"),
];

/// Parameters of `cbh_anomalies`.
pub struct Anomalies(AnomalyFilter);

impl CbhFunction for Anomalies {
    const NAME: &'static str = "cbh_anomalies";
    const ABOUT: &'static str =
        "The days spend jumped: per service, account, region, usage type, resource or tag, against the trailing days' median.";
    const HELP: &'static [(&'static str, &'static str)] = &[
        ("dimension", "service (default), account, sub_account, region, usage_type, resource or tag:<key>"),
        ("cost", "effective (default: amortized) or billed"),
        ("lookback_days", "the trailing days a day is held against (default 28)"),
        ("min_history_days", "days of history a day needs to be judged (default 7)"),
        ("threshold", "how many robust deviations (1.4826 x MAD) from the median is an anomaly (default 3)"),
        ("min_impact", "the least impact in money (default 1)"),
        ("min_impact_pct", "the least impact as a share of the expected spend (default 0.1 = 10 %)"),
        ("direction", "up (default: spikes and new spend) or both (drops and gone spend too)"),
        ("weekly", "true: each day against the same weekday only; false: against every day; default: the same weekday where its median is outside the band of every day (weekend dips are not drops)"),
        ("all_days", "true shows every day judged, with its band (kind NULL where it is inside): for a chart"),
        ("if_monthly", "'error' (default): monthly bills are an error saying so; 'empty': no rows (a script's loop)"),
        ("from_day", "only days from this one"),
        ("to_day", "only days up to this one"),
    ];
    const COLUMNS: &'static [(&'static str, Ty)] = &[
        ("day", Ty::Date),
        ("dimension", Ty::Text),
        ("value", Ty::Text),
        ("actual_cost", Ty::Money),
        ("expected_cost", Ty::Money),
        ("lower_bound", Ty::Money),
        ("upper_bound", Ty::Money),
        ("impact", Ty::Money),
        ("impact_pct", Ty::Money),
        ("score", Ty::Money),
        ("kind", Ty::Text),
        ("top_drivers", Ty::Text),
        ("history_days", Ty::BigInt),
        ("provisional", Ty::Bool),
        ("anomaly_id", Ty::BigInt),
        ("start_day", Ty::Date),
        ("end_day", Ty::Date),
        ("total_impact", Ty::Money),
        ("currency", Ty::Text),
        ("by_weekday", Ty::Bool),
    ];

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        let text = || LogicalTypeId::Varchar.into();
        vec![
            ("dimension".into(), text()),
            ("cost".into(), text()),
            ("lookback_days".into(), LogicalTypeId::Integer.into()),
            ("min_history_days".into(), LogicalTypeId::Integer.into()),
            ("threshold".into(), LogicalTypeHandle::decimal(38, 6)),
            ("min_impact".into(), LogicalTypeHandle::decimal(38, 18)),
            ("min_impact_pct".into(), LogicalTypeHandle::decimal(38, 6)),
            ("direction".into(), text()),
            ("weekly".into(), LogicalTypeId::Boolean.into()),
            ("all_days".into(), LogicalTypeId::Boolean.into()),
            ("if_monthly".into(), text()),
            ("from_day".into(), LogicalTypeId::Date.into()),
            ("to_day".into(), LogicalTypeId::Date.into()),
        ]
    }

    fn bind(bind: &BindInfo) -> Result<Self> {
        let usage = |msg: String| Error::Usage(format!("cbh_anomalies({msg}"));
        let d = AnomalyFilter::defaults();
        let dimension = named_text(bind, "dimension").unwrap_or_else(|| d.dimension.clone());
        let spend = spend(dimension.trim()).ok_or_else(|| {
            let names: Vec<&str> = DIMENSIONS.iter().map(|d| d.0).collect();
            usage(format!(
                "dimension := '{dimension}'): a dimension is one of {}, resource or tag:<key>",
                names.join(", ")
            ))
        })?;
        let billed = match named_text(bind, "cost").unwrap_or_else(|| "effective".into()).to_ascii_lowercase().trim() {
            "effective" => false,
            "billed" => true,
            other => return Err(usage(format!("cost := '{other}'): the cost is 'effective' or 'billed'"))),
        };
        let direction = named_text(bind, "direction").unwrap_or(d.direction).to_ascii_lowercase();
        if direction != "up" && direction != "both" {
            return Err(usage(format!("direction := '{direction}'): the direction is 'up' or 'both'")));
        }
        let monthly_error = match named_text(bind, "if_monthly").unwrap_or_else(|| "error".into()).as_str() {
            "error" => true,
            "empty" => false,
            other => return Err(usage(format!("if_monthly := '{other}'): it is 'error' or 'empty'"))),
        };
        let days = |name: &str, default: i64, least: i64| -> Result<i64> {
            let n = named_text(bind, name).map_or(Ok(default), |v| v.parse::<i64>().map_err(|_| v.clone()));
            match n {
                Ok(n) if n >= least => Ok(n),
                Ok(n) => Err(usage(format!("{name} := {n}): it is at least {least}"))),
                Err(v) => Err(usage(format!("{name} := {v}): a number of days"))),
            }
        };
        let not_negative = |name: &str, default: &str| -> Result<String> {
            let v = named_text(bind, name).unwrap_or_else(|| default.into());
            match v.starts_with('-') {
                true => Err(usage(format!("{name} := {v}): it cannot be negative"))),
                false => Ok(v),
            }
        };
        Ok(Anomalies(AnomalyFilter {
            dimension: match &spend {
                Spend::Daily(column) => DIMENSIONS.iter().find(|d| d.1 == *column).map_or("service", |d| d.0).into(),
                Spend::Resource => "resource".into(),
                Spend::Tag(key) => format!("tag:{key}"),
            },
            spend,
            billed,
            lookback_days: days("lookback_days", d.lookback_days, 2)?,
            min_history_days: days("min_history_days", d.min_history_days, 1)?,
            threshold: not_negative("threshold", &d.threshold)?,
            min_impact: not_negative("min_impact", &d.min_impact)?,
            min_impact_pct: not_negative("min_impact_pct", &d.min_impact_pct)?,
            direction,
            weekly: named_text(bind, "weekly").map(|v| v.eq_ignore_ascii_case("true")),
            all_days: named_bool(bind, "all_days"),
            monthly_error,
            from_day: named_text(bind, "from_day"),
            to_day: named_text(bind, "to_day"),
        }))
    }

    fn run(&self, call: &Call) -> Result<Vec<RecordBatch>> {
        if !warehouse_ready(call.pool)? {
            return Ok(Vec::new());
        }
        anomalies::anomalies(&*call.pool.reader()?, &self.0)
    }
}

/// The spend a dimension's name (as typed) is judged on, if it is one.
fn spend(name: &str) -> Option<Spend> {
    if let Some((prefix, key)) = name.split_once(':') {
        let key = key.trim();
        return (prefix.trim().eq_ignore_ascii_case("tag") && !key.is_empty()).then(|| Spend::Tag(key.to_string()));
    }
    if name.eq_ignore_ascii_case("resource") {
        return Some(Spend::Resource);
    }
    DIMENSIONS.iter().find(|(d, _)| d.eq_ignore_ascii_case(name)).map(|d| Spend::Daily(d.1))
}
