//! The checks of a staged file as SQL: the query that finds the first record failing one of a format's checks, and
//! what is wrong with the value it found, for the error message; and which checks each format has.

use super::format::{Check, Format, Kind, IMPLAUSIBLE};
use crate::sql::{self, ident, literal, render, Sql};

/// A number's syntax, exponent allowed.
const NUMBER: &str = "regexp_full_match({v}, '[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?')";

/// Decimal places, counting an exponent: 1.5E-13 has 14 (the regular expressions only for the rare exponent).
const PLACES: &str = "(CASE WHEN contains(lower({v}), 'e') \
     THEN length(rtrim(regexp_extract({v}, '^[+-]?[0-9]*\\.?([0-9]*)', 1), '0')) \
          - coalesce(try_cast(nullif(regexp_extract({v}, '[eE]([+-]?[0-9]+)$', 1), '') AS INTEGER), 0) \
     ELSE length(rtrim(split_part({v}, '.', 2), '0')) END)";

/// The SQL that finds the first record of `stage` failing one of `checks`: `rowid` and the check's index
/// (`sql/stage_first_bad.sql`).
///
/// Each column is valued (trimmed) once, and each derived value once: its timestamp, and whether it is a plain
/// decimal (at most 15 integer digits, at most as many decimal places as the check allows, no exponent). A plain
/// decimal passes the full check (number syntax, decimal places with an exponent, the cast, the magnitude) without
/// it: the full check runs only for the rare values that are not plain.
pub fn first_bad_value_sql(format: Format, stage: &str, checks: &[Check]) -> Sql {
    // Each column's value once (trimming is most of the cost), however many checks read it; then the derived
    // values (`t_v0`: its timestamp; `p18_v0`: plain with at most 18 places; `p_v0`: plain, any places) once. Each
    // is kept by its name (`v0`) and placed quoted.
    let mut values: Vec<(String, String)> = Vec::new();
    let mut derived: Vec<(String, Sql)> = Vec::new();
    let mut value = |column: &str| -> String {
        if let Some((_, v)) = values.iter().find(|(c, _)| c == column) {
            return v.clone();
        }
        let v = format!("v{}", values.len());
        values.push((column.to_string(), v.clone()));
        v
    };
    fn derive(derived: &mut Vec<(String, Sql)>, name: String, expr: Sql) -> String {
        if !derived.iter().any(|(n, _)| *n == name) {
            derived.push((name.clone(), expr));
        }
        name
    }
    // `template` with `{v}` the value named `v`.
    let of = |template: &'static str, v: &str| render(template, &[("v", &ident(v))]);
    let ts = |derived: &mut Vec<(String, Sql)>, v: &str| {
        derive(derived, format!("t_{v}"), of("try_cast({v} AS TIMESTAMP)", v))
    };
    // Plain: at most 15 integer digits and `scale` decimal places (any, for None), no exponent.
    let plain = |derived: &mut Vec<(String, Sql)>, v: &str, scale: Option<u32>| {
        let (fraction, some) =
            scale.map_or(("*".to_string(), "+".to_string()), |s| (format!("{{0,{s}}}"), format!("{{1,{s}}}")));
        let name = format!("p{}_{v}", scale.map_or(String::new(), |s| s.to_string()));
        let pattern = literal(&format!("[+-]?([0-9]{{1,15}}(\\.[0-9]{fraction})?|\\.[0-9]{some})"));
        derive(derived, name, render("regexp_full_match({v}, {pattern})", &[("v", &ident(v)), ("pattern", &pattern)]))
    };
    let mut plain_of: Vec<(String, String)> = Vec::new(); // value -> its plain flag (any scale: implies < 10^15)
    let mut cases = Vec::new();
    for (i, check) in checks.iter().enumerate() {
        let v = value(&check.column);
        let period = check.period.as_ref().map(|(start, end)| (value(start), value(end)));
        let mut exact = |derived: &mut Vec<(String, Sql)>, scale: Option<u32>, full: Sql| {
            let flag = plain(derived, &v, scale);
            plain_of.push((v.clone(), flag.clone()));
            render(
                "{v} IS NOT NULL AND NOT {flag} AND NOT ({full})",
                &[("v", &ident(&v)), ("flag", &ident(&flag)), ("full", &full)],
            )
        };
        let decimal = |scale: u32| {
            render(
                "{number} AND {places} <= {scale} AND try_cast({v} AS DECIMAL(38, {scale})) IS NOT NULL",
                &[
                    ("number", &of(NUMBER, &v)),
                    ("places", &of(PLACES, &v)),
                    ("scale", &sql::int(scale.into())),
                    ("v", &ident(&v)),
                ],
            )
        };
        let condition = match check.kind {
            Kind::Present => of("{v} IS NULL", &v),
            Kind::Timestamp => of("{v} IS NULL", &ts(&mut derived, &v)),
            Kind::OptionalTimestamp => {
                let t = ident(&ts(&mut derived, &v));
                render("{v} IS NOT NULL AND {t} IS NULL", &[("v", &ident(&v)), ("t", &t)])
            }
            Kind::Money | Kind::Quantity => exact(&mut derived, Some(18), decimal(18)),
            Kind::RoundedMoney => {
                let full = render(
                    "{number} AND try_cast({v} AS DECIMAL(38, 18)) IS NOT NULL",
                    &[("number", &of(NUMBER, &v)), ("v", &ident(&v))],
                );
                exact(&mut derived, None, full)
            }
            Kind::JsonObject => of(
                "{v} IS NOT NULL AND (CASE WHEN json_valid({v}) THEN json_type({v}::JSON) END) IS DISTINCT FROM 'OBJECT'",
                &v,
            ),
            // DOUBLE only compares magnitudes here; amounts themselves are never DOUBLE. A plain decimal has at
            // most 15 integer digits, so it is below 10^15.
            Kind::Plausible => {
                let magnitude =
                    render("abs(try_cast({v} AS DOUBLE)) >= {at}", &[("v", &ident(&v)), ("at", &IMPLAUSIBLE)]);
                match plain_of.iter().find(|(of, _)| *of == v) {
                    Some((_, flag)) => render(
                        "NOT coalesce({flag}, false) AND {magnitude}",
                        &[("flag", &ident(flag)), ("magnitude", &magnitude)],
                    ),
                    None => magnitude,
                }
            }
            Kind::InPeriod => {
                // `checks` gives every InPeriod check its period's columns; without them, nothing is outside it.
                let Some((start, end)) = period else { continue };
                let at = ident(&ts(&mut derived, &v));
                let (start, end) = (ident(&ts(&mut derived, &start)), ident(&ts(&mut derived, &end)));
                let vars = [("at", &at), ("start", &start), ("end", &end)];
                match format {
                    Format::Focus => render("{at} >= {end}", &vars),
                    _ => render("({at} < {start} OR {at} >= {end})", &vars),
                }
            }
        };
        cases.push(render("WHEN {condition} THEN {i}", &[("condition", &condition), ("i", &sql::int(i as i64))]));
    }
    let values = values.iter().map(|(c, v)| format.value(c).alias(v));
    let derived = derived.iter().map(|(name, expr)| expr.alias(name));
    let bad = match cases.is_empty() {
        true => Sql::raw_static("NULL::BIGINT"),
        false => render("CASE {cases} END", &[("cases", &Sql::join(cases, " "))]),
    };
    render(
        sql::STAGE_FIRST_BAD,
        &[
            ("stage", &ident(stage)),
            ("values", &Sql::join(std::iter::once(Sql::raw_static("rowid")).chain(values), ", ")),
            ("derived", &Sql::join(std::iter::once(Sql::raw_static("*")).chain(derived), ", ")),
            ("bad", &bad),
        ],
    )
}

/// Why a value failed a check, for the error message.
pub fn reason(kind: Kind, value: &str) -> String {
    match kind {
        Kind::Present => "the value is empty".into(),
        Kind::Timestamp | Kind::OptionalTimestamp => {
            format!("'{value}' is not a timestamp (expected e.g. 2024-09-01T00:00:00Z)")
        }
        Kind::Money | Kind::RoundedMoney => {
            format!("'{value}' is not an amount cbh can hold exactly (a decimal number with at most 18 decimal places, under 10^20)")
        }
        Kind::Quantity => {
            format!("'{value}' is not a quantity cbh can hold exactly (a number with at most 18 decimal places)")
        }
        Kind::JsonObject => format!("'{value}' is not a JSON object"),
        Kind::Plausible => format!(
            "'{value}' is implausible for one line item (10^15 or more): is a column shifted, or the file corrupt?"
        ),
        Kind::InPeriod => format!("'{value}' is outside the billing period the line item is billed in"),
    }
}

impl Format {
    /// Checks of a staged file with `columns`; `doubles` are the columns read from floating-point values.
    pub fn checks(self, columns: &[String], doubles: &[String]) -> Vec<Check> {
        // The columns each kind of check applies to: present, timestamps, optional timestamps, money, quantities, JSON.
        type Kinds = [&'static [&'static str]; 6];
        let [present, timestamps, optional_timestamps, money, quantities, json]: Kinds = match self {
            Format::Focus => [
                &["ProviderName", "BillingAccountId"],
                &["BillingPeriodStart"],
                &["BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"],
                &["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"],
                &["ConsumedQuantity"],
                &["Tags"],
            ],
            _ => [
                &["bill_payer_account_id"],
                &["bill_billing_period_start_date"],
                &["bill_billing_period_end_date", "line_item_usage_start_date", "line_item_usage_end_date"],
                &[
                    "line_item_unblended_cost",
                    "pricing_public_on_demand_cost",
                    "reservation_effective_cost",
                    "reservation_unused_amortized_upfront_fee_for_billing_period",
                    "reservation_unused_recurring_fee",
                    "savings_plan_savings_plan_effective_cost",
                    "savings_plan_total_commitment_to_date",
                    "savings_plan_used_commitment",
                ],
                &["line_item_usage_amount"],
                &["resource_tags", "product"],
            ],
        };
        let mut out = Vec::new();
        let mut add = |names: &[&str], kind: Kind| {
            for name in names {
                if let Some(column) = self.resolve(columns, name) {
                    let kind = if kind == Kind::Money && doubles.iter().any(|d| d == column) {
                        Kind::RoundedMoney
                    } else {
                        kind
                    };
                    out.push(Check::new(column, kind));
                }
            }
        };
        add(present, Kind::Present);
        add(timestamps, Kind::Timestamp);
        add(money, Kind::Money);
        add(quantities, Kind::Quantity);
        add(optional_timestamps, Kind::OptionalTimestamp);
        if self == Format::Cur2 || self == Format::Focus {
            add(json, Kind::JsonObject);
        }
        add(money, Kind::Plausible);
        add(quantities, Kind::Plausible);
        let (start, end, charge) = match self {
            Format::Focus => ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart"),
            _ => ("bill_billing_period_start_date", "bill_billing_period_end_date", "line_item_usage_start_date"),
        };
        if let (Some(start), Some(end), Some(charge)) =
            (self.resolve(columns, start), self.resolve(columns, end), self.resolve(columns, charge))
        {
            out.push(Check {
                period: Some((start.to_string(), end.to_string())),
                ..Check::new(charge, Kind::InPeriod)
            });
        }
        out
    }
}
