//! Unit tests of `format.rs`.

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
    let staged = cols(&["line_item_unblended_cost", "resourceTags/user:new"]);
    let targets = Format::Cur.bronze_targets(&bronze, &staged, &staged);
    assert_eq!(targets[0].1, "lineItem/UnblendedCost");
    assert_eq!(targets[1].1, "resourceTags/user:new");
}

#[test]
fn tags_that_differ_only_in_case_land_in_their_own_bronze_columns() {
    // DuckDB names the second `..._1`; the header as written says which tag it is
    let staged = cols(&["resourceTags/user:Name", "resourceTags/user:name_1", "resourceTags/user:team"]);
    let names = cols(&["resourceTags/user:Name", "resourceTags/user:name", "resourceTags/user:team"]);
    let targets: Vec<String> = Format::Cur.bronze_targets(&[], &staged, &names).into_iter().map(|t| t.1).collect();
    assert_eq!(targets, cols(&["resourceTags/user:Name", "resourceTags/user:name#2", "resourceTags/user:team"]));
    // a later file finds each tag's column by its exact key, whichever the file has
    let bronze = targets;
    let later = cols(&["resourcetags/user:name", "resourceTags/user:Team"]);
    let targets: Vec<String> = Format::Cur.bronze_targets(&bronze, &later, &later).into_iter().map(|t| t.1).collect();
    assert_eq!(targets, cols(&["resourceTags/user:name#2", "resourceTags/user:Team#2"]));
    assert_eq!(Format::Cur.user_key("resourceTags/user:name#2"), Some(("resourcetags/".into(), "user:name".into())));
    assert_eq!(Format::CurAthena.user_key("resource_tags_user_name"), None);
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
    assert_eq!(region.as_str(), format!("nullif({}, '')", trimmed(&crate::sql::ident("product/region"))));
    assert_eq!(Format::Cur.column(&cols(&[]), "product_region").as_str(), "NULL::VARCHAR");
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
    let x = format!("coalesce(nullif({}, ''), nullif(", trimmed(&crate::sql::ident("resourceTags/user:x")));
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

#[test]
fn lower_case_cur_headers_and_focus_1_3_names_resolve() {
    let lower = cols(&["lineitem/unblendedcost", "bill/payeraccountid", "resourcetags/user:costcenter"]);
    assert_eq!(Format::Cur.resolve(&lower, "line_item_unblended_cost"), Some("lineitem/unblendedcost"));
    assert_eq!(Format::Cur.missing_required(&lower).as_deref(), Some("bill/BillingPeriodStartDate"));
    assert!(Format::Cur.same_column("lineitem/unblendedcost", "lineItem/UnblendedCost"));
    // tags keep their own spelling: two keys that differ only in separators are two tags
    assert!(!Format::Cur.same_column("resourceTags/user:cost-center", "resourceTags/user:costcenter"));
    let v13 = cols(&["ServiceProviderName", "BillingAccountId"]);
    assert_eq!(Format::Focus.resolve(&v13, "ProviderName"), Some("ServiceProviderName"));
    let both = cols(&["ServiceProviderName", "ProviderName"]);
    assert_eq!(Format::Focus.resolve(&both, "ProviderName"), Some("ProviderName"));
    assert_eq!(Format::Cur.resolve(&v13, "ProviderName"), None);
}
