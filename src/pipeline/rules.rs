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
        let rules: Vec<&Rule> = self.0.iter().filter(|r| !skip.contains(&r.name)).collect();
        findings_query(&rules)
    }

    /// The rules whose SQL does not run, each with DuckDB's message: asked only when a report fails, so that a
    /// working set of rules costs nothing to check.
    pub fn broken(&self, con: &Connection) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter_map(|rule| match con.prepare(&findings_query(&[rule])) {
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

/// The findings query for `rules`: one pass over cbh.gold_usage (with each resource's metrics of the period) for
/// every rule and verdict, each rule's SQL picked by a CASE on the rule's name. The rules' SQL is the user's own
/// (their warehouse, their rules table), placed as written; it sees the columns of cbh.gold_usage, those of
/// cbh.metrics_summary, and `params`. A rule that needs metrics also yields, with the verdict `no metrics`, the
/// resources its `no_metrics` condition holds for.
fn findings_query(rules: &[&Rule]) -> String {
    let query = sql::FINDINGS.trim_end().trim_end_matches(';');
    if rules.is_empty() {
        let none = "SELECT *, NULL::VARCHAR AS rule, NULL::VARCHAR AS verdict, NULL::VARCHAR AS evidence, \
                    NULL::DECIMAL(38, 12) AS waste, NULL::DECIMAL(38, 12) AS effective_waste \
                    FROM cbh.gold_usage WHERE false";
        return render(query, &[("rules", none)]);
    }
    let by_rule = |sql: &dyn Fn(&Rule) -> String| {
        let arms: Vec<String> = rules.iter().map(|r| format!("WHEN {} THEN ({})", literal(&r.name), sql(r))).collect();
        format!("CASE rule_params.rule {} END", arms.join(" "))
    };
    let unknown = |r: &Rule| r.no_metrics.clone().filter(|u| !u.trim().is_empty()).unwrap_or_else(|| "false".into());
    let names: Vec<String> = rules.iter().map(|r| literal(&r.name)).collect();
    let rules_sql = format!(
        "SELECT u.*, rule_params.rule AS rule, verdicts.verdict AS verdict, \
                CAST(CASE WHEN verdicts.verdict = 'idle' THEN {evidence} \
                          ELSE format('no metrics: not enough days of utilization metrics in {{}} to tell whether \
                                       it is idle', strftime(u.billing_period, '%Y-%m')) END AS VARCHAR) AS evidence, \
                CAST({waste} AS DECIMAL(38, 12)) AS waste, \
                CAST({effective} AS DECIMAL(38, 12)) AS effective_waste \
         FROM cbh.gold_usage u \
         LEFT JOIN rule_metrics ON rule_metrics.metrics_key = u.resource_key \
                               AND rule_metrics.metrics_period = u.billing_period \
         CROSS JOIN (SELECT rule, params FROM cbh.rules WHERE rule IN ({names})) AS rule_params \
         CROSS JOIN (VALUES ('idle'), ('no metrics')) AS verdicts(verdict) \
         WHERE CASE WHEN verdicts.verdict = 'idle' THEN {predicate} ELSE {unknown} END",
        evidence = by_rule(&|r| r.evidence.clone()),
        waste = by_rule(&|r| r.waste.clone()),
        effective = by_rule(&|r| r.effective_waste.clone()),
        predicate = by_rule(&|r| r.predicate.clone()),
        unknown = by_rule(&|r| unknown(r)),
        names = names.join(", "),
    );
    render(query, &[("rules", &rules_sql)])
}

fn no_such_rule(con: &Connection, name: &str) -> Error {
    let all: Vec<String> = con
        .prepare("SELECT rule || CASE WHEN enabled THEN '' ELSE ' (disabled)' END FROM cbh.rules ORDER BY rule")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .unwrap_or_default();
    Error::Usage(format!("no enabled zombie rule '{name}'; the rules are: {}", all.join(", ")))
}
