//! `cbh_check(max_waste := DECIMAL, max_waste_share := DECIMAL, max_anomaly_impact := DECIMAL, billing_period := DATE
//! | VARCHAR)`: the CI gate. Fails (a DuckDB error, so the CLI exits non-zero) when the waste of a billing period (the
//! one given, else the latest) exceeds a budget, naming the top offenders, or when its spend anomalies cost more
//! than `max_anomaly_impact` over what was expected, naming the largest; else returns the figures, one row per
//! currency (each currency is held to the budget on its own: money of two currencies is never added).

use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use super::{named_text, period_start, warehouse_ready, Call, CbhFunction, Ty};
use crate::error::{Context, Error, Result};
use crate::pipeline::report;
use crate::sql;

/// The budgets of `cbh_check`, and the period it judges.
pub struct Check {
    max_waste: Option<String>,
    max_waste_share: Option<String>,
    /// The most the spend anomalies of the period (cbh_anomalies' defaults) may cost over what was expected.
    max_anomaly_impact: Option<String>,
    /// `YYYY-MM-01`; `None` for the latest period.
    billing_period: Option<String>,
}

/// What a billing period looks like, for the messages.
const PERIOD_FORMS: &str = "a DATE or text 'YYYY-MM' or 'YYYY-MM-DD' (any day of the month), such as '2024-09'";

/// The periods the message lists at most when the one asked for has no bill.
const PERIODS_LISTED: i64 = 6;

impl CbhFunction for Check {
    const NAME: &'static str = "cbh_check";
    const ABOUT: &'static str = "The CI gate: an error naming the top offenders when a billing period wastes more than the budget, else its figures.";
    const HELP: &'static [(&'static str, &'static str)] = &[
        ("max_waste", "the budget in money, held against each currency's waste on its own"),
        ("max_waste_share", "the budget as a share of the period's spend, 0 to 1 (0.05 = 5 %)"),
        (
            "max_anomaly_impact",
            "the most the period's spend anomalies (cbh_anomalies()) may cost over what was expected",
        ),
        ("billing_period", "the month to judge: '2024-09' or a DATE (default: the latest)"),
    ];
    const COLUMNS: &'static [(&'static str, Ty)] = &[
        ("billing_period", Ty::Date),
        ("waste", Ty::Money),
        ("spend", Ty::Money),
        ("waste_share", Ty::Money),
        ("max_waste", Ty::Money),
        ("max_waste_share", Ty::Money),
        ("findings", Ty::BigInt),
        ("status", Ty::Text),
        ("currency", Ty::Text),
    ];

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        vec![
            ("max_waste".into(), LogicalTypeHandle::decimal(38, 18)),
            ("max_waste_share".into(), LogicalTypeHandle::decimal(38, 18)),
            ("max_anomaly_impact".into(), LogicalTypeHandle::decimal(38, 18)),
            // VARCHAR, parsed here: DuckDB's own cast error would not name the parameter. A DATE arrives as
            // 'YYYY-MM-DD' (DuckDB casts it).
            ("billing_period".into(), LogicalTypeId::Varchar.into()),
        ]
    }

    fn bind(bind: &BindInfo) -> Result<Self> {
        let billing_period = match bind.get_named_parameter("billing_period") {
            None => None,
            Some(v) if v.is_null() => {
                return Err(Error::Usage(format!(
                    "cbh_check(billing_period := NULL): no billing period given; it takes {PERIOD_FORMS}. Leave \
                     billing_period out to check the latest period"
                )))
            }
            Some(v) => {
                let text = v.to_string();
                let period = period_start(&text).ok_or_else(|| {
                    Error::Usage(format!("cbh_check(billing_period := '{text}'): a billing period is {PERIOD_FORMS}"))
                })?;
                Some(period)
            }
        };
        let check = Check {
            max_waste: named_text(bind, "max_waste"),
            max_waste_share: named_text(bind, "max_waste_share"),
            max_anomaly_impact: named_text(bind, "max_anomaly_impact"),
            billing_period,
        };
        if check.max_waste.is_none() && check.max_waste_share.is_none() && check.max_anomaly_impact.is_none() {
            return Err(Error::Usage(
                "cbh_check needs a budget: max_waste := (money, in the bill's currency) and/or max_waste_share := \
                 (a share of the period's spend, such as 0.05) and/or max_anomaly_impact := (money)"
                    .into(),
            ));
        }
        let budgets = [
            ("max_waste", &check.max_waste),
            ("max_waste_share", &check.max_waste_share),
            ("max_anomaly_impact", &check.max_anomaly_impact),
        ];
        for (name, value) in budgets {
            if let Some(v) = value.as_deref().filter(|v| v.starts_with('-')) {
                return Err(Error::Usage(format!("cbh_check({name} := {}): a budget cannot be negative", plain(v))));
            }
        }
        if let Some(v) = check.max_waste_share.as_deref().filter(|v| over_one(v)) {
            return Err(Error::Usage(format!(
                "cbh_check(max_waste_share := {}): a share of spend is between 0 and 1, such as 0.05 for 5 % (a \
                 share over 1 is a budget no waste can exceed)",
                plain(v)
            )));
        }
        Ok(check)
    }

    fn run(&self, call: &Call) -> Result<Vec<RecordBatch>> {
        // A gate that passes because no bill landed (a wrong path in the CI job) would hide the waste it guards.
        let ready = warehouse_ready(call.pool)?;
        let con = call.pool.reader()?;
        let (periods, held, latest): (i64, bool, Option<String>) = if ready {
            con.query_row(sql::CHECK_PERIOD, [&self.billing_period], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .context("reading the billing periods")?
        } else {
            (0, false, None)
        };
        if periods == 0 {
            return Err(Error::Usage(
                "cbh_check: the warehouse holds no bill yet, so there is nothing to check; ingest one first, e.g. \
                 SELECT * FROM cbh_ingest('landing/*.csv')"
                    .into(),
            ));
        }
        if let (Some(period), false) = (&self.billing_period, held) {
            let month = &period[..7];
            let more = if periods > PERIODS_LISTED { ", ..." } else { "" };
            return Err(Error::Usage(format!(
                "cbh_check(billing_period := '{month}'): the warehouse has no bill for billing period {month} (it \
                 holds {}{more}); ingest that period's bill first, or check one it holds",
                latest.unwrap_or_default()
            )));
        }
        let period = self.billing_period.as_deref();
        let figures = report::check(&con, self.max_waste.as_deref(), self.max_waste_share.as_deref(), period)?;
        if let Some(budget) = &self.max_anomaly_impact {
            if let Some(message) = crate::pipeline::anomalies::budget(&con, budget, period)? {
                return Err(Error::OverBudget(message));
            }
        }
        Ok(figures)
    }
}

/// Whether a non-negative decimal (DuckDB's text of a DECIMAL(38,18)) is over 1.
fn over_one(decimal: &str) -> bool {
    let (whole, fraction) = decimal.trim().split_once('.').unwrap_or((decimal.trim(), ""));
    let whole = whole.trim_start_matches('0');
    whole.len() > 1 || whole.bytes().any(|b| b > b'1') || (whole == "1" && fraction.bytes().any(|b| b != b'0'))
}

/// A DECIMAL's text without its trailing zeros (`5.000000000000` → `5`), for messages.
fn plain(decimal: &str) -> &str {
    if decimal.contains('.') {
        decimal.trim_end_matches('0').trim_end_matches('.')
    } else {
        decimal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_months_or_days() {
        assert_eq!(period_start("2024-09").as_deref(), Some("2024-09-01"));
        assert_eq!(period_start("2024-09-30").as_deref(), Some("2024-09-01"));
        assert_eq!(period_start(" 2024-9-1 ").as_deref(), Some("2024-09-01"));
        assert_eq!(period_start("2024-02-29").as_deref(), Some("2024-02-01"));
        for bad in [
            "",
            "2024",
            "202409",
            "September",
            "2024-13",
            "2024-00",
            "2024-09-31",
            "2023-02-29",
            "1900-02-29",
            "24-09",
            "2024-09-01 00:00:00",
            "2024-09-01T00:00",
            "2024/09",
            "2024-009",
            "2024-09-",
            "-2024-09",
            "2024-+9",
            "2024-09-01-01",
            "२०२४-09",
        ] {
            assert_eq!(period_start(bad), None, "{bad}");
        }
        assert_eq!(period_start("2000-02-29").as_deref(), Some("2000-02-01"));
    }

    #[test]
    fn shares_over_one_are_found_exactly() {
        for over in ["5.000000000000", "1.000000000001", "2", "10.000000000000", "01.5"] {
            assert!(over_one(over), "{over}");
        }
        for within in ["1.000000000000", "1", "0.050000000000", "0", "0.999999999999", "001.000"] {
            assert!(!over_one(within), "{within}");
        }
    }

    #[test]
    fn decimals_lose_their_trailing_zeros() {
        assert_eq!(plain("5.000000000000"), "5");
        assert_eq!(plain("0.050000000000"), "0.05");
        assert_eq!(plain("-1.000000000000"), "-1");
        assert_eq!(plain("100"), "100");
    }
}
