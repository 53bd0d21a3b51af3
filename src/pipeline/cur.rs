//! Legacy CUR specifics with no database in them: which columns cbh needs, and the Silver expressions built from
//! the columns a warehouse has.

use crate::sql::{ident, literal, render};

/// Columns a legacy CUR file must have for cbh to type it.
pub const REQUIRED: &[&str] = &[
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

/// Columns Silver uses when present (absent ones become NULL). `lineItem/ResourceId` is an opt-in report setting.
pub const OPTIONAL: &[&str] = &[
    "bill/BillingPeriodEndDate",
    "lineItem/LineItemDescription",
    "lineItem/ResourceId",
    "product/ProductName",
    "product/region",
    "pricing/unit",
    "lineItem/UsageType",
    "lineItem/Operation",
];

/// Most columns a file may have: a CUR export has a few hundred, with its tag columns.
pub const MAX_COLUMNS: usize = 2000;

/// Prefix of the per-tag columns.
pub const TAG_PREFIX: &str = "resourceTags/";

/// The first required column missing from `columns`, if any.
pub fn missing_required<'a>(columns: &[String]) -> Option<&'a str> {
    REQUIRED.iter().copied().find(|r| !columns.iter().any(|c| c == r))
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

/// Columns of `staged` that Bronze lacks (DuckDB identifiers are case-insensitive).
pub fn new_columns(bronze: &[String], staged: &[String]) -> Vec<String> {
    staged
        .iter()
        .filter(|s| !bronze.iter().any(|b| b.eq_ignore_ascii_case(s)))
        .cloned()
        .collect()
}

/// The Silver insert for a Bronze that has `bronze` columns.
pub fn silver_insert(template: &str, bronze: &[String]) -> String {
    let mut sql = template.to_string();
    for col in OPTIONAL {
        let expr = if bronze.iter().any(|b| b == col) {
            format!("nullif(trim({}), '')", ident(col))
        } else {
            "NULL::VARCHAR".to_string()
        };
        sql = sql.replace(&format!("{{opt:{col}}}"), &expr);
    }
    render(&sql, &[("tags", &tags_expression(bronze))])
}

/// A MAP(VARCHAR, VARCHAR) of the non-empty `resourceTags/*` columns, keyed without the prefix (`user:Owner`).
pub fn tags_expression(bronze: &[String]) -> String {
    let entries: Vec<String> = bronze
        .iter()
        .filter_map(|c| c.strip_prefix(TAG_PREFIX).filter(|k| !k.is_empty()).map(|k| (c, k)))
        .map(|(c, k)| format!("{{'k': {}, 'v': {}}}", literal(k), ident(c)))
        .collect();
    if entries.is_empty() {
        return "MAP {}::MAP(VARCHAR, VARCHAR)".into();
    }
    format!(
        "map_from_entries(list_filter([{}], lambda e: nullif(trim(e.v), '') IS NOT NULL))::MAP(VARCHAR, VARCHAR)",
        entries.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn first_missing_required_column_is_named() {
        let mut have: Vec<String> = REQUIRED.iter().map(|s| s.to_string()).collect();
        assert_eq!(missing_required(&have), None);
        have.retain(|c| c != "lineItem/UnblendedCost");
        assert_eq!(missing_required(&have), Some("lineItem/UnblendedCost"));
    }

    #[test]
    fn new_columns_ignore_case_like_duckdb() {
        let bronze = cols(&["ingestion_id", "lineItem/UsageType"]);
        let staged = cols(&["lineitem/usagetype", "resourceTags/user:Team"]);
        assert_eq!(new_columns(&bronze, &staged), cols(&["resourceTags/user:Team"]));
    }

    #[test]
    fn optional_columns_become_null_when_absent() {
        let sql = silver_insert("{opt:lineItem/ResourceId} {opt:product/region} {tags}", &cols(&["product/region"]));
        assert!(sql.starts_with("NULL::VARCHAR nullif(trim(\"product/region\"), '')"), "{sql}");
        assert!(sql.ends_with("MAP {}::MAP(VARCHAR, VARCHAR)"));
    }

    #[test]
    fn tag_keys_with_quotes_are_literals() {
        let expr = tags_expression(&cols(&["resourceTags/user:it's", "other"]));
        assert!(expr.contains("{'k': 'user:it''s', 'v': \"resourceTags/user:it's\"}"), "{expr}");
    }

    #[test]
    fn columns_seen_is_bounded() {
        let many: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
        let s = columns_seen(&many);
        assert!(s.ends_with("and 8 more"), "{s}");
    }
}
