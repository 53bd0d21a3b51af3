//! Silver and Gold for one delivery key (provider, billing account, billing period), from what Bronze holds.

use duckdb::Connection;

use super::format::{self, Format};
use super::{now_micros, run_file, Key, SILVER_VERSION};
use crate::error::{Context, Result};
use crate::sql::{self, ident, literal, render, Sql};

/// A Bronze table's columns, in order.
pub fn bronze_columns(con: &Connection, format: Format) -> Result<Vec<String>> {
    let ctx = format!("reading the columns of cbh.{}", format.bronze_table());
    let mut stmt = con.prepare(sql::BRONZE_COLUMNS).context(&ctx)?;
    let rows = stmt.query_map([format.bronze_table()], |r| r.get::<_, String>(0)).context(&ctx)?;
    rows.collect::<std::result::Result<_, _>>().context(&ctx)
}

/// The Silver insert of one key for a format's Bronze table with `columns`. Each `{c:name}` placeholder is the
/// column of canonical name `name` (`Format::column`), each `{d:name}` that column as an exact DECIMAL(38, 18)
/// (`exact_decimal`: money and quantities), filled in the same one pass as the others.
///
/// The key is written as literals (quoted by `literal`), not bound: DuckDB 1.5.6 (the CLI) runs this INSERT on one
/// thread when its filter holds parameters (measured on 332 MB: 6.2 s with `$1`..`$3`, 3.8 s with literals; Python
/// 2.0 runs both in parallel).
pub fn silver_insert(format: Format, columns: &[String], key: &Key) -> Sql {
    let template = match format {
        Format::Focus => sql::SILVER_INSERT_FOCUS,
        _ => sql::SILVER_INSERT_CUR,
    };
    let (service, region) = format.service_and_region(columns);
    let (tags, source_tags) = format.tag_maps(columns);
    // The tag columns' values as one list: the key of the tag maps, unpacked again under the columns' own names.
    let sources = format.tag_sources(columns);
    let tag_key = render("[{values}]::VARCHAR[]", &[("values", &Sql::join(sources.iter().map(|c| ident(c)), ", "))]);
    let mut tag_unpack = vec![Sql::raw_static("cbh_tag_key")];
    tag_unpack.extend(
        sources.iter().enumerate().map(|(i, c)| render("cbh_tag_key[{i}]", &[("i", &sql::int(i as i64 + 1))]).alias(c)),
    );
    let mut vars: Vec<(&str, Sql)> = vec![
        ("bronze", ident(format.bronze_table())),
        ("tag_entries", format.tag_entries(columns)),
        ("tag_key", tag_key),
        ("tag_unpack", Sql::join(tag_unpack, ", ")),
        ("tags", tags),
        ("source_tags", source_tags),
        ("service", service),
        ("region", region),
        ("format", literal(format.name())),
        ("provider", literal(&key.provider)),
        ("account", literal(&key.billing_account)),
        ("period", literal(&key.billing_period)),
    ];
    for name in sql::placeholders(template) {
        if let Some(column) = name.strip_prefix("c:") {
            vars.push((name, format.column(columns, column)));
        } else if let Some(column) = name.strip_prefix("d:") {
            vars.push((name, exact_decimal(&format.column(columns, column))));
        }
    }
    render(template, &vars)
}

/// An amount's or a quantity's text (`value`: trimmed, and checked to be a decimal of at most 18 places; a
/// Parquet DOUBLE's shortest text, which this rounds once to 18 places) as DECIMAL(38, 18), exactly. A value of at
/// most 10 places and no exponent goes through DECIMAL(18, 10) (a 64-bit integer); the others, and those too large
/// for it (NULL there), through the 128-bit cast, which DuckDB 1.5.6 parses far slower (0.69 s against 0.04 s on
/// 631 k values; the same sum to the last place). A cast to fewer places would round, hence the guard.
fn exact_decimal(value: &Sql) -> Sql {
    render(
        "coalesce(CASE WHEN strpos({v}, 'e') = 0 AND strpos({v}, 'E') = 0 AND length({v}) - strpos({v}, '.') <= 10 \
         THEN TRY_CAST({v} AS DECIMAL(18, 10)) END::DECIMAL(38, 18), CAST({v} AS DECIMAL(38, 18)))",
        &[("v", value)],
    )
}

/// Rebuilds Silver line items, the resource dimension of the key's account, Gold and the period summary. The
/// caller holds the transaction that makes this atomic with the Bronze change.
pub fn promote(con: &Connection, key: &Key) -> Result<()> {
    let ctx = |what: &str| format!("building {what} for {}", key.words());
    let params = key.params();
    let [provider, account, period] = params;
    let detail = key.to_string();
    crate::diag::phase("silver", &detail);
    run_file(con, sql::SILVER_DELETE, &params, &ctx("Silver"))?;
    for f in format::ALL {
        let insert = silver_insert(f, &bronze_columns(con, f)?, key);
        crate::diag::statement(&insert);
        con.execute(&insert, []).context(ctx("Silver"))?;
    }
    run_file(con, sql::RESOURCES_REBUILD, &[provider, account], &ctx("the resource dimension"))?;
    crate::diag::phase("gold", &detail);
    gold(con, key)?;
    run_file(
        con,
        sql::PERIOD_SUMMARIZE,
        &[provider, account, period, &SILVER_VERSION, &now_micros()],
        &ctx("the summary"),
    )
}

/// Rebuilds Gold of one key from Silver: usage per resource and the bill's own rates (which the rules read), and the
/// daily spend.
pub fn gold(con: &Connection, key: &Key) -> Result<()> {
    let ctx = format!("building Gold for {}", key.words());
    run_file(con, sql::GOLD_METERS, &key.params(), &ctx)?;
    let built = run_file(con, sql::GOLD_REBUILD, &key.params(), &ctx)
        .and_then(|()| run_file(con, sql::GOLD_RATES, &key.params(), &ctx));
    con.execute_batch(&render(sql::TEMP_DROP_TABLE, &[("table", &ident("cbh_meters"))])).context(&ctx)?;
    built?;
    crate::diag::phase("daily", &key.to_string());
    run_file(con, sql::GOLD_DAILY, &key.params(), &ctx)
}

/// Every key Bronze holds.
pub fn bronze_keys(con: &Connection) -> Result<Vec<Key>> {
    keys(con, sql::BRONZE_KEYS, &[], "listing Bronze's deliveries")
}

fn keys(con: &Connection, file: &str, params: &[&dyn duckdb::ToSql], ctx: &str) -> Result<Vec<Key>> {
    let mut stmt = con.prepare(file).context(ctx)?;
    let rows = stmt
        .query_map(params, |r| Ok(Key::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        .context(ctx)?;
    rows.collect::<std::result::Result<_, _>>().context(ctx)
}

/// Rebuilds every key whose Silver is stale; returns how many.
pub fn refresh_stale(con: &Connection) -> Result<usize> {
    let stale = keys(con, sql::STALE_PERIODS, &[&SILVER_VERSION], "finding stale periods")?;
    for key in &stale {
        super::transaction(con, || promote(con, key))?;
    }
    Ok(stale.len())
}
