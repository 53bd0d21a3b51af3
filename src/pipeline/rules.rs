//! The zombie rules: rows of `cbh.rules`, each a SQL predicate over `cbh.gold_usage` with its evidence and money at
//! stake, evaluated when a report is asked for (so a rule tuned, added or disabled applies at once).

use duckdb::Connection;

use crate::error::{db_message, Context, Error, Result};
use crate::sql::{self, literal, render, Sql};

/// One enabled rule, as stored: its name, and its SQL as the user wrote it.
struct Rule {
    name: String,
    predicate: Sql,
    evidence: Sql,
    waste: Sql,
    effective_waste: Sql,
    no_metrics: Option<String>,
}

/// What a rule finds: waste (money for nothing, `cbh_zombies`) or a saving (money that could be less,
/// `cbh_savings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Waste,
    Saving,
}

impl Kind {
    /// As `cbh.rules` writes it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Waste => "waste",
            Kind::Saving => "saving",
        }
    }
}

/// The enabled rules of a kind (only `only`, when given).
pub struct Rules(Vec<Rule>);

impl Rules {
    pub fn load(con: &Connection, only: Option<&str>, kind: Kind) -> Result<Rules> {
        let ctx = "reading the rules (cbh.rules)";
        let mut stmt = con.prepare(sql::RULES_ENABLED).context(ctx)?;
        let rules: Vec<Rule> = stmt
            .query_map(duckdb::params![only, kind.name()], |r| {
                Ok(Rule {
                    name: r.get(0)?,
                    predicate: Sql::from_rules_table(r.get(1)?),
                    evidence: Sql::from_rules_table(r.get(2)?),
                    waste: Sql::from_rules_table(r.get(3)?),
                    effective_waste: Sql::from_rules_table(r.get(4)?),
                    no_metrics: r.get(5)?,
                })
            })
            .context(ctx)?
            .collect::<std::result::Result<_, _>>()
            .context(ctx)?;
        match only {
            Some(name) if rules.is_empty() => Err(no_such_rule(con, name, kind)),
            _ => Ok(Rules(rules)),
        }
    }

    /// Every finding of these rules but `skip`, with tags, exclusion and how long the resource has been idle
    /// (`sql/findings.sql`, as a subquery).
    pub fn findings(&self, skip: &[String]) -> Sql {
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

/// The findings query for `rules` (`sql/findings.sql` around `sql/findings_rules.sql`): one pass over
/// cbh.gold_usage (with each resource's metrics of the period) for every rule and verdict, each rule's SQL picked by
/// a CASE on the rule's name. The rules' SQL is the user's own (their warehouse, their rules table), placed as
/// written; it sees the columns of cbh.gold_usage, those of cbh.metrics_summary, and `params`. A rule that needs
/// metrics also yields, with the verdict `no metrics`, the resources its `no_metrics` condition holds for.
fn findings_query(rules: &[&Rule]) -> Sql {
    let query = sql::FINDINGS.trim_end().trim_end_matches(';');
    if rules.is_empty() {
        return render(query, &[("rules", &sql::fragment::<Sql>(sql::FINDINGS_NONE, &[]))]);
    }
    let by_rule = |sql: &dyn Fn(&Rule) -> Sql| {
        let arms =
            rules.iter().map(|r| render("WHEN {name} THEN ({sql})", &[("name", &literal(&r.name)), ("sql", &sql(r))]));
        render("CASE rule_params.rule {arms} END", &[("arms", &Sql::join(arms, " "))])
    };
    let unknown = |r: &Rule| match r.no_metrics.clone().filter(|u| !u.trim().is_empty()) {
        Some(u) => Sql::from_rules_table(u),
        None => Sql::raw_static("false"),
    };
    let rules_sql = sql::fragment(
        sql::FINDINGS_RULES,
        &[
            ("evidence", &by_rule(&|r| r.evidence.clone())),
            ("waste", &by_rule(&|r| r.waste.clone())),
            ("effective", &by_rule(&|r| r.effective_waste.clone())),
            ("predicate", &by_rule(&|r| r.predicate.clone())),
            ("unknown", &by_rule(&unknown)),
            ("names", &Sql::join(rules.iter().map(|r| literal(&r.name)), ", ")),
        ],
    );
    render(query, &[("rules", &rules_sql)])
}

fn no_such_rule(con: &Connection, name: &str, kind: Kind) -> Error {
    let all: Vec<String> =
        con.prepare(sql::RULES_NAMES).and_then(|mut s| s.query_map([], |r| r.get(0))?.collect()).unwrap_or_default();
    let what = match kind {
        Kind::Waste => "zombie",
        Kind::Saving => "saving",
    };
    Error::Usage(format!("no enabled {what} rule '{name}'; the rules are: {}", all.join(", ")))
}
