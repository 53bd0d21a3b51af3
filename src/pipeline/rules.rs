//! The zombie rules: rows of `cbh.rules`, each a SQL predicate over `cbh.gold_usage` with its evidence and money at
//! stake, evaluated when a report is asked for (so a rule tuned, added or disabled applies at once).

use duckdb::Connection;

use crate::error::{db_message, Context, Error, Result};
use crate::sql::{self, ident, literal, render, Sql};

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
    let texts = rules.iter().flat_map(|r| {
        [r.predicate.as_str(), r.evidence.as_str(), r.waste.as_str(), r.effective_waste.as_str()]
            .into_iter()
            .chain(r.no_metrics.as_deref())
    });
    let previous = match previous_fields(texts) {
        None => Sql::raw_static("p"),
        Some(fields) if fields.is_empty() => Sql::raw_static("NULL"),
        Some(fields) => {
            let fields = fields.iter().map(|f| render("{f} := p.{f}", &[("f", &ident(f))]));
            render("struct_pack({fields})", &[("fields", &Sql::join(fields, ", "))])
        }
    };
    render(query, &[("rules", &rules_sql), ("previous", &previous)])
}

/// The fields of `previous` (the resource's Gold row of the month before) that the rules' SQL reads, as
/// `previous.<field>` outside string literals, so that the join carries only those; None where a rule reads
/// `previous` otherwise (`previous IS NULL`, a quoted name), which then gets the whole row. Carrying the whole row
/// cost 0.7 s of 2.8 s on a 600 000-row Gold table.
fn previous_fields<'a>(texts: impl Iterator<Item = &'a str>) -> Option<Vec<String>> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut fields = std::collections::BTreeSet::new();
    for text in texts {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\'' => i += text[i + 1..].find('\'').map_or(bytes.len(), |j| j + 2),
                b'"' if text[i..].to_ascii_lowercase().starts_with("\"previous\"") => return None,
                b if word(b) => {
                    let end = text[i..].find(|c: char| !c.is_ascii() || !word(c as u8)).map_or(bytes.len(), |j| i + j);
                    let dotted = bytes.get(end) == Some(&b'.');
                    let qualified = i > 0 && bytes[i - 1] == b'.'; // x.previous: a field of something else
                    if !qualified && text[i..end].eq_ignore_ascii_case("previous") {
                        let rest = &text[(end + 1).min(text.len())..];
                        let field: String = rest.chars().take_while(|c| c.is_ascii() && word(*c as u8)).collect();
                        if !dotted || field.is_empty() {
                            return None;
                        }
                        fields.insert(field.to_ascii_lowercase());
                    }
                    i = end;
                }
                _ => i += 1,
            }
        }
    }
    Some(fields.into_iter().collect())
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

#[cfg(test)]
mod tests {
    use super::previous_fields;

    fn fields(texts: &[&str]) -> Option<Vec<String>> {
        previous_fields(texts.iter().copied())
    }

    #[test]
    fn the_join_carries_only_the_fields_of_previous_the_rules_read() {
        assert_eq!(fields(&["cost > 0", "format('a previous generation: {}', x)"]), Some(vec![]));
        assert_eq!(
            fields(&["a > previous.log_storage_gb_months", "PREVIOUS.Cost + previous.log_storage_gb_months"]),
            Some(vec!["cost".into(), "log_storage_gb_months".into()])
        );
        assert_eq!(fields(&["previous_key = 1 AND rule_previous IS NULL AND x.previous = 2"]), Some(vec![]));
        assert_eq!(fields(&["'it''s previous' = 'previous.x'"]), Some(vec![]));
        assert_eq!(fields(&["previous IS NULL"]), None);
        assert_eq!(fields(&["previous['cost'] > 0"]), None);
        assert_eq!(fields(&["\"previous\".cost > 0"]), None);
        assert_eq!(fields(&["cost > previous"]), None);
    }
}
