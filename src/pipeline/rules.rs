//! The zombie rules: rows of `cbh.rules`, each a SQL predicate over `cbh.gold_usage` with its evidence and money at
//! stake, evaluated when a report is asked for (so a rule tuned, added or disabled applies at once).

use duckdb::Connection;

use crate::error::{db_message, Context, Error, Result};
use crate::sql::{self, literal, render};

/// One enabled rule, as stored.
struct Rule {
    name: String,
    predicate: String,
    evidence: String,
    waste: String,
    effective_waste: String,
}

/// Every finding of the enabled rules (only `only`, when given), with tags and exclusion (`sql/findings.sql`).
pub fn findings(con: &Connection, only: Option<&str>, skip_broken: bool) -> Result<String> {
    let query = sql::FINDINGS.trim_end().trim_end_matches(';');
    Ok(render(query, &[("rules", &findings_sql(con, only, skip_broken)?)]))
}

/// A query of every finding of the enabled rules (only `only`, when given): the columns of `cbh.gold_usage` plus
/// `rule`, `evidence`, `waste` and `effective_waste`. A rule whose SQL does not run is an error naming it, unless
/// `skip_broken` (then it is left out).
fn findings_sql(con: &Connection, only: Option<&str>, skip_broken: bool) -> Result<String> {
    let ctx = "reading the zombie rules (cbh.rules)";
    let mut stmt = con
        .prepare(
            "SELECT rule, predicate, evidence, waste, effective_waste FROM cbh.rules \
             WHERE enabled AND ($1::VARCHAR IS NULL OR rule = $1) ORDER BY rule",
        )
        .context(ctx)?;
    let rules: Vec<Rule> = stmt
        .query_map([only], |r| {
            Ok(Rule { name: r.get(0)?, predicate: r.get(1)?, evidence: r.get(2)?, waste: r.get(3)?, effective_waste: r.get(4)? })
        })
        .context(ctx)?
        .collect::<std::result::Result<_, _>>()
        .context(ctx)?;
    if let (Some(name), true) = (only, rules.is_empty()) {
        return Err(no_such_rule(con, name));
    }
    let mut parts = Vec::new();
    for rule in &rules {
        let part = part(rule);
        match con.prepare(&part) {
            Ok(_) => parts.push(part),
            Err(_) if skip_broken => {}
            Err(e) => {
                let name = &rule.name;
                return Err(Error::Usage(format!(
                    "zombie rule '{name}' cannot run: {}. Fix it (UPDATE cbh.rules SET predicate = ... WHERE rule = \
                     '{name}') or disable it (UPDATE cbh.rules SET enabled = false WHERE rule = '{name}')",
                    db_message(&e)
                )));
            }
        }
    }
    if parts.is_empty() {
        return Ok("SELECT *, NULL::VARCHAR AS rule, NULL::VARCHAR AS evidence, NULL::DECIMAL(38, 12) AS waste, \
                   NULL::DECIMAL(38, 12) AS effective_waste FROM cbh.gold_usage WHERE false"
            .into());
    }
    Ok(parts.join("\nUNION ALL\n"))
}

/// One rule's findings. The rule's SQL is the user's own (their warehouse, their rules table), placed as written.
fn part(rule: &Rule) -> String {
    let name = literal(&rule.name);
    format!(
        "SELECT u.*, {name} AS rule, CAST(({}) AS VARCHAR) AS evidence, CAST(({}) AS DECIMAL(38, 12)) AS waste, \
         CAST(({}) AS DECIMAL(38, 12)) AS effective_waste \
         FROM cbh.gold_usage u, (SELECT params FROM cbh.rules WHERE rule = {name}) AS rule_params \
         WHERE ({})",
        rule.evidence, rule.waste, rule.effective_waste, rule.predicate
    )
}

fn no_such_rule(con: &Connection, name: &str) -> Error {
    let all: Vec<String> = con
        .prepare("SELECT rule || CASE WHEN enabled THEN '' ELSE ' (disabled)' END FROM cbh.rules ORDER BY rule")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .unwrap_or_default();
    Error::Usage(format!("no enabled zombie rule '{name}'; the rules are: {}", all.join(", ")))
}
