//! Every SQL statement cbh runs lives in `sql/*.sql`, embedded at compile time. A few are templates: `render` fills
//! their `{name}` placeholders with `Sql`, text that only quoting (`ident`, `literal`, `int`), cbh's own source
//! (`Sql::raw_static`, the embedded files) or combining such values can make, so that no unquoted string reaches a
//! statement: the compiler checks it. Values are bound parameters (`$1`) wherever DuckDB takes them, and `literal`
//! only where it does not (in a view). One placeholder syntax: a name of letters, digits, `_` and `:` in braces
//! (`{stage}`; `{c:line_item_unblended_cost}` in silver_insert_*.sql, which promote.rs fills with that column).

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::ops::Deref;

macro_rules! sql_files {
    ($($name:ident = $file:literal;)*) => {
        $(#[doc = concat!("`sql/", $file, "`")] pub const $name: &str = include_str!(concat!("../sql/", $file));)*
        /// Every embedded file, for tests.
        #[cfg(test)]
        pub const ALL: &[(&str, &str)] = &[$(($file, $name)),*];
    };
}

sql_files! {
    BRONZE_ADD_COLUMN = "bronze_add_column.sql";
    BRONZE_COLUMNS = "bronze_columns.sql";
    BRONZE_DELETE = "bronze_delete.sql";
    BRONZE_INSERT = "bronze_insert.sql";
    BRONZE_LOAD = "bronze_load.sql";
    BRONZE_NUMBER_ROWS = "bronze_number_rows.sql";
    BRONZE_PROBE = "bronze_probe.sql";
    BRONZE_VIEW = "bronze_view.sql";
    READ_CSV = "read_csv.sql";
    READ_PARQUET = "read_parquet.sql";
    BRONZE_KEYS = "bronze_keys.sql";
    ANOMALIES_HISTORY_JOIN = "anomalies_history_join.sql";
    ANOMALIES_SPEND_DAILY = "anomalies_spend_daily.sql";
    ANOMALIES_SPEND_SILVER = "anomalies_spend_silver.sql";
    ANOMALIES_TAG_KEYS = "anomalies_tag_keys.sql";
    CHECK_ANOMALIES = "check_anomalies.sql";
    CHECK_PERIOD = "check_period.sql";
    DAILY_COUNT = "daily_count.sql";
    GOLD_DAILY = "gold_daily.sql";
    GOLD_METERS = "gold_meters.sql";
    GOLD_RATES = "gold_rates.sql";
    GOLD_REBUILD = "gold_rebuild.sql";
    GENERATIONS_SEED = "generations_seed.sql";
    EXCLUSIONS_SEED = "exclusions_seed.sql";
    EXPORT_COPY = "export_copy.sql";
    EXPORT_DROP = "export_drop.sql";
    EXPORT_FINDINGS = "export_findings.sql";
    EXPORT_FOLDERS = "export_folders.sql";
    EXPORT_FOOTERS = "export_footers.sql";
    EXPORT_GLOB = "export_glob.sql";
    EXPORT_OWNER = "export_owner.sql";
    EXPORT_PARTITIONS = "export_partitions.sql";
    EXPORT_PARTITIONS_READ = "export_partitions_read.sql";
    EXPORT_REPORT = "export_report.sql";
    EXPORT_RESULT = "export_result.sql";
    EXPORT_RESULT_INSERT = "export_result_insert.sql";
    EXPORT_WRITER = "export_writer.sql";
    FINDINGS = "findings.sql";
    FINDINGS_NONE = "findings_none.sql";
    FINDINGS_RULES = "findings_rules.sql";
    KNOWN_SHA256 = "known_sha256.sql";
    LANDED_SHA256 = "landed_sha256.sql";
    LAYOUT_VERSION = "layout_version.sql";
    LEDGER_INSERT = "ledger_insert.sql";
    LIST_FILES = "list_files.sql";
    MANIFEST_READ = "manifest_read.sql";
    META_EXISTS = "meta_exists.sql";
    METRICS_DAILY = "metrics_daily.sql";
    METRICS_FIRST_BAD = "metrics_first_bad.sql";
    METRICS_LAND = "metrics_land.sql";
    METRICS_STAGE_PARQUET = "metrics_stage_parquet.sql";
    MIGRATE_V1 = "migrate_v1.sql";
    MIGRATE_V1_FINISH = "migrate_v1_finish.sql";
    MIGRATE_V2 = "migrate_v2.sql";
    MIGRATE_V3 = "migrate_v3.sql";
    MIGRATE_V4 = "migrate_v4.sql";
    MIGRATE_V5 = "migrate_v5.sql";
    MIGRATE_V5_FINISH = "migrate_v5_finish.sql";
    MIGRATE_V6 = "migrate_v6.sql";
    MIGRATE_V6_FINISH = "migrate_v6_finish.sql";
    MIGRATE_V6_META = "migrate_v6_meta.sql";
    LIVE_DELIVERY = "live_delivery.sql";
    FORGET = "forget.sql";
    FORGET_KEYS = "forget_keys.sql";
    FORGET_REPORT = "forget_report.sql";
    NEXT_INGESTION = "next_ingestion.sql";
    PERIOD_DELETE = "period_delete.sql";
    PERIOD_EXISTS = "period_exists.sql";
    PERIOD_SUMMARIZE = "period_summarize.sql";
    REPORT_ANOMALIES = "report_anomalies.sql";
    REPORT_CHECK = "report_check.sql";
    REPORT_INGEST = "report_ingest.sql";
    REPORT_SILVER = "report_silver.sql";
    REPORT_SAVINGS = "report_savings.sql";
    REPORT_STATUS = "report_status.sql";
    REPORT_STATUS_EMPTY = "report_status_empty.sql";
    REPORT_WASTE = "report_waste.sql";
    REPORT_ZOMBIES = "report_zombies.sql";
    RESOURCES_REBUILD = "resources_rebuild.sql";
    RULE_EXISTS = "rule_exists.sql";
    RULES_ENABLED = "rules_enabled.sql";
    RULES_NAMES = "rules_names.sql";
    SCHEMA = "schema.sql";
    SILVER_DELETE = "silver_delete.sql";
    SILVER_INSERT_CUR = "silver_insert_cur.sql";
    SILVER_INSERT_FOCUS = "silver_insert_focus.sql";
    STAGE_COLUMNS = "stage_columns.sql";
    STAGE_COUNT = "stage_count.sql";
    STAGE_CSV = "stage_csv.sql";
    STAGE_CSV_FIRST_REJECT = "stage_csv_first_reject.sql";
    STAGE_CSV_LENIENT = "stage_csv_lenient.sql";
    STAGE_CSV_REJECTS = "stage_csv_rejects.sql";
    STAGE_FIRST_BAD = "stage_first_bad.sql";
    STAGE_HEADER = "stage_header.sql";
    STAGE_KEYS = "stage_keys.sql";
    STAGE_PARQUET = "stage_parquet.sql";
    STAGE_PARQUET_SCHEMA = "stage_parquet_schema.sql";
    STAGE_SHARED_LINE_ITEMS = "stage_shared_line_items.sql";
    STAGE_VALUE = "stage_value.sql";
    STALE_PERIODS = "stale_periods.sql";
    TEMP_DROP_TABLE = "temp_drop_table.sql";
    TEMP_DROP_VIEW = "temp_drop_view.sql";
    WAREHOUSE_EXISTS = "warehouse_exists.sql";
}

/// The rules cbh seeds into `cbh.rules` (`sql/rules/`), by name: each file inserts the rule of its name, and is run
/// only where no rule of that name exists (the warehouse has no key to ignore a second one).
macro_rules! rule {
    ($name:literal) => {
        ($name, include_str!(concat!("../sql/rules/", $name, ".sql")))
    };
}
pub const RULES: &[(&str, &str)] = &[
    rule!("zero_usage"),
    rule!("idle_public_ip"),
    rule!("idle_nat_gateway"),
    rule!("idle_load_balancer"),
    rule!("idle_vpc_endpoint"),
    rule!("unused_commitment"),
    rule!("idle_instance"),
    rule!("idle_volume"),
    rule!("idle_database"),
    RULES_LAYOUT_6[0],
    RULES_LAYOUT_6[1],
    RULES_LAYOUT_6[2],
    RULES_LAYOUT_6[3],
    RULES_LAYOUT_6[4],
    RULES_LAYOUT_6[5],
    RULES_LAYOUT_6[6],
    RULES_LAYOUT_6[7],
    RULES_LAYOUT_6[8],
    RULES_LAYOUT_6[9],
];

/// The rules layout 6 adds, which a warehouse moved from an older layout receives.
pub const RULES_LAYOUT_6: &[(&str, &str)] = &[
    rule!("idle_cluster"),
    rule!("old_snapshot"),
    rule!("paid_trail_events"),
    rule!("storage_without_requests"),
    rule!("log_storage_growing"),
    rule!("gp2_volume"),
    rule!("io1_volume"),
    rule!("previous_generation"),
    rule!("extended_support"),
    rule!("on_demand_steady"),
];

/// SQL text cbh can vouch for: written in its source, embedded from `sql/`, a quoted name or value, or made of
/// such pieces. `render` takes nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sql(Cow<'static, str>);

impl Sql {
    /// SQL written in cbh's source: a keyword, an expression, an embedded file.
    pub const fn raw_static(text: &'static str) -> Sql {
        Sql(Cow::Borrowed(text))
    }

    /// `parts` with `separator` between them.
    pub fn join<I>(parts: I, separator: &'static str) -> Sql
    where
        I: IntoIterator,
        I::Item: Borrow<Sql>,
    {
        let mut out = String::new();
        for (i, part) in parts.into_iter().enumerate() {
            if i > 0 {
                out.push_str(separator);
            }
            out.push_str(part.borrow());
        }
        Sql(Cow::Owned(out))
    }

    /// This expression under the name `name` (quoted): `<expression> AS "name"`.
    pub fn alias(&self, name: &str) -> Sql {
        Sql(Cow::Owned(format!("{self} AS {}", ident(name))))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// SQL a user wrote into the warehouse's rules table (`cbh.rules`: their warehouse, their rules), placed as
    /// written: the one way text read at run time becomes SQL (rules.rs).
    pub(crate) fn from_rules_table(text: String) -> Sql {
        Sql(Cow::Owned(text))
    }
}

impl Deref for Sql {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A SQL identifier, double-quoted (`"` doubled), whatever characters it holds.
pub fn ident(name: &str) -> Sql {
    Sql(Cow::Owned(format!("\"{}\"", name.replace('"', "\"\""))))
}

/// A SQL string literal, single-quoted (`'` doubled).
pub fn literal(value: &str) -> Sql {
    Sql(Cow::Owned(format!("'{}'", value.replace('\'', "''"))))
}

/// An integer, as SQL.
pub fn int(n: i64) -> Sql {
    Sql(Cow::Owned(n.to_string()))
}

/// Fills the `{name}` placeholders of a template (an embedded file, or SQL in cbh's source) in one pass: unknown
/// names stay as they are, and values are never scanned again (a value may hold a user's column name, and
/// `"resourceTags/user:{tags}"` must stay that name). The template's `--` comment lines are left out first: a
/// placeholder a comment names is not filled there, where a value holding a line break (a quoted column name may)
/// would end the comment.
pub fn render<V: Borrow<Sql>>(template: &'static str, vars: &[(&str, V)]) -> Sql {
    let comment = |line: &str| line.trim_start().starts_with("--");
    if !template.lines().any(comment) {
        return Sql(Cow::Owned(fill(template, vars)));
    }
    let code: String = template.split_inclusive('\n').filter(|l| !comment(l)).collect();
    Sql(Cow::Owned(fill(&code, vars)))
}

/// A template that is part of a statement (such as `read_csv.sql`), rendered as one line without its comments, so
/// that it can fill a placeholder anywhere.
pub fn fragment<V: Borrow<Sql>>(template: &'static str, vars: &[(&str, V)]) -> Sql {
    let lines = template.lines().filter(|l| !l.trim_start().starts_with("--")).map(str::trim);
    Sql(Cow::Owned(fill(&lines.collect::<Vec<_>>().join(" "), vars)))
}

fn fill<V: Borrow<Sql>>(template: &str, vars: &[(&str, V)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let var = after.find('}').and_then(|j| vars.iter().find(|(key, _)| *key == &after[..j]));
        match var {
            Some((key, value)) => {
                out.push_str(value.borrow());
                rest = &after[key.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The names of a template's placeholders, in order, each once: letters, digits, `_` and `:` in braces.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        let Some(name) = rest.find('}').map(|j| &rest[..j]) else { break };
        let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':');
        if valid && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The statements of a file, split at `;` ending a line; `--` comment lines are dropped.
pub fn statements(file: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in file.lines() {
        if line.trim_start().starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.trim_end().ends_with(';') {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_starts_with_a_header_comment() {
        for (file, text) in ALL {
            let first = text.lines().next().unwrap_or_default();
            assert!(first.starts_with(&format!("-- {file}:")), "{file} must start with '-- {file}: ...'");
        }
    }

    #[test]
    fn statements_split_at_line_ending_semicolons() {
        let parts = statements("-- c\nDELETE FROM a;\nINSERT INTO b\nSELECT ';';\n");
        assert_eq!(parts, vec!["DELETE FROM a;\n", "INSERT INTO b\nSELECT ';';\n"]);
        assert_eq!(statements(PERIOD_DELETE).len(), 4);
        assert_eq!(statements(BRONZE_DELETE).len(), 4);
    }

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(ident("resourceTags/user:a\"b").as_str(), "\"resourceTags/user:a\"\"b\"");
        assert_eq!(literal("x'); DROP TABLE y; --").as_str(), "'x''); DROP TABLE y; --'");
        assert_eq!(int(-12).as_str(), "-12");
    }

    #[test]
    fn a_name_and_a_value_holding_both_quotes_stay_one_token_each() {
        let text = "it's \"a\"";
        let stmt = render("SELECT {value} AS {name}", &[("value", &literal(text)), ("name", &ident(text))]);
        assert_eq!(stmt.as_str(), r#"SELECT 'it''s "a"' AS "it's ""a""""#);
        assert_eq!(literal(text).alias(text).as_str(), r#"'it''s "a"' AS "it's ""a""""#);
    }

    #[test]
    fn render_fills_placeholders() {
        let (one, t) = (Sql::raw_static("1"), ident("t"));
        assert_eq!(render("SELECT {a} FROM {b}", &[("a", &one), ("b", &t)]).as_str(), "SELECT 1 FROM \"t\"");
        assert_eq!(render("{{a}} {x}", &[("a", &one)]).as_str(), "{1} {x}");
        assert_eq!(render("{c:Name} {c:x}", &[("c:Name", &one)]).as_str(), "1 {c:x}");
        assert_eq!(fragment("-- f.sql: a fragment\nf({a},\n  2)\n", &[("a", &one)]).as_str(), "f(1, 2)");
    }

    #[test]
    fn comment_lines_are_left_out_and_not_filled() {
        let name = ident("a\nDROP TABLE t; --");
        let stmt =
            render("-- x.sql: reads {column}\nSELECT {column}\n  -- {column} again\nFROM t;\n", &[("column", &name)]);
        assert_eq!(stmt.as_str(), "SELECT \"a\nDROP TABLE t; --\"\nFROM t;\n");
    }

    #[test]
    fn rendered_values_are_not_rendered_again() {
        let (entries, tags) = (ident("resourceTags/user:{tags}"), literal("x"));
        let stmt = render("{entries}, {tags}", &[("entries", &entries), ("tags", &tags)]);
        assert_eq!(stmt.as_str(), "\"resourceTags/user:{tags}\", 'x'");
    }

    #[test]
    fn placeholders_are_named_once_in_order() {
        let names = placeholders("SELECT {a}, {c:Name}, {'key': 1}, {a}, {} FROM {b");
        assert_eq!(names, vec!["a", "c:Name"]);
        assert!(placeholders(SILVER_INSERT_CUR).contains(&"d:line_item_unblended_cost"));
    }

    #[test]
    fn joined_pieces_keep_their_quoting() {
        let parts = [ident("a,b"), literal("c, d")];
        assert_eq!(Sql::join(&parts, ", ").as_str(), "\"a,b\", 'c, d'");
        assert_eq!(Sql::join(Vec::<Sql>::new(), ", ").as_str(), "");
    }
}
