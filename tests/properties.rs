//! Property tests (fuzzing with `proptest`) of cbh's pure-Rust entry points, the ones that take data from files
//! cbh does not control, with no DuckDB in them:
//!
//! - `pipeline::format`: format detection from a header's column names, the canonical (Athena snake_case) names,
//!   column resolution, required columns, forced format names, and the SQL fragments built from column names;
//! - `footer`: writing and reading the 512-byte metadata footer of a DuckDB extension;
//! - `pipeline::manifest`: mapping the S3 keys a manifest lists to local candidate paths, manifest names, the globs
//!   that look for a manifest beside a data file;
//! - `sql`: identifier and literal quoting, placeholder rendering, statement splitting (of arbitrary text and of the
//!   repository's own `sql/*.sql` files);
//! - `pipeline::plan`: the delivery planner (superseded manifests, grouping files into deliveries, the verdict on a
//!   group), on arbitrary file facts.
//!
//! Inputs are arbitrary Unicode (empty strings, quotes, NULs, `/`, `..`, braces, very long lists) and realistic
//! layouts built from the modules' own column lists and AWS's delivery layouts. Each property asserts a result that
//! could be wrong, not just that the code runs. Run with `cargo test --release --test properties`; a failure prints
//! the minimal input proptest shrank it to.

use std::collections::HashSet;

use cbh::footer::{self, FooterError, Metadata, FIELD_LEN, FOOTER_LEN, SECTION_HEADER, SIGNATURE_LEN};
use cbh::pipeline::format::{self, Format, ALL};
use cbh::pipeline::manifest;
use cbh::pipeline::plan::{self, ManifestFacts, Verdict};
use cbh::pipeline::Key;
use cbh::sql;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

/// Cases per property: 2000 in release (the whole file runs in seconds), 300 in a debug build (some ten times
/// slower); `PROPTEST_CASES=n` overrides both.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok());
    let cases = cases.unwrap_or(if cfg!(debug_assertions) { 300 } else { 2000 });
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------------------------

/// Any column name: arbitrary Unicode, empty, or one of the characters that matter to the code (`/`, `_`, `:`,
/// quotes, braces, NUL, non-ASCII letters whose bytes are not char boundaries).
fn any_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        4 => "[A-Za-z0-9/_:\"' {}.\\-]{0,24}",
        2 => "[a-zA-Z]{1,12}/[A-Za-zÀ-ÿ:é]{0,16}",
        1 => Just(String::new()),
        1 => "[\\x00-\\x7f]{0,8}",
        1 => "(resourceTags/|resource_tags_|RESOURCETAGS/)\\PC{0,10}",
    ]
}

/// A header: a list of any names, possibly empty, with duplicates.
fn any_header() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(any_name(), 0..40).prop_flat_map(|cols| {
        let n = cols.len();
        // Duplicate some of the columns.
        (Just(cols.clone()), subsequence(cols, 0..=n.min(5))).prop_map(|(mut cols, dups)| {
            cols.extend(dups);
            cols
        })
    })
}

/// A name that no format detects: no `/` or `_` (so no CUR category prefix), not one of FOCUS's core columns.
fn junk_name() -> impl Strategy<Value = String> {
    any::<String>().prop_map(|s| s.replace(['/', '_'], "-")).prop_filter("a FOCUS core column", |s| {
        !["BilledCost", "EffectiveCost", "ChargeCategory", "BillingAccountId"].iter().any(|f| f.eq_ignore_ascii_case(s))
    })
}

/// Extra columns a real export of `format` may have beyond the required ones.
fn extra_name(format: Format) -> BoxedStrategy<String> {
    match format {
        Format::Cur => prop_oneof![
            "(product|pricing|reservation|savingsPlan|identity|resourceTags)/[A-Za-z:]{1,20}",
            "resourceTags/user:\\PC{1,10}",
            Just("bill/BillingPeriodEndDate".to_string()),
            any::<String>(),
        ]
        .boxed(),
        Format::CurAthena | Format::Cur2 => prop_oneof![
            "(product|pricing|reservation|savings_plan|identity|resource_tags_user)_[a-z0-9_]{1,20}",
            Just("bill_billing_period_end_date".to_string()),
            junk_name(),
        ]
        .boxed(),
        Format::Focus => prop_oneof![
            "x_[A-Za-z0-9]{1,20}",
            select(vec![
                "ChargeClass",
                "ResourceId",
                "ServiceName",
                "RegionId",
                "Tags",
                "ListCost",
                "BillingPeriodEnd"
            ])
            .prop_map(String::from),
            junk_name(),
        ]
        .boxed(),
    }
}

/// A valid header of `format`: its required columns (as it spells them), the markers it needs, extras, shuffled.
fn valid_header(format: Format) -> impl Strategy<Value = Vec<String>> {
    let mut base = format.required();
    if format == Format::Cur2 {
        // CUR 2.0 is told from the Athena form by a map column; give it one or more.
        base.push("product".into());
    }
    (prop::collection::vec(extra_name(format), 0..60), any::<u64>()).prop_map(move |(extra, seed)| {
        let mut cols = base.clone();
        cols.extend(extra);
        shuffle(&mut cols, seed);
        cols
    })
}

/// A deterministic Fisher-Yates shuffle driven by `seed` (proptest shrinks the seed like any other value).
fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let j = (seed >> 33) as usize % (i + 1);
        v.swap(i, j);
    }
}

fn any_format() -> impl Strategy<Value = Format> {
    select(ALL.to_vec())
}

/// `s` with the letters whose flag is set in upper case.
fn some_upper(s: &str, upper: &[bool]) -> String {
    s.chars()
        .zip(upper.iter().chain(std::iter::repeat(&false)))
        .map(|(c, u)| if *u { c.to_ascii_uppercase() } else { c })
        .collect()
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------------------------
// pipeline::format
// ---------------------------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    /// Detection never panics, and depends only on the set of names, not their order, repetitions or ASCII case
    /// (DuckDB's identifiers are case-insensitive).
    #[test]
    fn detect_ignores_order_duplicates_and_case(cols in any_header(), seed in any::<u64>()) {
        let found = Format::detect(&cols);
        prop_assert_eq!(Format::detect(&cols), found, "deterministic");
        let mut shuffled = cols.clone();
        shuffle(&mut shuffled, seed);
        prop_assert_eq!(Format::detect(&shuffled), found, "order");
        let mut doubled = cols.clone();
        doubled.extend(cols.iter().cloned());
        prop_assert_eq!(Format::detect(&doubled), found, "duplicates");
        let upper: Vec<String> = cols.iter().map(|c| c.to_ascii_uppercase()).collect();
        let lower: Vec<String> = cols.iter().map(|c| c.to_ascii_lowercase()).collect();
        prop_assert_eq!(Format::detect(&upper), found, "upper case");
        prop_assert_eq!(Format::detect(&lower), found, "lower case");
    }

    /// A header built from a format's own required columns, with realistic extras shuffled in, is detected as that
    /// format and lacks nothing it requires.
    #[test]
    fn valid_headers_are_detected_and_complete(
        (format, cols) in any_format().prop_flat_map(|f| (Just(f), valid_header(f)))
    ) {
        prop_assert_eq!(Format::detect(&cols), Some(format), "{:?}", cols);
        prop_assert_eq!(format.missing_required(&cols), None);
        // Every required column resolves to the column the file has.
        for r in format.required() {
            let found = format.resolve(&cols, &format.canonical(&r));
            prop_assert_eq!(found, Some(r.as_str()));
        }
    }

    /// Dropping one required column from a valid header is reported, naming that column.
    #[test]
    fn a_missing_required_column_is_named(
        (format, cols, pick) in any_format().prop_flat_map(|f| (Just(f), valid_header(f), any::<prop::sample::Index>()))
    ) {
        let required = format.required();
        let gone = pick.get(&required).clone();
        let cols: Vec<String> = cols.into_iter().filter(|c| *c != gone).collect();
        prop_assert_eq!(format.missing_required(&cols), Some(gone));
    }

    /// The snake_case formats and FOCUS resolve names case-insensitively, so a header in upper or lower case is as
    /// complete as the original. (Not legacy `cur`: its canonical names take word boundaries from the capitals, so
    /// `bill/payeraccountid` is detected as `cur` but does not resolve to `bill_payer_account_id`.)
    #[test]
    fn headers_in_any_ascii_case_stay_complete(
        (format, cols, upper) in select(vec![Format::CurAthena, Format::Cur2, Format::Focus])
            .prop_flat_map(|f| (Just(f), valid_header(f), any::<bool>()))
    ) {
        let cased: Vec<String> =
            cols.iter().map(|c| if upper { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }).collect();
        prop_assert_eq!(Format::detect(&cased), Some(format));
        prop_assert_eq!(format.missing_required(&cased), None);
    }

    /// Headers of names that are no billing column are not taken for any format.
    #[test]
    fn junk_headers_are_not_detected(cols in prop::collection::vec(junk_name(), 0..50)) {
        prop_assert_eq!(Format::detect(&cols), None, "{:?}", cols);
    }

    /// Very long headers (more than MAX_COLUMNS) do not panic, and a billing column anywhere in them still counts.
    #[test]
    fn huge_headers(n in 0usize..4000, at in any::<prop::sample::Index>(), name in select(vec![
        ("lineItem/UnblendedCost", Format::Cur),
        ("line_item_unblended_cost", Format::CurAthena),
        ("BilledCost", Format::Focus),
    ])) {
        let mut cols: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        prop_assert_eq!(Format::detect(&cols), None);
        let i = if cols.is_empty() { 0 } else { at.index(cols.len() + 1) };
        cols.insert(i, name.0.to_string());
        prop_assert_eq!(Format::detect(&cols), Some(name.1));
    }

    /// snake_case never panics, only yields `[a-z0-9_]` without doubled, leading or trailing `_`, and is idempotent
    /// (an Athena name is its own snake_case).
    #[test]
    fn snake_case_is_clean_and_idempotent(name in any_name()) {
        let s = format::snake_case(&name);
        prop_assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'), "{:?}", s);
        prop_assert!(!s.contains("__") && !s.starts_with('_') && !s.ends_with('_'), "{:?}", s);
        prop_assert_eq!(format::snake_case(&s), s.clone());
        // Every ASCII letter or digit of the name survives, in order.
        let kept: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
        prop_assert_eq!(s.replace('_', ""), kept);
    }

    /// A legacy CUR name and its Athena spelling have one canonical name, and each resolves in its own format.
    #[test]
    fn legacy_and_athena_spellings_meet(
        legacy in "[a-z]{1,8}([A-Z][a-z]{0,6}){0,2}/[A-Za-z][a-z]{0,6}([A-Z][a-z0-9]{0,6}){0,4}"
    ) {
        let athena = format::snake_case(&legacy);
        prop_assert_eq!(Format::Cur.canonical(&legacy), athena.clone());
        prop_assert_eq!(Format::CurAthena.canonical(&athena), athena.clone());
        let cols = vec![legacy.clone()];
        prop_assert_eq!(Format::Cur.resolve(&cols, &athena), Some(legacy.as_str()));
        let cols = vec![athena.to_ascii_uppercase()];
        prop_assert_eq!(Format::Cur2.resolve(&cols, &athena), Some(cols[0].as_str()));
    }

    /// resolve returns the first column whose canonical name matches, as the file spells it; without one, a CUR
    /// column spelled with other case and separators (`lineitem/unblendedcost`), never a tag, or FOCUS 1.3's new
    /// name of `ProviderName`; else None.
    #[test]
    fn resolve_returns_the_first_match(format in any_format(), cols in any_header(), name in any_name()) {
        let squash = |s: &str| s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect::<String>();
        let tag = |s: &str| ["resourcetags/", "costcategory/", "resource_tags_", "cost_category_"]
            .iter().any(|p| s.to_ascii_lowercase().starts_with(p));
        let expected = cols.iter().find(|c| format.canonical(c).eq_ignore_ascii_case(&name)).or_else(|| {
            cols.iter().find(|c| format != Format::Focus && !tag(c) && !tag(&name) && !squash(c).is_empty()
                                 && squash(c) == squash(&name))
        }).or_else(|| {
            cols.iter().find(|c| format == Format::Focus && name.eq_ignore_ascii_case("ProviderName")
                                 && c.eq_ignore_ascii_case("ServiceProviderName"))
        });
        prop_assert_eq!(format.resolve(&cols, &name), expected.map(|c| c.as_str()));
        // And `column` agrees: the file's value when found, a typed NULL otherwise.
        let sql = format.column(&cols, &name);
        match expected {
            Some(c) => prop_assert!(sql.contains(sql::ident(c).as_str()), "{}", sql),
            None => prop_assert_eq!(sql.as_str(), "NULL::VARCHAR"),
        }
    }

    /// Forced format names: any case and surrounding whitespace; `cur` means the spelling the columns show; any
    /// other name is refused.
    #[test]
    fn forced_format_names(
        name in select(vec!["cur", "cur1", "legacy", "cur_athena", "cur2", "cur2.0", "cur_2_0", "focus"]),
        upper in prop::collection::vec(any::<bool>(), 12),
        pad in "[ \t]{0,3}",
        cols in any_header(),
        other in any::<String>(),
    ) {
        let cased = some_upper(name, &upper);
        let forced = Format::parse(&format!("{pad}{cased}{pad}"), &cols);
        let legacy = cols.iter().any(|c| c.eq_ignore_ascii_case("lineItem/UnblendedCost"));
        let expected = match name {
            "cur" | "cur1" | "legacy" => if legacy { Format::Cur } else { Format::CurAthena },
            "cur_athena" => Format::CurAthena,
            "focus" => Format::Focus,
            _ => Format::Cur2,
        };
        prop_assert_eq!(forced, Some(expected));
        let known = ["cur", "cur1", "legacy", "cur_athena", "cur2", "cur2.0", "cur_2_0", "focus"];
        if !known.contains(&other.trim().to_ascii_lowercase().as_str()) {
            prop_assert_eq!(Format::parse(&other, &cols), None);
        }
    }

    /// position is the 1-based index of the first equal name, 0 when absent; columns_seen shows the first 12 and
    /// counts the rest; new_columns keeps exactly the staged names the Bronze table lacks (ignoring ASCII case).
    #[test]
    fn header_helpers(cols in any_header(), other in any_header(), probe in any_name()) {
        for c in &cols {
            let first = cols.iter().position(|x| x == c).unwrap();
            prop_assert_eq!(format::position(&cols, c), first + 1);
        }
        if !cols.contains(&probe) {
            prop_assert_eq!(format::position(&cols, &probe), 0);
        }

        let seen = format::columns_seen(&cols);
        let shown: Vec<String> = cols.iter().take(12).map(|c| format!("'{c}'")).collect();
        prop_assert!(seen.starts_with(&shown.join(", ")));
        if cols.len() > 12 {
            let tail = format!(" and {} more", cols.len() - 12);
            prop_assert!(seen.ends_with(&tail), "{}", seen);
        } else {
            prop_assert_eq!(seen, shown.join(", "));
        }

        let new = format::new_columns(&other, &cols);
        for c in &cols {
            let known = other.iter().any(|b| b.eq_ignore_ascii_case(c));
            prop_assert_eq!(new.contains(c), !known, "{:?}", c);
        }
        prop_assert!(new.iter().all(|n| cols.contains(n)));
    }

    /// The SQL built from arbitrary column names never panics, quotes every name it uses as an identifier, and
    /// turns every legacy tag column into an entry keyed by its tag key (as a literal).
    #[test]
    fn sql_from_column_names(
        (format, cols) in any_format().prop_flat_map(|f| (Just(f), prop_oneof![any_header(), valid_header(f)])),
        doubles in any_header(),
    ) {
        let checks = format.checks(&cols, &doubles);
        for c in &checks {
            prop_assert!(cols.contains(&c.column));
            if let Some((start, end)) = &c.period {
                prop_assert!(cols.contains(start) && cols.contains(end));
            }
        }
        let stmt = format::first_bad_value_sql(format, "stage_1", &checks);
        // Every column a check reads is valued exactly once, however many checks read it.
        let once = |column: &str| stmt.matches(&format!("{} AS \"v", format.value(column))).count() == 1;
        for (i, c) in checks.iter().enumerate() {
            prop_assert!(once(&c.column), "{}", c.column);
            let expected_case = format!(" THEN {i}");
            prop_assert!(stmt.contains(&expected_case));
            if let Some((start, end)) = &c.period {
                prop_assert!(once(start) && once(end));
            }
        }
        let _ = format.key_expressions(&cols);
        let _ = format.service_and_region(&cols);
        let tags = format.tag_entries(&cols);
        let prefix = match format {
            Format::Cur => Some("resourceTags/"),
            Format::CurAthena => Some("resource_tags_"),
            _ => None,
        };
        if let Some(prefix) = prefix {
            for c in &cols {
                let Some(head) = c.get(..prefix.len()) else { continue };
                if head.eq_ignore_ascii_case(prefix) && c.len() > prefix.len() {
                    // A `#n` suffix is Bronze's mark of a clashing column (# is not in an AWS tag key): not the key's.
                    let key = &c[prefix.len()..];
                    let key = match key.rsplit_once('#') {
                        Some((k, n)) if !k.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => k,
                        _ => key,
                    };
                    let entry = format!("{{'key': {}, 'value': {}}}", sql::literal(key), sql::ident(c));
                    prop_assert!(tags.contains(&entry), "{} not in {}", entry, tags);
                }
            }
        }
    }
}

#[test]
fn aws_legacy_names_have_their_athena_spelling() {
    for (legacy, athena) in [
        ("bill/PayerAccountId", "bill_payer_account_id"),
        ("bill/BillingPeriodStartDate", "bill_billing_period_start_date"),
        ("identity/LineItemId", "identity_line_item_id"),
        ("lineItem/UsageAccountId", "line_item_usage_account_id"),
        ("lineItem/LineItemType", "line_item_line_item_type"),
        ("lineItem/UnblendedCost", "line_item_unblended_cost"),
        ("product/ProductName", "product_product_name"),
        ("product/region", "product_region"),
        ("pricing/publicOnDemandCost", "pricing_public_on_demand_cost"),
        ("reservation/ReservationARN", "reservation_reservation_a_r_n"),
        (
            "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
            "reservation_unused_amortized_upfront_fee_for_billing_period",
        ),
        ("savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n"),
        ("savingsPlan/SavingsPlanEffectiveCost", "savings_plan_savings_plan_effective_cost"),
        ("resourceTags/user:Name", "resource_tags_user_name"),
        ("resourceTags/aws:createdBy", "resource_tags_aws_created_by"),
    ] {
        assert_eq!(format::snake_case(legacy), athena, "{legacy}");
        assert_eq!(Format::Cur.canonical(legacy), athena);
    }
    assert_eq!(Format::detect(&strings(&["identity/LineItemId", "bill/PayerAccountId"])), Some(Format::Cur));
}

// ---------------------------------------------------------------------------------------------------------------
// footer
// ---------------------------------------------------------------------------------------------------------------

/// A valid footer field: 1 to 32 bytes of UTF-8, no NUL.
fn field_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_.v-]{1,32}",
        "[^\\x00]{1,32}".prop_map(|s: String| {
            let mut s = s;
            while s.len() > FIELD_LEN {
                s.pop();
            }
            s
        }),
    ]
    .prop_filter("1 to 32 bytes", |s| !s.is_empty() && s.len() <= FIELD_LEN)
}

fn metadata() -> impl Strategy<Value = Metadata> {
    (field_value(), field_value(), field_value(), field_value()).prop_map(|(a, e, m, p)| Metadata {
        abi: a,
        extension_version: e,
        min_capi_version: m,
        platform: p,
    })
}

/// What a field text is when read back from 32 bytes: up to the first NUL.
fn magic_of(file: &[u8]) -> Option<&[u8]> {
    let at = file.len().checked_sub(SIGNATURE_LEN + FIELD_LEN)?;
    let raw = &file[at..at + FIELD_LEN];
    Some(&raw[..raw.iter().position(|&b| b == 0).unwrap_or(FIELD_LEN)])
}

proptest! {
    #![proptest_config(config())]

    /// Any valid fields write a footer of the documented size that reads back the same after any library bytes.
    #[test]
    fn footer_round_trips(meta in metadata(), library in prop::collection::vec(any::<u8>(), 0..2048)) {
        let bytes = footer::footer(&meta).unwrap();
        prop_assert_eq!(bytes.len(), SECTION_HEADER.len() + FOOTER_LEN);
        prop_assert_eq!(&bytes[..SECTION_HEADER.len()], &SECTION_HEADER[..]);
        prop_assert!(bytes[bytes.len() - SIGNATURE_LEN..].iter().all(|&b| b == 0));
        let mut file = library;
        file.extend(&bytes);
        prop_assert_eq!(footer::read(&file), Ok(meta.clone()));
        // The footer proper (without the section header) is enough.
        prop_assert_eq!(footer::read(&bytes[SECTION_HEADER.len()..]), Ok(meta));
    }

    /// Empty, oversized or NUL-holding fields are refused with an error naming the field, never a panic.
    #[test]
    fn bad_fields_are_refused(meta in metadata(), which in 0usize..4, bad in prop_oneof![
        Just(String::new()),
        "\\PC{33,60}".prop_filter("over 32 bytes", |s: &String| s.len() > FIELD_LEN),
        "[^\\x00]{0,15}\\x00[^\\x00]{0,15}",
    ]) {
        let mut m = meta;
        let name = ["abi", "extension_version", "min_capi_version", "platform"][which];
        *[&mut m.abi, &mut m.extension_version, &mut m.min_capi_version, &mut m.platform][which] = bad.clone();
        match footer::footer(&m) {
            Err(FooterError::BadField { name: n, value }) => {
                prop_assert_eq!(n, name);
                prop_assert_eq!(value, bad);
            }
            other => prop_assert!(false, "{:?} accepted: {:?}", bad, other),
        }
    }

    /// Reading arbitrary bytes never panics: it is an extension exactly when the file holds 512 bytes and the magic
    /// field reads `4`.
    #[test]
    fn reading_arbitrary_bytes(bytes in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..1200),
        prop::collection::vec(prop_oneof![Just(0u8), Just(b'4'), any::<u8>()], 480..600),
    ]) {
        let is_extension = bytes.len() >= FOOTER_LEN && magic_of(&bytes) == Some(&b"4"[..]);
        match footer::read(&bytes) {
            Ok(_) => prop_assert!(is_extension),
            Err(e) => {
                prop_assert_eq!(e, FooterError::NotAnExtension);
                prop_assert!(!is_extension);
            }
        }
    }

    /// A file cut short (a partial download) never reads back as the metadata it was written with.
    #[test]
    fn truncated_files_do_not_read_back(
        meta in metadata(),
        library in prop::collection::vec(any::<u8>(), 0..64),
        cut in 1usize..=FOOTER_LEN,
    ) {
        let mut file = library;
        file.extend(footer::footer(&meta).unwrap());
        file.truncate(file.len() - cut);
        prop_assert_ne!(footer::read(&file), Ok(meta));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// pipeline::manifest
// ---------------------------------------------------------------------------------------------------------------

/// One path segment: ordinary names, AWS's (`BILLING_PERIOD=2024-09`, `20240901-20241001`), `.`, `..`, empty,
/// arbitrary Unicode.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z0-9]{1,6}",
        2 => select(vec!["cur", "rep", "data", "metadata", "BILLING_PERIOD=2024-09", "20240901-20241001", "prefix"])
            .prop_map(String::from),
        2 => Just("..".to_string()),
        1 => Just(".".to_string()),
        1 => Just(String::new()),
        1 => "[^/]{1,6}",
        1 => "[a-z]{1,4}:",
    ]
}

fn path_of(segments: Vec<String>, root: &str) -> String {
    format!("{root}{}", segments.join("/"))
}

fn any_path() -> impl Strategy<Value = String> {
    (prop::collection::vec(segment(), 0..8), select(vec!["", "/", "./", "s3://bucket/", "s3://", "C:/"]))
        .prop_map(|(s, root)| path_of(s, root))
}

fn dot(segment: &str) -> bool {
    segment == "." || segment == ".."
}

proptest! {
    #![proptest_config(config())]

    /// Every candidate for a listed key is the key's tail (its file name last, no `.`, `..` or empty segment) under
    /// the manifest's folder or one of its ancestors; one is beside the manifest; there is at least one and
    /// no duplicate. A listed `..` can never climb out of the folder that anchors it.
    #[test]
    fn resolved_candidates_stay_under_their_anchor(manifest in any_path(), listed in any_path()) {
        let candidates = manifest::resolve(&manifest, &listed);
        prop_assert!(!candidates.is_empty());
        let unique: HashSet<&String> = candidates.iter().collect();
        prop_assert_eq!(unique.len(), candidates.len(), "duplicates: {:?}", candidates);

        let key = match listed.split_once("://") {
            Some((_, rest)) => rest.split_once('/').map_or("", |(_, k)| k),
            None => listed.as_str(),
        };
        let segments: Vec<&str> = key.split('/').filter(|p| !p.is_empty()).collect();
        let dir = manifest.rsplit_once('/').map_or("", |(d, _)| d);
        let Some(file) = segments.last().filter(|f| !dot(f)) else {
            // No file name: the listed name as is, which names no file.
            prop_assert_eq!(candidates, vec![listed]);
            return Ok(());
        };
        let beside = if dir.is_empty() { file.to_string() } else { format!("{dir}/{file}") };
        // Beside the manifest is always looked at; last, unless a folder of the key already anchored it there.
        prop_assert!(candidates.contains(&beside), "{:?} not in {:?}", beside, candidates);
        for c in &candidates {
            // The anchor: the manifest's folder or an ancestor of it (a prefix ending before a `/`).
            let anchored = (0..=dir.len()).filter(|&n| n == dir.len() || dir.as_bytes()[n] == b'/').any(|n| {
                let anchor = &dir[..n];
                let tail =
                    if dir.is_empty() { Some(c.as_str()) } else { c.strip_prefix(&format!("{anchor}/")) };
                tail.is_some_and(|t| {
                    let parts: Vec<&str> = t.split('/').collect();
                    parts.iter().all(|p| !p.is_empty() && !dot(p))
                        && parts.last() == Some(file)
                        && segments.ends_with(&parts)
                })
            });
            prop_assert!(anchored, "{:?} escapes: manifest {:?}, listed {:?}", c, manifest, listed);
        }
    }

    /// AWS's layouts, copied under any local root: the listed file is found where the copy keeps it, first.
    #[test]
    fn aws_layouts_resolve_to_the_local_copy(
        root in prop::collection::vec("[a-z0-9]{1,6}", 0..4),
        absolute in any::<bool>(),
        prefix in prop::collection::vec("[a-z0-9]{1,6}", 0..3),
        report in "[a-z][a-z0-9-]{0,10}",
        assembly in "[0-9a-f]{8}-[0-9a-f]{4}",
        part in 1u32..100,
        uri in any::<bool>(),
    ) {
        let root: String = root.iter().map(|r| format!("{r}/")).collect();
        let root = if absolute { format!("/{root}") } else { root };
        let prefix: String = prefix.iter().map(|p| format!("{p}/")).collect();
        // Legacy CUR: <prefix><report>/<period>/<report>-Manifest.json lists
        // <prefix><report>/<period>/<assembly>/<file>.
        let period = "20240901-20241001";
        let file = format!("{report}-{part:05}.csv.gz");
        let m = format!("{root}{prefix}{report}/{period}/{report}-Manifest.json");
        let key = format!("{prefix}{report}/{period}/{assembly}/{file}");
        let listed = if uri { format!("s3://bucket/{key}") } else { key };
        let expected = format!("{root}{prefix}{report}/{period}/{assembly}/{file}");
        let got = manifest::resolve(&m, &listed);
        prop_assert_eq!(&got[0], &expected);
        let read = manifest::Manifest {
            path: m.clone(),
            name: report.clone(),
            period: None,
            listed: vec![listed.clone()],
            files: vec![got],
        };
        prop_assert!(read.lists(&expected));

        // Data Exports: <export>/metadata/BILLING_PERIOD=…/<export>-Manifest.json lists
        // s3://…/<export>/data/BILLING_PERIOD=…/<file>.
        let m = format!("{root}{report}/metadata/BILLING_PERIOD=2024-09/{report}-Manifest.json");
        let data = format!("data/BILLING_PERIOD=2024-09/{report}-{part:05}.snappy.parquet");
        let listed = format!("s3://bucket/{prefix}{report}/{data}");
        let expected = format!("{root}{report}/data/BILLING_PERIOD=2024-09/{report}-{part:05}.snappy.parquet");
        prop_assert!(manifest::resolve(&m, &listed).contains(&expected));
        // And the data file's manifest is looked for where it is.
        let globs = manifest::beside(&expected);
        let want = format!("{root}{report}/metadata/BILLING_PERIOD=2024-09/*Manifest.json");
        prop_assert!(globs.contains(&want), "{:?}", globs);
    }

    /// beside never panics; its globs are manifest globs in the data file's folder, the one above, or a metadata twin.
    #[test]
    fn beside_globs(path in any_path()) {
        let globs = manifest::beside(&path);
        prop_assert!(!globs.is_empty());
        prop_assert!(globs.iter().all(|g| g.ends_with("*Manifest.json")));
        match path.rsplit_once('/') {
            Some((dir, _)) => prop_assert_eq!(&globs[0], &format!("{dir}/*Manifest.json")),
            None => prop_assert_eq!(globs, vec!["*Manifest.json".to_string()]),
        }
    }

    /// A manifest is any path ending in `manifest.json`, in any ASCII case; nothing else is.
    #[test]
    fn manifest_names(
        stem in any::<String>(),
        upper in prop::collection::vec(any::<bool>(), 13),
        other in any::<String>(),
    ) {
        let suffix = some_upper("manifest.json", &upper);
        let named = format!("{stem}{suffix}");
        let compressed = format!("{other}{suffix}.gz");
        let data = format!("{other}.csv");
        prop_assert!(manifest::is_manifest(&named));
        prop_assert!(!manifest::is_manifest(&compressed));
        prop_assert!(!manifest::is_manifest(&data));
    }
}

#[test]
fn dot_segments_of_a_listed_key_do_not_climb_out_of_the_landing_folder() {
    let m = "landing/cur/rep/20240901-20241001/rep-Manifest.json";
    let got = manifest::resolve(m, "rep/20240901-20241001/../../../../etc/passwd");
    assert!(got.iter().all(|c| !c.split('/').any(dot)), "{got:?}");
    assert_eq!(got.last().unwrap(), "landing/cur/rep/20240901-20241001/passwd");
    assert_eq!(manifest::resolve(m, "s3://b/rep/.."), vec!["s3://b/rep/..".to_string()]);
}

// ---------------------------------------------------------------------------------------------------------------
// sql
// ---------------------------------------------------------------------------------------------------------------

/// Reads a quoted SQL token the way DuckDB's lexer does: the text between `q` and the first `q` not doubled.
/// Returns the unescaped text and what follows the closing quote.
fn lex_quoted(token: &str, q: char) -> Option<(String, &str)> {
    let mut chars = token.strip_prefix(q)?.char_indices().peekable();
    let mut text = String::new();
    while let Some((i, c)) = chars.next() {
        if c == q {
            if chars.peek().map(|&(_, n)| n) == Some(q) {
                chars.next();
                text.push(q);
            } else {
                return Some((text, &token[q.len_utf8() + i + q.len_utf8()..]));
            }
        } else {
            text.push(c);
        }
    }
    None
}

/// The repository's SQL files, read from disk once (every file, not only the ones `sql.rs` embeds).
fn repository_sql_files() -> &'static [(String, String)] {
    static FILES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    FILES.get_or_init(read_sql_files)
}

fn read_sql_files() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sql");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    files.sort();
    assert!(files.len() > 10, "sql/ has the statements");
    files
}

/// The lines of `text` that are not `--` comments, each ended by a newline.
fn non_comment_lines(text: &str) -> String {
    text.lines().filter(|l| !l.trim_start().starts_with("--")).map(|l| format!("{l}\n")).collect()
}

/// The `{name}` placeholders of a template (`{c:...}` too; not struct literals).
fn placeholders(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if let Some(j) = rest.find('}') {
            let name = &rest[..j];
            if !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
                && !out.contains(&name.to_string())
            {
                out.push(name.to_string());
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(config())]

    /// ident and literal quote anything (quotes, NULs, Unicode) into one token that a SQL lexer reads back whole:
    /// it ends at the last character and unescapes to the input.
    #[test]
    fn quoting_round_trips(s in prop_oneof![any::<String>(), "[\"' \\x00a-z;-]{0,30}"]) {
        for (token, q) in [(sql::ident(&s), '"'), (sql::literal(&s), '\'')] {
            prop_assert!(token.starts_with(q) && token.ends_with(q) && token.len() >= 2);
            let (text, rest) = lex_quoted(&token, q).expect("closed");
            prop_assert_eq!(text, s.clone());
            prop_assert_eq!(rest, "", "the token ends at its last quote: {}", token);
        }
    }

    /// render fills each `{key}` of the template with its value (quoted text), in one pass: values are never scanned
    /// again, so a value holding `{key}` (a column named `resourceTags/user:{tags}`) stays as it is. Unknown keys
    /// stay as is.
    #[test]
    fn render_fills_placeholders_once(
        chunks in prop::collection::vec(prop_oneof![
            "[^{}]{0,8}",
            select(vec!["{a}", "{b}", "{cc}", "{unknown}", "{", "}", "{{a}"]).prop_map(String::from),
        ], 0..12),
        a in any::<String>(), b in prop_oneof![any::<String>(), Just("{cc}".to_string())], cc in "[{}a-z']{0,6}",
    ) {
        let (a, b, cc) = (sql::literal(&a), sql::ident(&b), sql::literal(&cc));
        let vars: [(&str, &sql::Sql); 3] = [("a", &a), ("b", &b), ("cc", &cc)];
        // A template is text of cbh's own (`&'static`): the generated one is leaked, a few bytes a case.
        let template: &'static str = String::leak(chunks.concat());
        // The expected text: scan the template once, left to right.
        let mut expected = String::new();
        let mut rest = template;
        'scan: while !rest.is_empty() {
            for (k, v) in vars {
                if let Some(after) = rest.strip_prefix(&format!("{{{k}}}")) {
                    expected.push_str(v.as_str());
                    rest = after;
                    continue 'scan;
                }
            }
            let c = rest.chars().next().unwrap();
            expected.push(c);
            rest = &rest[c.len_utf8()..];
        }
        let rendered = sql::render(template, &vars);
        prop_assert_eq!(rendered.as_str(), expected);
    }

    /// Every template of the repository renders with arbitrary values: no placeholder it uses is left, each value
    /// appears once per placeholder, and nothing else changes but the comment lines left out.
    #[test]
    fn repository_templates_render(
        values in prop::collection::vec(prop_oneof![any::<String>(), "[{}a-z_']{0,12}"], 8)
    ) {
        for (file, text) in repository_sql_files() {
            let keys = placeholders(text);
            let values: Vec<sql::Sql> = values.iter().map(|v| sql::literal(v)).collect();
            let vars: Vec<(&str, &sql::Sql)> = keys.iter().map(|k| k.as_str()).zip(&values).collect();
            let rendered = sql::render(text.as_str(), &vars);
            // Comment lines are left out, and only them.
            let mut expected: String =
                text.split_inclusive('\n').filter(|l| !l.trim_start().starts_with("--")).collect();
            // Placeholders of distinct keys do not overlap, so a replacement through a marker character that the
            // values do not hold gives the one-pass result.
            let marks: Vec<String> = (0..vars.len()).map(|i| format!("\u{e000}{i}\u{e000}")).collect();
            for ((k, _), m) in vars.iter().zip(&marks) {
                expected = expected.replace(&format!("{{{k}}}"), m);
            }
            for ((_, v), m) in vars.iter().zip(&marks) {
                expected = expected.replace(m, v.as_str());
            }
            prop_assert_eq!(rendered.as_str(), expected, "{}", file);
        }
    }

    /// Splitting arbitrary text never panics nor loses a line: the statements are the text's non-comment lines, in
    /// order, each ended by a line ending in `;` (only the last may lack it), and a statement splits into itself.
    #[test]
    fn statements_partition_the_lines(lines in prop::collection::vec(prop_oneof![
        "[a-z ;'-]{0,12}",
        "[ \t]*--[^\n]{0,10}",
        "[^\n\r]{0,12};[ \t]{0,2}",
        "[ \t]{0,3}",
    ], 0..20), newline_at_end in any::<bool>()) {
        let mut text = lines.join("\n");
        if newline_at_end {
            text.push('\n');
        }
        let statements = sql::statements(&text);
        let kept = non_comment_lines(&text);
        let joined = statements.concat();
        prop_assert!(kept.starts_with(&joined));
        prop_assert!(kept[joined.len()..].trim().is_empty(), "only blank lines may be dropped");
        for (i, s) in statements.iter().enumerate() {
            prop_assert!(!s.trim().is_empty());
            prop_assert!(!s.lines().any(|l| l.trim_start().starts_with("--")));
            let ending = s.lines().filter(|l| l.trim_end().ends_with(';')).count();
            prop_assert!(ending <= 1 && (ending == 1 || i == statements.len() - 1), "{:?}", s);
            if ending == 1 {
                prop_assert!(s.lines().last().unwrap().trim_end().ends_with(';'));
            }
            prop_assert_eq!(sql::statements(s), vec![s.clone()]);
        }
    }
}

/// The repository's SQL files split into complete statements: each ends with `;`, none is a comment, and splitting
/// is stable (a statement splits into itself, and the statements are the file's non-comment lines).
#[test]
fn repository_sql_files_split_into_statements() {
    for (file, text) in repository_sql_files() {
        if text.lines().next().is_some_and(|l| l.contains(": a fragment, not a statement")) {
            // Fills a placeholder of a statement (sql::fragment): one line, no statement end of its own.
            let one = sql::fragment::<sql::Sql>(text.as_str(), &[]);
            assert!(!one.contains('\n') && !one.trim_end().ends_with(';') && !one.is_empty(), "{file}: {one}");
            continue;
        }
        let statements = sql::statements(text);
        assert!(!statements.is_empty(), "{file}");
        for s in &statements {
            assert!(s.trim_end().ends_with(';'), "{file}: unterminated statement {s:?}");
            assert_eq!(sql::statements(s), vec![s.clone()], "{file}");
        }
        let kept = non_comment_lines(text);
        assert_eq!(statements.concat().trim_end(), kept.trim_end(), "{file}");
    }
    // The embedded constants are the files on disk.
    assert_eq!(
        sql::PERIOD_DELETE,
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/sql/period_delete.sql")).unwrap()
    );
}

#[test]
fn a_tag_column_named_like_a_placeholder_stays_quoted() {
    let cols = strings(&["resourceTags/user:{tags}"]);
    let entries = Format::Cur.tag_entries(&cols);
    let x = sql::Sql::raw_static("X");
    let rendered = sql::render("{tag_entries} AS cbh_tags, {tags} AS Tags", &[("tag_entries", &entries), ("tags", &x)]);
    assert!(rendered.starts_with(entries.as_str()), "{rendered}");
    assert!(rendered.ends_with("X AS Tags"), "{rendered}");
    // The Silver insert fills its `{c:...}` columns in the same one pass: a column named like a placeholder of
    // either kind stays its quoted name.
    let cols = strings(&["lineItem/UsageAmount", "resourceTags/user:{tags}", "resourceTags/user:{c:product_sku}"]);
    let key = Key::new("AWS", "{c:x}", "2024-09-01");
    let insert = cbh::pipeline::promote::silver_insert(Format::Cur, &cols, &key);
    for c in &cols {
        assert!(insert.contains(sql::ident(c).as_str()), "{c}");
    }
    assert!(insert.contains("billing_account = '{c:x}'"), "{insert}");
}

// ---------------------------------------------------------------------------------------------------------------
// The delivery planner
// ---------------------------------------------------------------------------------------------------------------

/// A delivery key from a small alphabet, so that random files share keys often.
fn small_key() -> impl Strategy<Value = Key> {
    (select(vec!["AWS", "Microsoft"]), select(vec!["1", "2", "3"]), select(vec!["2024-09-01", "2024-10-01"]))
        .prop_map(|(p, a, d)| Key::new(p, a, d))
}

fn file_keys() -> impl Strategy<Value = Vec<Vec<Key>>> {
    prop::collection::vec(prop::collection::vec(small_key(), 0..3), 0..12)
}

fn manifests() -> impl Strategy<Value = Vec<ManifestFacts>> {
    prop::collection::vec(
        (select(vec!["", "cur", "focus"]), prop::option::of(select(vec!["2024-09", "2024-10"])), 0i64..4),
        0..8,
    )
    .prop_map(|ms| {
        ms.into_iter()
            .enumerate()
            .map(|(i, (n, p, t))| ManifestFacts {
                name: n.to_string(),
                period: p.map(str::to_string),
                modified: t,
                path: format!("m{i}.json"),
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(config())]

    /// Every file is in exactly one group, groups keep the call's order, files that share a key are in one group,
    /// and two groups never share a key (so no key lands from two deliveries).
    #[test]
    fn planner_groups_files_whose_keys_overlap(keys in file_keys()) {
        let groups = plan::group(&keys);
        let mut all: Vec<usize> = groups.iter().flatten().copied().collect();
        all.sort_unstable();
        prop_assert_eq!(all, (0..keys.len()).collect::<Vec<_>>());
        for g in &groups {
            prop_assert!(g.windows(2).all(|w| w[0] < w[1]));
        }
        let group_of = |i: usize| groups.iter().position(|g| g.contains(&i)).unwrap();
        for i in 0..keys.len() {
            for j in 0..keys.len() {
                if keys[i].iter().any(|k| keys[j].contains(k)) {
                    prop_assert_eq!(group_of(i), group_of(j));
                }
            }
        }
        for (a, ga) in groups.iter().enumerate() {
            for gb in &groups[a + 1..] {
                let shared = ga.iter().any(|&i| gb.iter().any(|&j| keys[i].iter().any(|k| keys[j].contains(k))));
                prop_assert!(!shared);
            }
        }
    }

    /// Of the manifests of one report and period (named), exactly one stands: a newest; every other names a
    /// standing manifest of the same report and period that is at least as new. Unnamed ones always stand.
    #[test]
    fn planner_keeps_the_newest_manifest_of_a_report_and_period(ms in manifests()) {
        let out = plan::superseded(&ms);
        prop_assert_eq!(out.len(), ms.len());
        for (i, m) in ms.iter().enumerate() {
            let same: Vec<usize> = (0..ms.len()).filter(|&j| ms[j].name == m.name && ms[j].period == m.period).collect();
            if m.name.is_empty() {
                prop_assert!(out[i].is_none());
                continue;
            }
            let standing: Vec<usize> = same.iter().copied().filter(|&j| out[j].is_none()).collect();
            prop_assert_eq!(standing.len(), 1);
            let newest = same.iter().map(|&j| ms[j].modified).max().unwrap();
            prop_assert_eq!(ms[standing[0]].modified, newest);
            if let Some(by) = &out[i] {
                prop_assert_eq!(by, &ms[standing[0]].path);
                prop_assert!(ms[standing[0]].modified >= m.modified);
            }
        }
    }

    /// The verdict: a rejected file of any of the keys stops the group first, then two formats, then a manifest
    /// that speaks for a key; otherwise it lands.
    #[test]
    fn planner_verdict_follows_its_rules(
        keys in prop::collection::vec(small_key(), 1..3),
        formats in prop::collection::vec(select(vec!["cur", "focus"]), 1..4),
        rejected in prop::collection::vec(prop::collection::vec(small_key(), 0..2), 0..3),
        manifest_keys in prop::collection::vec(small_key(), 0..3),
    ) {
        let rejected: Vec<(Vec<Key>, String)> =
            rejected.into_iter().enumerate().map(|(i, k)| (k, format!("bad{i}.csv"))).collect();
        let manifest_keys: Vec<(Key, String)> =
            manifest_keys.into_iter().map(|k| (k, "m.json".to_string())).collect();
        let verdict = plan::judge(&keys, &formats, &rejected, &manifest_keys);
        let hit = |k: &[Key]| k.iter().any(|k| keys.contains(k));
        let expected = if let Some((_, p)) = rejected.iter().find(|(k, _)| hit(k)) {
            Verdict::RejectedSibling(p.clone())
        } else if formats.iter().any(|f| f != &formats[0]) {
            Verdict::TwoFormats("cur".into(), "focus".into())
        } else if manifest_keys.iter().any(|(k, _)| keys.contains(k)) {
            Verdict::NotInManifest("m.json".into())
        } else {
            Verdict::Land
        };
        prop_assert_eq!(verdict, expected);
    }
}
