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
    no_metrics: Option<String>,
}

/// Every finding of the enabled rules (only `only`, when given), with tags, exclusion and how long the resource has
/// been idle (`sql/findings.sql`). A rule whose SQL does not run is an error naming it, unless `skip_broken` (then
/// it is left out).
pub fn findings(con: &Connection, only: Option<&str>, skip_broken: bool) -> Result<String> {
    let query = sql::FINDINGS.trim_end().trim_end_matches(';');
    let ctx = "reading the zombie rules (cbh.rules)";
    let mut stmt = con
        .prepare(
            "SELECT rule, predicate, evidence, waste, effective_waste, no_metrics FROM cbh.rules \
             WHERE enabled AND ($1::VARCHAR IS NULL OR rule = $1) ORDER BY rule",
        )
        .context(ctx)?;
    let rules: Vec<Rule> = stmt
        .query_map([only], |r| {
            Ok(Rule {
                name: r.get(0)?,
                predicate: r.get(1)?,
                evidence: r.get(2)?,
                waste: r.get(3)?,
                effective_waste: r.get(4)?,
                no_metrics: r.get(5)?,
            })
        })
        .context(ctx)?
        .collect::<std::result::Result<_, _>>()
        .context(ctx)?;
    if let (Some(name), true) = (only, rules.is_empty()) {
        return Err(no_such_rule(con, name));
    }
    let mut parts = Vec::new();
    for rule in &rules {
        let part = parts_of(rule);
        match con.prepare(&render(query, &[("rules", &part)])) {
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
        parts.push(
            "SELECT *, NULL::VARCHAR AS rule, NULL::VARCHAR AS verdict, NULL::VARCHAR AS evidence, \
             NULL::DECIMAL(38, 12) AS waste, NULL::DECIMAL(38, 12) AS effective_waste FROM cbh.gold_usage WHERE false"
                .into(),
        );
    }
    Ok(render(query, &[("rules", &parts.join("\nUNION ALL\n"))]))
}

/// One rule's findings: the resources its predicate holds for (verdict `idle`), and for a rule that needs metrics,
/// those it cannot judge (verdict `no metrics`). The rule's SQL is the user's own (their warehouse, their rules
/// table), placed as written; it sees the columns of cbh.gold_usage, the resource's metrics of the period
/// (cbh.metrics_summary) and `params`.
fn parts_of(rule: &Rule) -> String {
    let name = literal(&rule.name);
    let part = |verdict: &str, evidence: &str, condition: &str| {
        format!(
            "SELECT u.*, {name} AS rule, '{verdict}' AS verdict, CAST(({evidence}) AS VARCHAR) AS evidence, \
             CAST(({}) AS DECIMAL(38, 12)) AS waste, CAST(({}) AS DECIMAL(38, 12)) AS effective_waste \
             FROM cbh.gold_usage u \
             LEFT JOIN rule_metrics ON rule_metrics.metrics_key = u.resource_key \
                                   AND rule_metrics.metrics_period = u.billing_period \
             CROSS JOIN (SELECT params FROM cbh.rules WHERE rule = {name}) AS rule_params \
             WHERE ({condition})",
            rule.waste, rule.effective_waste
        )
    };
    let mut sql = part("idle", &rule.evidence, &rule.predicate);
    if let Some(unknown) = rule.no_metrics.as_deref().filter(|u| !u.trim().is_empty()) {
        let evidence = "format('no metrics: not enough days of utilization metrics in {} to tell whether it is idle', \
                        strftime(billing_period, '%Y-%m'))";
        sql = format!("{sql}\nUNION ALL\n{}", part("no metrics", evidence, unknown));
    }
    sql
}

fn no_such_rule(con: &Connection, name: &str) -> Error {
    let all: Vec<String> = con
        .prepare("SELECT rule || CASE WHEN enabled THEN '' ELSE ' (disabled)' END FROM cbh.rules ORDER BY rule")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .unwrap_or_default();
    Error::Usage(format!("no enabled zombie rule '{name}'; the rules are: {}", all.join(", ")))
}
