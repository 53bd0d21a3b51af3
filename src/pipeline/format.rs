//! The billing export formats cbh reads, with no database in them: how each is recognized by its columns, which
//! Bronze table it lands in, which values are checked before anything lands, and the Silver expressions built
//! from the columns a Bronze table has.
//!
//! Names are resolved through a *canonical* name: the Athena snake_case name for the AWS CUR family
//! (`lineItem/UnblendedCost` and `line_item_unblended_cost` are both `line_item_unblended_cost`), the FOCUS name
//! for FOCUS. Matching is case-insensitive, like DuckDB's identifiers.

pub use super::checks::{first_bad_value_sql, reason};
use crate::sql::{ident, literal, render, Sql};

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

/// FOCUS columns FOCUS 1.3 renamed, (the name cbh reads, its 1.3 name): a 1.3 file may have only the new one.
/// (1.3 deprecates `ProviderName` for `ServiceProviderName`, the entity that sells the service; `HostProviderName`
/// and `InvoiceIssuerName` name who hosts and who invoices it, and Bronze keeps them.)
const FOCUS_RENAMED: &[(&str, &str)] = &[("ProviderName", "ServiceProviderName")];

/// What a value must be for cbh to type it exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Present and not empty.
    Present,
    /// A timestamp, present.
    Timestamp,
    /// A timestamp or empty.
    OptionalTimestamp,
    /// An amount that fits DECIMAL(38,18) exactly, or empty.
    Money,
    /// An amount read from a floating-point (DOUBLE) column: rounded once to 18 places, or empty.
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
pub const IMPLAUSIBLE: Sql = Sql::raw_static("1e15");

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
        let prefixed =
            |prefixes: &[&str]| columns.iter().any(|c| prefixes.iter().any(|p| c.to_ascii_lowercase().starts_with(p)));
        if prefixed(&["lineitem/", "bill/"]) {
            Some(Format::Cur)
        } else if prefixed(&["line_item_", "bill_"]) {
            // CUR 2.0's map columns; the legacy Athena form flattens them (`product_region`, `resource_tags_user_x`).
            let cur2 = ["product", "resource_tags", "cost_category", "discount"];
            Some(if cur2.iter().any(|c| has(columns, c)) { Format::Cur2 } else { Format::CurAthena })
        } else if ["BilledCost", "EffectiveCost", "ChargeCategory", "BillingAccountId"].iter().any(|c| has(columns, c))
        {
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

    /// The column of `columns` with canonical name `name`, as the file spells it. CUR columns are also found
    /// written all in lower case (`lineitem/unblendedcost`; some tools write headers that way).
    /// FOCUS columns a later version renamed are found under either name (`ProviderName`, `ServiceProviderName`).
    pub fn resolve<'a>(self, columns: &'a [String], name: &str) -> Option<&'a str> {
        let found = columns.iter().find(|c| self.canonical(c).eq_ignore_ascii_case(name));
        let squashed = || columns.iter().find(|c| self.same_squashed(c, name));
        let renamed = || {
            let (_, new) =
                FOCUS_RENAMED.iter().find(|(old, _)| self == Format::Focus && old.eq_ignore_ascii_case(name))?;
            columns.iter().find(|c| c.eq_ignore_ascii_case(new))
        };
        found.or_else(squashed).or_else(renamed).map(|c| c.as_str())
    }

    /// Whether two names of the CUR family are one column once case and separators are set aside
    /// (`lineitem/unblendedcost` and `line_item_unblended_cost`). Never for user-defined keys (tags, cost
    /// categories), which AWS keeps apart however close they are (`cost-center` and `costcenter` are two tags).
    fn same_squashed(self, a: &str, b: &str) -> bool {
        let squash =
            |s: &str| s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect::<String>();
        let (a2, b2) = (squash(a), squash(b));
        self != Format::Focus && !user_defined(a) && !user_defined(b) && !a2.is_empty() && a2 == b2
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
    pub fn value(self, column: &str) -> Sql {
        let v = trimmed(&ident(column));
        match self {
            Format::Focus => render("nullif(nullif({v}, ''), 'NULL')", &[("v", &v)]),
            _ => render("nullif({v}, '')", &[("v", &v)]),
        }
    }

    /// The value of canonical column `name` from `columns`, or a typed NULL when the file lacks it.
    pub fn column(self, columns: &[String], name: &str) -> Sql {
        match self.resolve(columns, name) {
            Some(c) => self.value(c),
            None => Sql::raw_static("NULL::VARCHAR"),
        }
    }

    /// SQL expressions of the delivery key (provider, billing account, billing period) of one row.
    pub fn key_expressions(self, columns: &[String]) -> [Sql; 3] {
        let c = |name: &str| self.column(columns, name);
        let date = |name: &str| render("try_cast({v} AS TIMESTAMP)::DATE", &[("v", &c(name))]);
        match self {
            Format::Focus => [c("ProviderName"), c("BillingAccountId"), date("BillingPeriodStart")],
            _ => [Sql::raw_static("'AWS'"), c("bill_payer_account_id"), date("bill_billing_period_start_date")],
        }
    }

    /// Whether a file of this format may hold several delivery keys. A CUR file covers one payer account and one
    /// billing period; a FOCUS file may cover several providers, accounts and periods.
    pub fn many_keys(self) -> bool {
        self == Format::Focus
    }

    /// Silver's `ServiceName` and `RegionId` expressions.
    pub fn service_and_region(self, columns: &[String]) -> (Sql, Sql) {
        let c = |name: &str| self.column(columns, name);
        let product = |key: &str| match (self, self.resolve(columns, "product")) {
            (Format::Cur2, Some(p)) => render(
                "json_extract_string({map}, {path})",
                &[("map", &self.value(p)), ("path", &literal(&format!("$.{key}")))],
            ),
            _ => Sql::raw_static("NULL::VARCHAR"),
        };
        let first = |values: [Sql; 3]| render("coalesce({values})", &[("values", &Sql::join(values, ", "))]);
        (
            first([c("product_product_name"), product("product_name"), c("line_item_product_code")]),
            first([c("product_region_code"), c("product_region"), product("region")]),
        )
    }
}

/// Whether a column holds a key users define: a tag or a cost category.
fn user_defined(column: &str) -> bool {
    let c = column.to_ascii_lowercase();
    ["resourcetags/", "costcategory/", "resource_tags_", "cost_category_"].iter().any(|p| c.starts_with(p))
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

/// `text` (a VARCHAR expression, evaluated up to 4 times) as DuckDB's `trim` returns it. `trim` strips Unicode
/// space separators: ' ' and non-ASCII ones. Most values are ASCII without edge spaces, and those skip `trim`,
/// which costs 5 times more than the test (60 ns a value; 1.9 M rows × a dozen columns on the 1 GB benchmark).
pub fn trimmed(text: &Sql) -> Sql {
    render(
        "CASE WHEN starts_with({text}, ' ') OR ends_with({text}, ' ') OR strlen({text}) <> length({text}) \
         THEN trim({text}) ELSE {text} END",
        &[("text", text)],
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
        a.eq_ignore_ascii_case(b)
            || self.canonical(a).eq_ignore_ascii_case(&self.canonical(b))
            || self.same_squashed(a, b)
    }

    /// The first column a header names twice, however spelled: 1-based positions of both. Tags and cost categories
    /// are keys users define, and AWS keeps them case-sensitive (`Name` and `name` are two tags): those only repeat
    /// when spelled exactly the same.
    pub fn repeated(self, names: &[String]) -> Option<(usize, usize)> {
        let twice = |a: &str, b: &str| a == b || (self.same_column(a, b) && !(user_defined(a) && user_defined(b)));
        (0..names.len()).find_map(|j| (0..j).find(|&i| twice(&names[i], &names[j])).map(|i| (i + 1, j + 1)))
    }

    /// For each staged column (`staged`, as DuckDB names them; `names`, as the file writes them), the Bronze column
    /// it lands in: the one with the same name however spelled (a file spelling a column differently must not
    /// start a second one, which Silver would not read), or a new one. A tag or cost category of a legacy CUR
    /// lands in the column of exactly its key (`Format::user_key`), a new one named as written, or with a `#n`
    /// suffix where DuckDB's case-insensitive names would clash.
    pub fn bronze_targets(self, bronze: &[String], staged: &[String], names: &[String]) -> Vec<(String, String)> {
        let mut taken = bronze.to_vec();
        let mut claim = |name: &str| {
            let free = |n: &str| !taken.iter().any(|t| t.eq_ignore_ascii_case(n));
            let target = std::iter::once(name.to_string())
                .chain((2..).map(|i| format!("{name}#{i}")))
                .find(|n| free(n))
                .unwrap_or_default();
            taken.push(target.clone());
            target
        };
        let targets = staged.iter().zip(names.iter().chain(staged.iter().skip(names.len())));
        targets
            .map(|(s, name)| {
                let target = match self.user_key(name) {
                    Some(key) => bronze.iter().find(|b| self.user_key(b).as_ref() == Some(&key)).cloned(),
                    None => bronze.iter().find(|b| self.same_column(b, s)).cloned(),
                };
                (s.clone(), target.unwrap_or_else(|| claim(if self.user_key(name).is_some() { name } else { s })))
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
