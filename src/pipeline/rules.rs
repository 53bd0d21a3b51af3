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

/// The enabled rules (only `only`, when given).
pub struct Rules(Vec<Rule>);

impl Rules {
    pub fn load(con: &Connection, only: Option<&str>) -> Result<Rules> {
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
        match only {
            Some(name) if rules.is_empty() => Err(no_such_rule(con, name)),
            _ => Ok(Rules(rules)),
        }
    }

    /// Every finding of these rules but `skip`, with tags, exclusion and how long the resource has been idle
    /// (`sql/findings.sql`, as a subquery).
    pub fn findings(&self, skip: &[String]) -> String {
        let parts: Vec<String> = self.0.iter().filter(|r| !skip.contains(&r.name)).map(parts_of).collect();
        findings_query(&parts)
    }

    /// The rules whose SQL does not run, each with DuckDB's message: asked only when a report fails, so that a
    /// working set of rules costs nothing to check.
    pub fn broken(&self, con: &Connection) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter_map(|rule| match con.prepare(&findings_query(&[parts_of(rule)])) {
                Ok(_) => None,
                Err(e) => Some((rule.name.clone(), db_message(&e))),
            })
            .collect()
    }
}

/// The error for a rule whose SQL does not run.
pub fn broken_rule(name: &str, message: &str) -> Error {
    Error::Usage(format!(
        "zombie rule '{name}' cannot run: {message}. Fix it (UPDATE cbh.rules SET predicate = ... WHERE rule = \
         '{name}') or disable it (UPDATE cbh.rules SET enabled = false WHERE rule = '{name}')"
    ))
}

fn findings_query(parts: &[String]) -> String {
    let query = sql::FINDINGS.trim_end().trim_end_matches(';');
    let rules = if parts.is_empty() {
        "SELECT *, NULL::VARCHAR AS rule, NULL::VARCHAR AS verdict, NULL::VARCHAR AS evidence, \
         NULL::DECIMAL(38, 12) AS waste, NULL::DECIMAL(38, 12) AS effective_waste FROM cbh.gold_usage WHERE false"
            .to_string()
    } else {
        parts.join("\nUNION ALL\n")
    };
    render(query, &[("rules", &rules)])
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
