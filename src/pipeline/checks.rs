//! The checks of a staged file as SQL: the query that finds the first record failing one of a format's checks, and
//! what is wrong with the value it found, for the error message; and which checks each format has.

use super::format::{Check, Format, Kind, IMPLAUSIBLE};

/// The SQL that finds the first record of `stage` failing one of `checks`: `rowid` and the check's index.
///
/// Each column is valued (trimmed) once, and each derived value once: its timestamp, and whether it is a plain
/// decimal (at most 15 integer digits, at most as many decimal places as the check allows, no exponent). A plain
/// decimal passes the full check (number syntax, decimal places with an exponent, the cast, the magnitude) without
/// it: the full check runs only for the rare values that are not plain.
pub fn first_bad_value_sql(format: Format, stage: &str, checks: &[Check]) -> String {
    let number = |v: &str| format!("regexp_full_match({v}, '[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?')");
    // Decimal places, counting an exponent: 1.5E-13 has 14 (the regular expressions only for the rare exponent).
    let places = |v: &str| {
        format!(
            "(CASE WHEN contains(lower({v}), 'e') \
             THEN length(rtrim(regexp_extract({v}, '^[+-]?[0-9]*\\.?([0-9]*)', 1), '0')) \
                  - coalesce(try_cast(nullif(regexp_extract({v}, '[eE]([+-]?[0-9]+)$', 1), '') AS INTEGER), 0) \
             ELSE length(rtrim(split_part({v}, '.', 2), '0')) END)"
        )
    };
    // Each column's value once (trimming is most of the cost), however many checks read it; then the derived
    // values (`t_v0`: its timestamp; `p12_v0`: plain with at most 12 places; `p_v0`: plain, any places) once.
    let mut values: Vec<(String, String)> = Vec::new();
    let mut derived: Vec<(String, String)> = Vec::new();
    let mut value = |column: &str| -> String {
        if let Some((_, v)) = values.iter().find(|(c, _)| c == column) {
            return v.clone();
        }
        let v = format!("v{}", values.len());
        values.push((column.to_string(), v.clone()));
        v
    };
    fn derive(derived: &mut Vec<(String, String)>, name: String, expr: String) -> String {
        if !derived.iter().any(|(n, _)| *n == name) {
            derived.push((name.clone(), expr));
        }
        name
    }
    let ts = |derived: &mut Vec<(String, String)>, v: &str| {
        derive(derived, format!("t_{v}"), format!("try_cast({v} AS TIMESTAMP)"))
    };
    // Plain: at most 15 integer digits and `scale` decimal places (any, for None), no exponent.
    let plain = |derived: &mut Vec<(String, String)>, v: &str, scale: Option<u32>| {
        let (fraction, some) =
            scale.map_or(("*".to_string(), "+".to_string()), |s| (format!("{{0,{s}}}"), format!("{{1,{s}}}")));
        let name = format!("p{}_{v}", scale.map_or(String::new(), |s| s.to_string()));
        derive(
            derived,
            name,
            format!("regexp_full_match({v}, '[+-]?([0-9]{{1,15}}(\\.[0-9]{fraction})?|\\.[0-9]{some})')"),
        )
    };
    let mut plain_of: Vec<(String, String)> = Vec::new(); // value -> its plain flag (any scale: implies < 10^15)
    let mut cases = Vec::new();
    for (i, check) in checks.iter().enumerate() {
        let v = value(&check.column);
        let period = check.period.as_ref().map(|(start, end)| (value(start), value(end)));
        let mut exact = |derived: &mut Vec<(String, String)>, scale: Option<u32>, full: String| {
            let flag = plain(derived, &v, scale);
            plain_of.push((v.clone(), flag.clone()));
            format!("{v} IS NOT NULL AND NOT {flag} AND NOT ({full})")
        };
        let decimal = |scale: u32| {
            format!(
                "{} AND {} <= {scale} AND try_cast({v} AS DECIMAL(38, {scale})) IS NOT NULL",
                number(&v),
                places(&v)
            )
        };
        let condition = match check.kind {
            Kind::Present => format!("{v} IS NULL"),
            Kind::Timestamp => format!("{} IS NULL", ts(&mut derived, &v)),
            Kind::OptionalTimestamp => format!("{v} IS NOT NULL AND {} IS NULL", ts(&mut derived, &v)),
            Kind::Money => exact(&mut derived, Some(12), decimal(12)),
            Kind::RoundedMoney => {
                let full = format!("{} AND try_cast({v} AS DECIMAL(38, 12)) IS NOT NULL", number(&v));
                exact(&mut derived, None, full)
            }
            Kind::Quantity => exact(&mut derived, Some(18), decimal(18)),
            Kind::JsonObject => format!(
                "{v} IS NOT NULL AND (CASE WHEN json_valid({v}) THEN json_type({v}::JSON) END) IS DISTINCT FROM 'OBJECT'"
            ),
            // DOUBLE only compares magnitudes here; amounts themselves are never DOUBLE. A plain decimal has at
            // most 15 integer digits, so it is below 10^15.
            Kind::Plausible => {
                let magnitude = format!("abs(try_cast({v} AS DOUBLE)) >= {IMPLAUSIBLE}");
                match plain_of.iter().find(|(of, _)| *of == v) {
                    Some((_, flag)) => format!("NOT coalesce({flag}, false) AND {magnitude}"),
                    None => magnitude,
                }
            }
            Kind::InPeriod => {
                let (start, end) = period.unwrap_or_else(|| ("NULL".into(), "NULL".into()));
                let (at, start, end) = (ts(&mut derived, &v), ts(&mut derived, &start), ts(&mut derived, &end));
                match format {
                    Format::Focus => format!("{at} >= {end}"),
                    _ => format!("({at} < {start} OR {at} >= {end})"),
                }
            }
        };
        cases.push(format!("WHEN {condition} THEN {i}"));
    }
    if checks.is_empty() {
        return format!("SELECT rowid, 0 FROM {stage} WHERE false");
    }
    let derived_columns: String = derived.iter().map(|(name, expr)| format!(", {expr} AS {name}")).collect();
    format!(
        "WITH v AS (SELECT rowid, {} FROM {stage}), \
         d AS (SELECT *{derived_columns} FROM v), \
         checked AS (SELECT rowid, CASE {} END AS bad FROM d) \
         SELECT rowid, bad FROM checked WHERE bad IS NOT NULL ORDER BY rowid LIMIT 1",
        values.iter().map(|(c, v)| format!("{} AS {v}", format.value(c))).collect::<Vec<_>>().join(", "),
        cases.join(" ")
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
            format!("'{value}' is not an amount cbh can hold exactly (a decimal number with at most 12 decimal places)")
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
