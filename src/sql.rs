//! Every SQL statement cbh runs lives in `sql/*.sql`, embedded at compile time. A few are templates: `{name}`
//! placeholders are filled with quoted identifiers or expressions cbh builds, never with user data (values are
//! always bound parameters).

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
    READ_CSV = "read_csv.sql";
    BRONZE_KEYS = "bronze_keys.sql";
    CHECK_PERIOD = "check_period.sql";
    GOLD_REBUILD = "gold_rebuild.sql";
    EXCLUSIONS_SEED = "exclusions_seed.sql";
    FINDINGS = "findings.sql";
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
    LIVE_DELIVERY = "live_delivery.sql";
    FORGET = "forget.sql";
    FORGET_KEYS = "forget_keys.sql";
    NEXT_INGESTION = "next_ingestion.sql";
    PERIOD_DELETE = "period_delete.sql";
    PERIOD_EXISTS = "period_exists.sql";
    PERIOD_SUMMARIZE = "period_summarize.sql";
    REPORT_CHECK = "report_check.sql";
    REPORT_INGEST = "report_ingest.sql";
    REPORT_SILVER = "report_silver.sql";
    REPORT_STATUS = "report_status.sql";
    REPORT_STATUS_EMPTY = "report_status_empty.sql";
    REPORT_WASTE = "report_waste.sql";
    REPORT_ZOMBIES = "report_zombies.sql";
    RESOURCES_REBUILD = "resources_rebuild.sql";
    SCHEMA = "schema.sql";
    SILVER_DELETE = "silver_delete.sql";
    SILVER_INSERT_CUR = "silver_insert_cur.sql";
    SILVER_INSERT_FOCUS = "silver_insert_focus.sql";
    STAGE_COLUMNS = "stage_columns.sql";
    STAGE_CSV = "stage_csv.sql";
    STAGE_CSV_FIRST_REJECT = "stage_csv_first_reject.sql";
    STAGE_CSV_LENIENT = "stage_csv_lenient.sql";
    STAGE_CSV_REJECTS = "stage_csv_rejects.sql";
    STAGE_HEADER = "stage_header.sql";
    STAGE_KEYS = "stage_keys.sql";
    STAGE_PARQUET = "stage_parquet.sql";
    STAGE_PARQUET_SCHEMA = "stage_parquet_schema.sql";
    STAGE_VALUE = "stage_value.sql";
    STALE_PERIODS = "stale_periods.sql";
    WAREHOUSE_EXISTS = "warehouse_exists.sql";
}

/// The zombie rules cbh seeds into `cbh.rules` (`sql/rules/`), each an idempotent insert.
pub const RULES: &[&str] = &[
    include_str!("../sql/rules/zero_usage.sql"),
    include_str!("../sql/rules/idle_public_ip.sql"),
    include_str!("../sql/rules/idle_nat_gateway.sql"),
    include_str!("../sql/rules/idle_load_balancer.sql"),
    include_str!("../sql/rules/idle_vpc_endpoint.sql"),
    include_str!("../sql/rules/unused_commitment.sql"),
    include_str!("../sql/rules/idle_instance.sql"),
    include_str!("../sql/rules/idle_volume.sql"),
    include_str!("../sql/rules/idle_database.sql"),
];

/// Fills `{key}` placeholders in one pass over the template: unknown keys stay as is, and values are never scanned
/// again (a value may hold a user's column name, and `"resourceTags/user:{tags}"` must stay that name).
pub fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let var = after.find('}').and_then(|j| vars.iter().find(|(key, _)| *key == &after[..j]));
        match var {
            Some((key, value)) => {
                out.push_str(value);
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

/// A SQL identifier, double-quoted (`"` doubled), whatever characters it holds.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A template that is part of a statement (such as `read_csv.sql`), as one line without its comments, so that it can
/// fill a placeholder anywhere, even one named in another template's comment.
pub fn fragment(template: &str) -> String {
    let lines = template.lines().filter(|l| !l.trim_start().starts_with("--")).map(str::trim);
    lines.collect::<Vec<_>>().join(" ")
}

/// A SQL string literal, single-quoted (`'` doubled).
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
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
        assert_eq!(statements(PERIOD_DELETE).len(), 3);
        assert_eq!(statements(BRONZE_DELETE).len(), 4);
    }

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(ident("resourceTags/user:a\"b"), "\"resourceTags/user:a\"\"b\"");
        assert_eq!(literal("x'); DROP TABLE y; --"), "'x''); DROP TABLE y; --'");
    }

    #[test]
    fn render_fills_placeholders() {
        assert_eq!(render("SELECT {a} FROM {b}", &[("a", "1"), ("b", "t")]), "SELECT 1 FROM t");
        assert_eq!(render("{{a}} {x}", &[("a", "1")]), "{1} {x}");
    }

    #[test]
    fn rendered_values_are_not_rendered_again() {
        let vars = [("entries", "\"resourceTags/user:{tags}\""), ("tags", "'x'")];
        assert_eq!(render("{entries}, {tags}", &vars), "\"resourceTags/user:{tags}\", 'x'");
    }
}
