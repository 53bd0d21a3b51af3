//! The billing export formats cbh reads, with no database in them: how each is recognized by its columns, which
//! Bronze table it lands in, which values are checked before anything lands, and the Silver expressions built
//! from the columns a Bronze table has.
//!
//! Names are resolved through a *canonical* name: the Athena snake_case name for the AWS CUR family
//! (`lineItem/UnblendedCost` and `line_item_unblended_cost` are both `line_item_unblended_cost`), the FOCUS name
//! for FOCUS. Matching is case-insensitive, like DuckDB's identifiers.

use crate::sql::{ident, literal};

/// An input format, detected from a file's columns or forced with `format :=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Legacy AWS Cost and Usage Report, CSV with `category/Name` headers (plain or gzip).
    Cur,
    /// Legacy AWS CUR in its Athena/Parquet form: snake_case names, one `resource_tags_*` column per tag.
    CurAthena,
    /// AWS CUR 2.0 (Data Exports): snake_case names, `product` and `resource_tags` are maps (JSON text in CSV).
    Cur2,
    /// FOCUS 1.0 to 1.2, from any provider.
    Focus,
}

/// Every format, in detection order.
pub const ALL: [Format; 4] = [Format::Cur, Format::CurAthena, Format::Cur2, Format::Focus];

/// Most columns a file may have: a CUR export has a few hundred, with its tag columns.
pub const MAX_COLUMNS: usize = 2000;

/// Columns an AWS CUR file of any form must have, in legacy spelling (canonical: their snake_case).
const CUR_REQUIRED: &[&str] = &[
    "bill/PayerAccountId",
    "bill/BillingPeriodStartDate",
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UsageAmount",
    "lineItem/UnblendedCost",
    "lineItem/CurrencyCode",
];

/// Columns a FOCUS file must have (all mandatory in FOCUS 1.0 to 1.2).
const FOCUS_REQUIRED: &[&str] = &[
    "ProviderName",
    "BillingAccountId",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargePeriodStart",
    "BilledCost",
    "EffectiveCost",
    "BillingCurrency",
];

/// What a value must be for cbh to type it exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Present and not empty.
    Present,
    /// A timestamp, present.
    Timestamp,
    /// A timestamp or empty.
    OptionalTimestamp,
    /// An amount that fits DECIMAL(38,12) exactly, or empty.
    Money,
    /// An amount read from a floating-point (DOUBLE) column: rounded once to 12 places, or empty.
    RoundedMoney,
    /// A quantity that fits DECIMAL(38,18) exactly, or empty.
    Quantity,
    /// A JSON object, or empty.
    JsonObject,
    /// An amount or quantity below `IMPLAUSIBLE` in absolute value, or empty.
    Plausible,
    /// A timestamp inside the billing period the columns in `Check::period` give (CUR), or not after its end (FOCUS,
    /// where charges of earlier periods may arrive late); or empty.
    InPeriod,
}

/// No single line item costs this much (10^15) in any currency: such a value is a shifted column or corruption.
pub const IMPLAUSIBLE: &str = "1e15";

/// One check of a staged file: the column (as the file names it) and what its values must be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub column: String,
    pub kind: Kind,
    /// For `InPeriod`: the billing period's start and end columns (as the file names them).
    pub period: Option<(String, String)>,
}

impl Check {
    /// A check of one column.
    pub fn new(column: &str, kind: Kind) -> Check {
        Check { column: column.to_string(), kind, period: None }
    }
}

impl Format {
    /// The name `format :=` takes and the ledger records.
    pub fn name(self) -> &'static str {
        match self {
            Format::Cur => "cur",
            Format::CurAthena => "cur_athena",
            Format::Cur2 => "cur2",
            Format::Focus => "focus",
        }
    }

    /// In words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Cur => "a legacy AWS CUR export (CSV with 'category/Name' headers)",
            Format::CurAthena => "a legacy AWS CUR export in Athena/Parquet form",
            Format::Cur2 => "an AWS CUR 2.0 export",
            Format::Focus => "a FOCUS export",
        }
    }

    /// The Bronze table (in schema `cbh`) that keeps this format's rows as received.
    pub fn bronze_table(self) -> &'static str {
        match self {
            Format::Cur => "bronze_cur",
            Format::CurAthena => "bronze_cur_athena",
            Format::Cur2 => "bronze_cur2",
            Format::Focus => "bronze_focus",
        }
    }

    /// The format `format :=` names. `cur` is the legacy CUR in either spelling; `columns` tells which.
    pub fn parse(name: &str, columns: &[String]) -> Option<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "cur" | "cur1" | "legacy" => {
                Some(if has(columns, "lineItem/UnblendedCost") { Format::Cur } else { Format::CurAthena })
            }
            "cur_athena" => Some(Format::CurAthena),
            "cur2" | "cur2.0" | "cur_2_0" => Some(Format::Cur2),
            "focus" => Some(Format::Focus),
            _ => None,
        }
    }

    /// The format a file's columns show, if any: legacy CUR by its `category/Name` headers, CUR 2.0 and the
    /// Athena form by their snake_case category prefixes (CUR 2.0 has map columns), FOCUS by its core columns.
    pub fn detect(columns: &[String]) -> Option<Format> {
        let prefixed = |prefixes: &[&str]| {
            columns.iter().any(|c| prefixes.iter().any(|p| c.to_ascii_lowercase().starts_with(p)))
        };
        if prefixed(&["lineitem/", "bill/"]) {
            Some(Format::Cur)
        } else if prefixed(&["line_item_", "bill_"]) {
            // CUR 2.0's map columns; the legacy Athena form flattens them (`product_region`, `resource_tags_user_x`).
            let cur2 = ["product", "resource_tags", "cost_category", "discount"];
            Some(if cur2.iter().any(|c| has(columns, c)) { Format::Cur2 } else { Format::CurAthena })
        } else if ["BilledCost", "EffectiveCost", "ChargeCategory", "BillingAccountId"].iter().any(|c| has(columns, c)) {
            Some(Format::Focus)
        } else {
            None
        }
    }

    /// The canonical name of a column of this format.
    pub fn canonical(self, column: &str) -> String {
        match self {
            Format::Cur => snake_case(column),
            Format::CurAthena | Format::Cur2 => column.to_ascii_lowercase(),
            Format::Focus => column.to_string(),
        }
    }

    /// The column of `columns` with canonical name `name`, as the file spells it.
    pub fn resolve<'a>(self, columns: &'a [String], name: &str) -> Option<&'a str> {
        columns.iter().find(|c| self.canonical(c).eq_ignore_ascii_case(name)).map(|c| c.as_str())
    }

    /// Required columns, as this format spells them.
    pub fn required(self) -> Vec<String> {
        match self {
            Format::Cur => CUR_REQUIRED.iter().map(|s| s.to_string()).collect(),
            Format::CurAthena | Format::Cur2 => CUR_REQUIRED.iter().map(|s| snake_case(s)).collect(),
            Format::Focus => FOCUS_REQUIRED.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// The first required column `columns` lacks, as this format spells it.
    pub fn missing_required(self, columns: &[String]) -> Option<String> {
        self.required().into_iter().find(|r| self.resolve(columns, &self.canonical(r)).is_none())
    }

    /// A value of `column` as SQL: trimmed, empty as NULL (and FOCUS's literal `NULL` as NULL).
    pub fn value(self, column: &str) -> String {
        match self {
            Format::Focus => format!("nullif(nullif({}, ''), 'NULL')", trimmed(&ident(column))),
            _ => format!("nullif({}, '')", trimmed(&ident(column))),
        }
    }

    /// The value of canonical column `name` from `columns`, or a typed NULL when the file lacks it.
    pub fn column(self, columns: &[String], name: &str) -> String {
        match self.resolve(columns, name) {
            Some(c) => self.value(c),
            None => "NULL::VARCHAR".into(),
        }
    }

    /// SQL expressions of the delivery key (provider, billing account, billing period) of one row.
    pub fn key_expressions(self, columns: &[String]) -> [String; 3] {
        let c = |name: &str| self.column(columns, name);
        match self {
            Format::Focus => [
                c("ProviderName"),
                c("BillingAccountId"),
                format!("try_cast({} AS TIMESTAMP)::DATE", c("BillingPeriodStart")),
            ],
            _ => [
                "'AWS'".into(),
                c("bill_payer_account_id"),
                format!("try_cast({} AS TIMESTAMP)::DATE", c("bill_billing_period_start_date")),
            ],
        }
    }

    /// Whether a file of this format may hold several delivery keys. A CUR file covers one payer account and one
    /// billing period; a FOCUS file may cover several providers, accounts and periods.
    pub fn many_keys(self) -> bool {
        self == Format::Focus
    }

    /// Checks of a staged file with `columns`; `doubles` are the columns read from floating-point values.
    pub fn checks(self, columns: &[String], doubles: &[String]) -> Vec<Check> {
        let (present, timestamps, optional_timestamps, money, quantities, json): (
            &[&str],
            &[&str],
            &[&str],
            &[&str],
            &[&str],
            &[&str],
        ) = match self {
            Format::Focus => (
                &["ProviderName", "BillingAccountId"],
                &["BillingPeriodStart"],
                &["BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"],
                &["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"],
                &["ConsumedQuantity"],
                &["Tags"],
            ),
            _ => (
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
            ),
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
            out.push(Check { period: Some((start.to_string(), end.to_string())), ..Check::new(charge, Kind::InPeriod) });
        }
        out
    }

    /// The tags of a row, as a `STRUCT(key VARCHAR, value VARCHAR)[]` expression: the keys as the provider writes
    /// them (`user:team`, `user_team`), entries with empty values left out.
    pub fn tag_entries(self, columns: &[String]) -> String {
        format!("list_filter({}, lambda e: nullif(trim(e.value), '') IS NOT NULL)", self.source_tag_entries(columns))
    }

    fn source_tag_entries(self, columns: &[String]) -> String {
        const EMPTY: &str = "[]::STRUCT(key VARCHAR, value VARCHAR)[]";
        let from_columns = |prefix: &str| {
            let entries: Vec<String> = columns
                .iter()
                .filter_map(|c| {
                    let key = c.get(..prefix.len()).filter(|p| p.eq_ignore_ascii_case(prefix)).map(|_| &c[prefix.len()..]);
                    key.filter(|k| !k.is_empty()).map(|k| (c, k))
                })
                .map(|(c, k)| format!("{{'key': {}, 'value': {}}}", literal(k), ident(c)))
                .collect();
            if entries.is_empty() {
                EMPTY.to_string()
            } else {
                format!("[{}]", entries.join(", "))
            }
        };
        let from_json = |name: &str| match self.resolve(columns, name) {
            Some(c) => format!(
                "coalesce(map_entries(TRY_CAST({}::JSON AS MAP(VARCHAR, VARCHAR))), {EMPTY})",
                self.value(c)
            ),
            None => EMPTY.to_string(),
        };
        match self {
            Format::Cur => from_columns("resourceTags/"),
            Format::CurAthena => from_columns("resource_tags_"),
            Format::Cur2 => from_json("resource_tags"),
            Format::Focus => from_json("Tags"),
        }
    }

    /// The prefix that marks a user-defined tag key, dropped in Silver's `Tags` (`user:team` → `team`).
    pub fn user_tag_prefix(self) -> &'static str {
        match self {
            Format::Cur | Format::Focus => "user:",
            Format::CurAthena | Format::Cur2 => "user_",
        }
    }

    /// Silver's `Tags` (user keys: the user prefix dropped, `user:team` → `team`) and `x_SourceTags` (the provider's
    /// keys). A key seen twice keeps its first non-empty value. Where tags are columns (legacy CUR, Athena), the keys
    /// are known here and the maps are built from them directly; where they are a JSON map (CUR 2.0, FOCUS), from
    /// the entries in column `cbh_tags` (`tag_entries`).
    pub fn tag_maps(self, columns: &[String]) -> (String, String) {
        let prefix = self.user_tag_prefix();
        match self.tag_columns(columns) {
            Some(tags) => {
                let user = tags.iter().map(|(k, c)| (k.strip_prefix(prefix).unwrap_or(k).to_string(), c.clone()));
                (static_map(user.collect()), static_map(tags))
            }
            None => {
                let prefix = literal(prefix);
                let user = format!(
                    "list_transform(cbh_tags, lambda e: {{'key': CASE WHEN starts_with(e.key, {prefix}) \
                     THEN e.key[length({prefix}) + 1:] ELSE e.key END, 'value': trim(e.value)}})"
                );
                let map = |list: &str| {
                    format!(
                        "map_from_entries(list_filter({list}, lambda e, i: \
                         list_position(list_transform({list}, lambda x: x.key), e.key) = i))"
                    )
                };
                (map(&user), map("cbh_tags"))
            }
        }
    }

    /// The columns Silver's tag maps are built from: the tag columns, or the one JSON tags column.
    pub fn tag_sources(self, columns: &[String]) -> Vec<String> {
        match (self.tag_columns(columns), self) {
            (Some(tags), _) => tags.into_iter().map(|(_, c)| c).collect(),
            (None, Format::Cur2) => self.resolve(columns, "resource_tags").into_iter().map(str::to_string).collect(),
            (None, _) => self.resolve(columns, "Tags").into_iter().map(str::to_string).collect(),
        }
    }

    /// (key as the provider writes it, column) of each tag column, for the formats with one column per tag.
    fn tag_columns(self, columns: &[String]) -> Option<Vec<(String, String)>> {
        let prefix = match self {
            Format::Cur => "resourceTags/",
            Format::CurAthena => "resource_tags_",
            Format::Cur2 | Format::Focus => return None,
        };
        let tags = columns.iter().filter_map(|c| {
            let key = c.get(..prefix.len()).filter(|p| p.eq_ignore_ascii_case(prefix)).map(|_| &c[prefix.len()..]);
            key.filter(|k| !k.is_empty()).map(|k| (k.to_string(), c.clone()))
        });
        Some(tags.collect())
    }

    /// Silver's `ServiceName` and `RegionId` expressions.
    pub fn service_and_region(self, columns: &[String]) -> (String, String) {
        let c = |name: &str| self.column(columns, name);
        let product = |key: &str| match (self, self.resolve(columns, "product")) {
            (Format::Cur2, Some(p)) => format!("json_extract_string({}, {})", self.value(p), literal(&format!("$.{key}"))),
            _ => "NULL::VARCHAR".into(),
        };
        (
            format!(
                "coalesce({}, {}, {})",
                c("product_product_name"),
                product("product_name"),
                c("line_item_product_code")
            ),
            format!("coalesce({}, {}, {})", c("product_region_code"), c("product_region"), product("region")),
        )
    }
}

/// Whether `columns` has `name` (case-insensitive, like DuckDB).
fn has(columns: &[String], name: &str) -> bool {
    columns.iter().any(|c| c.eq_ignore_ascii_case(name))
}

/// Athena's spelling of a legacy CUR column, by AWS's rules: `_` before each capital, lower case, anything not a
/// letter or digit becomes `_`, runs of `_` collapse, none at either end (`reservation/ReservationARN` →
/// `reservation_reservation_a_r_n`, `resourceTags/user:Team` → `resource_tags_user_team`).
pub fn snake_case(column: &str) -> String {
    let mut s = String::new();
    for ch in column.chars() {
        if ch.is_ascii_uppercase() && !s.ends_with('_') {
            s.push('_');
        }
        let ch = ch.to_ascii_lowercase();
        let ch = if ch.is_ascii_alphanumeric() { ch } else { '_' };
        if !(ch == '_' && s.ends_with('_')) {
            s.push(ch);
        }
    }
    s.trim_matches('_').to_string()
}

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
        let (fraction, some) = scale.map_or(("*".to_string(), "+".to_string()), |s| (format!("{{0,{s}}}"), format!("{{1,{s}}}")));
        let name = format!("p{}_{v}", scale.map_or(String::new(), |s| s.to_string()));
        derive(derived, name, format!("regexp_full_match({v}, '[+-]?([0-9]{{1,15}}(\\.[0-9]{fraction})?|\\.[0-9]{some})')"))
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
            format!("{} AND {} <= {scale} AND try_cast({v} AS DECIMAL(38, {scale})) IS NOT NULL", number(&v), places(&v))
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

/// A tag map from (key, column) pairs known when the SQL is written: one entry per distinct key, valued by the first
/// of its columns that is not empty in the row, entries without a value left out.
fn static_map(pairs: Vec<(String, String)>) -> String {
    let mut keys: Vec<(String, Vec<String>)> = Vec::new();
    for (key, column) in pairs {
        let value = format!("nullif({}, '')", trimmed(&ident(&column)));
        match keys.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value),
            None => keys.push((key, vec![value])),
        }
    }
    if keys.is_empty() {
        return "MAP {}::MAP(VARCHAR, VARCHAR)".into();
    }
    let entries: Vec<String> = keys
        .iter()
        .map(|(k, v)| {
            let value = if v.len() == 1 { v[0].clone() } else { format!("coalesce({})", v.join(", ")) };
            format!("{{'key': {}, 'value': {value}}}", literal(k))
        })
        .collect();
    format!("map_from_entries(list_filter([{}], lambda e: e.value IS NOT NULL))", entries.join(", "))
}

/// `text` (a VARCHAR expression, evaluated up to 4 times) as DuckDB's `trim` returns it. `trim` strips Unicode
/// space separators: ' ' and non-ASCII ones. Most values are ASCII without edge spaces, and those skip `trim`,
/// which costs 5 times more than the test (60 ns a value; 1.9 M rows × a dozen columns on the 1 GB benchmark).
pub fn trimmed(text: &str) -> String {
    format!(
        "CASE WHEN starts_with({text}, ' ') OR ends_with({text}, ' ') OR strlen({text}) <> length({text}) \
         THEN trim({text}) ELSE {text} END"
    )
}

/// "Columns seen" for an error message: the first few, then how many more.
pub fn columns_seen(columns: &[String]) -> String {
    const SHOWN: usize = 12;
    let mut s = columns.iter().take(SHOWN).map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ");
    if columns.len() > SHOWN {
        s.push_str(&format!(" and {} more", columns.len() - SHOWN));
    }
    s
}

/// 1-based position of `column` in the file's header.
pub fn position(columns: &[String], column: &str) -> usize {
    columns.iter().position(|c| c == column).map_or(0, |i| i + 1)
}

/// Columns of `staged` that a Bronze table with `bronze` lacks (DuckDB identifiers are case-insensitive).
pub fn new_columns(bronze: &[String], staged: &[String]) -> Vec<String> {
    staged.iter().filter(|s| !bronze.iter().any(|b| b.eq_ignore_ascii_case(s))).cloned().collect()
}

impl Format {
    /// Whether two column names are the same column of this format (`lineItem/UnblendedCost`,
    /// `LineItem/UnblendedCost` and `line_item_unblended_cost` are one CUR column).
    pub fn same_column(self, a: &str, b: &str) -> bool {
        a.eq_ignore_ascii_case(b) || self.canonical(a).eq_ignore_ascii_case(&self.canonical(b))
    }

    /// The first column a header names twice, however spelled: 1-based positions of both. Tags and cost categories
    /// are keys users define, and AWS keeps them case-sensitive (`Name` and `name` are two tags): those only repeat
    /// when spelled exactly the same.
    pub fn repeated(self, names: &[String]) -> Option<(usize, usize)> {
        let user_defined = |c: &str| {
            let c = c.to_ascii_lowercase();
            ["resourcetags/", "costcategory/", "resource_tags_", "cost_category_"].iter().any(|p| c.starts_with(p))
        };
        let twice = |a: &str, b: &str| a == b || (self.same_column(a, b) && !(user_defined(a) && user_defined(b)));
        (0..names.len()).find_map(|j| (0..j).find(|&i| twice(&names[i], &names[j])).map(|i| (i + 1, j + 1)))
    }

    /// For each staged column, the Bronze column it lands in: the one with the same name however spelled, or None
    /// for a column Bronze does not have yet (a file spelling a column differently must not start a second one,
    /// which Silver would not read).
    pub fn bronze_targets(self, bronze: &[String], staged: &[String]) -> Vec<(String, Option<String>)> {
        staged
            .iter()
            .map(|s| (s.clone(), bronze.iter().find(|b| self.same_column(b, s)).cloned()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_column_spelled_twice_is_found_and_lands_in_the_bronze_column_it_matches() {
        let names = cols(&["lineItem/UnblendedCost", "lineItem/UsageAmount", "line_item_unblended_cost"]);
        assert_eq!(Format::Cur.repeated(&names), Some((1, 3)));
        assert_eq!(Format::Cur.repeated(&cols(&["a", "b", "A"])), Some((1, 3)));
        assert_eq!(Format::Focus.repeated(&cols(&["BilledCost", "EffectiveCost"])), None);
        assert_eq!(Format::Cur.repeated(&cols(&["resourceTags/user:Name", "resourceTags/user:name"])), None);
        assert_eq!(Format::Cur.repeated(&cols(&["resourceTags/user:Name", "x", "resourceTags/user:Name"])), Some((1, 3)));
        let bronze = cols(&["lineItem/UnblendedCost", "resourceTags/user:team"]);
        let targets = Format::Cur.bronze_targets(&bronze, &cols(&["line_item_unblended_cost", "resourceTags/user:new"]));
        assert_eq!(targets[0].1.as_deref(), Some("lineItem/UnblendedCost"));
        assert_eq!(targets[1].1, None);
    }

    #[test]
    fn athena_names_are_snake_case_of_legacy_names() {
        assert_eq!(snake_case("lineItem/UnblendedCost"), "line_item_unblended_cost");
        assert_eq!(snake_case("reservation/ReservationARN"), "reservation_reservation_a_r_n");
        assert_eq!(snake_case("product/region"), "product_region");
        assert_eq!(snake_case("savingsPlan/SavingsPlanEffectiveCost"), "savings_plan_savings_plan_effective_cost");
        assert_eq!(snake_case("resourceTags/user:Team"), "resource_tags_user_team");
        assert_eq!(snake_case("resourceTags/aws:createdBy"), "resource_tags_aws_created_by");
    }

    #[test]
    fn formats_are_detected_by_their_columns() {
        assert_eq!(Format::detect(&cols(&["bill/PayerAccountId", "lineItem/UnblendedCost"])), Some(Format::Cur));
        assert_eq!(Format::detect(&cols(&["line_item_unblended_cost", "product_region"])), Some(Format::CurAthena));
        assert_eq!(Format::detect(&cols(&["line_item_unblended_cost", "product"])), Some(Format::Cur2));
        let athena = cols(&["line_item_unblended_cost", "product_region_code", "resource_tags_user_team"]);
        assert_eq!(Format::detect(&athena), Some(Format::CurAthena));
        assert_eq!(Format::detect(&cols(&["billedcost", "BillingAccountId"])), Some(Format::Focus));
        assert_eq!(Format::detect(&cols(&["cost", "account"])), None);
    }

    #[test]
    fn required_columns_resolve_in_every_spelling() {
        let legacy: Vec<String> = Format::Cur.required();
        assert_eq!(Format::Cur.missing_required(&legacy), None);
        let athena: Vec<String> = Format::CurAthena.required();
        assert!(athena.contains(&"line_item_unblended_cost".to_string()));
        let mut upper: Vec<String> = athena.iter().map(|c| c.to_ascii_uppercase()).collect();
        assert_eq!(Format::Cur2.missing_required(&upper), None);
        upper.retain(|c| c != "LINE_ITEM_USAGE_AMOUNT");
        assert_eq!(Format::Cur2.missing_required(&upper).as_deref(), Some("line_item_usage_amount"));
        assert_eq!(Format::Focus.missing_required(&cols(&["BilledCost"])).as_deref(), Some("ProviderName"));
    }

    #[test]
    fn forced_format_names() {
        let legacy = cols(&["lineItem/UnblendedCost"]);
        assert_eq!(Format::parse("CUR", &legacy), Some(Format::Cur));
        assert_eq!(Format::parse("cur", &cols(&["line_item_unblended_cost"])), Some(Format::CurAthena));
        assert_eq!(Format::parse(" focus ", &legacy), Some(Format::Focus));
        assert_eq!(Format::parse("csv", &legacy), None);
    }

    #[test]
    fn absent_columns_become_typed_nulls_and_focus_null_strings_are_null() {
        let region = Format::Cur.column(&cols(&["product/region"]), "product_region");
        assert_eq!(region, format!("nullif({}, '')", trimmed("\"product/region\"")));
        assert_eq!(Format::Cur.column(&cols(&[]), "product_region"), "NULL::VARCHAR");
        assert!(Format::Focus.value("Tags").contains("'NULL'"));
    }

    #[test]
    fn double_costs_are_rounded_not_rejected() {
        let columns = cols(&["line_item_unblended_cost", "line_item_usage_amount", "bill_payer_account_id"]);
        let checks = Format::CurAthena.checks(&columns, &cols(&["line_item_unblended_cost"]));
        assert!(checks.contains(&Check::new("line_item_unblended_cost", Kind::RoundedMoney)));
        assert!(checks.contains(&Check::new("line_item_usage_amount", Kind::Quantity)));
        assert_eq!(checks[0].kind, Kind::Present);
    }

    #[test]
    fn tag_keys_with_quotes_are_literals() {
        let expr = Format::Cur.tag_entries(&cols(&["resourceTags/user:it's", "other"]));
        assert!(expr.contains("[{'key': 'user:it''s', 'value': \"resourceTags/user:it's\"}]"), "{expr}");
        assert!(Format::CurAthena.tag_entries(&cols(&["x"])).contains("([]::"));
        assert!(Format::Cur2.tag_maps(&cols(&["resource_tags"])).0.contains("'user_'"));
        let (user, source) = Format::Cur.tag_maps(&cols(&["resourceTags/user:team", "resourceTags/aws:createdBy"]));
        assert!(user.contains("'key': 'team'") && user.contains("'key': 'aws:createdBy'"), "{user}");
        assert!(source.contains("'key': 'user:team'"), "{source}");
        let (user, _) = Format::Cur.tag_maps(&cols(&["resourceTags/user:x", "resourceTags/x"]));
        let x = format!("coalesce(nullif({}, ''), nullif(", trimmed("\"resourceTags/user:x\""));
        assert!(user.contains(&x), "{user}");
        assert!(Format::Focus.tag_entries(&cols(&["tags"])).contains("\"tags\""));
    }

    #[test]
    fn new_columns_ignore_case_like_duckdb() {
        let bronze = cols(&["ingestion_id", "lineItem/UsageType"]);
        let staged = cols(&["lineitem/usagetype", "resourceTags/user:Team"]);
        assert_eq!(new_columns(&bronze, &staged), cols(&["resourceTags/user:Team"]));
    }

    #[test]
    fn columns_seen_is_bounded() {
        let many: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
        assert!(columns_seen(&many).ends_with("and 8 more"));
    }
}
