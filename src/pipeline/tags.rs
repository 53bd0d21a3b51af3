//! Tags: which columns of each format hold them, and the Silver expressions that make a tag map of them.

use super::format::{trimmed, Format};
use crate::sql::{ident, literal, render, Sql};

/// No tags, as a list of entries.
const EMPTY: Sql = Sql::raw_static("[]::STRUCT(key VARCHAR, value VARCHAR)[]");

/// One tag entry: `{'key': <key>, 'value': <value>}`.
fn entry(key: &str, value: &Sql) -> Sql {
    render("{'key': {key}, 'value': {value}}", &[("key", &literal(key)), ("value", value)])
}

impl Format {
    /// A legacy CUR tag or cost category column's identity: its category (lower case) and its key as written,
    /// without the `#n` a Bronze column may add (`bronze_targets`). AWS keeps keys case-sensitive, so
    /// `resourceTags/user:Name` and `resourceTags/user:name` are two tags; DuckDB's names are not, so the second
    /// is kept in Bronze as `resourceTags/user:name#2` (`#` is not allowed in an AWS tag key). None for other
    /// columns and formats.
    pub fn user_key(self, column: &str) -> Option<(String, String)> {
        let lower = column.to_ascii_lowercase();
        let prefix =
            ["resourcetags/", "costcategory/"].into_iter().find(|p| self == Format::Cur && lower.starts_with(p))?;
        Some((prefix.to_string(), without_suffix(&column[prefix.len()..]).to_string()))
    }

    /// The tags of a row, as a `STRUCT(key VARCHAR, value VARCHAR)[]` expression: the keys as the provider writes
    /// them (`user:team`, `user_team`), entries with empty values left out.
    pub fn tag_entries(self, columns: &[String]) -> Sql {
        render(
            "list_filter({entries}, lambda e: nullif(trim(e.value), '') IS NOT NULL)",
            &[("entries", &self.source_tag_entries(columns))],
        )
    }

    fn source_tag_entries(self, columns: &[String]) -> Sql {
        let from_columns = |prefix: &str| {
            let entries: Vec<Sql> = columns
                .iter()
                .filter_map(|c| {
                    let key =
                        c.get(..prefix.len()).filter(|p| p.eq_ignore_ascii_case(prefix)).map(|_| &c[prefix.len()..]);
                    key.filter(|k| !k.is_empty()).map(|k| (c, k))
                })
                .map(|(c, k)| entry(without_suffix(k), &ident(c)))
                .collect();
            if entries.is_empty() {
                EMPTY
            } else {
                render("[{entries}]", &[("entries", &Sql::join(entries, ", "))])
            }
        };
        let from_json = |name: &str| match self.resolve(columns, name) {
            Some(c) => render(
                "coalesce(map_entries(TRY_CAST({json}::JSON AS MAP(VARCHAR, VARCHAR))), {empty})",
                &[("json", &self.value(c)), ("empty", &EMPTY)],
            ),
            None => EMPTY,
        };
        match self {
            Format::Cur => from_columns("resourceTags/"),
            Format::CurAthena => from_columns("resource_tags_"),
            Format::Cur2 => from_json("resource_tags"),
            Format::Focus => from_json("Tags"),
        }
    }

    /// The prefix that marks a user-defined tag key, dropped in Silver's `Tags` (`user:team` → `team`).
    pub fn user_tag_prefix(self) -> &'static str {
        match self {
            Format::Cur | Format::Focus => "user:",
            Format::CurAthena | Format::Cur2 => "user_",
        }
    }

    /// Silver's `Tags` (user keys: the user prefix dropped, `user:team` → `team`) and `x_SourceTags` (the provider's
    /// keys). A key seen twice keeps its first non-empty value. Where tags are columns (legacy CUR, Athena), the keys
    /// are known here and the maps are built from them directly; where they are a JSON map (CUR 2.0, FOCUS), from
    /// the entries in column `cbh_tags` (`tag_entries`).
    pub fn tag_maps(self, columns: &[String]) -> (Sql, Sql) {
        let prefix = self.user_tag_prefix();
        match self.tag_columns(columns) {
            Some(tags) => {
                let user = tags.iter().map(|(k, c)| (k.strip_prefix(prefix).unwrap_or(k).to_string(), c.clone()));
                (static_map(user.collect()), static_map(tags))
            }
            None => {
                let user = render(
                    "list_transform(cbh_tags, lambda e: {'key': CASE WHEN starts_with(e.key, {prefix}) \
                     THEN e.key[length({prefix}) + 1:] ELSE e.key END, 'value': trim(e.value)})",
                    &[("prefix", &literal(prefix))],
                );
                let map = |list: &Sql| {
                    render(
                        "map_from_entries(list_filter({list}, lambda e, i: \
                         list_position(list_transform({list}, lambda x: x.key), e.key) = i))",
                        &[("list", list)],
                    )
                };
                (map(&user), map(&Sql::raw_static("cbh_tags")))
            }
        }
    }

    /// The columns Silver's tag maps are built from: the tag columns, or the one JSON tags column.
    pub fn tag_sources(self, columns: &[String]) -> Vec<String> {
        match (self.tag_columns(columns), self) {
            (Some(tags), _) => tags.into_iter().map(|(_, c)| c).collect(),
            (None, Format::Cur2) => self.resolve(columns, "resource_tags").into_iter().map(str::to_string).collect(),
            (None, _) => self.resolve(columns, "Tags").into_iter().map(str::to_string).collect(),
        }
    }

    /// (key as the provider writes it, column) of each tag column, for the formats with one column per tag.
    fn tag_columns(self, columns: &[String]) -> Option<Vec<(String, String)>> {
        let prefix = match self {
            Format::Cur => "resourceTags/",
            Format::CurAthena => "resource_tags_",
            Format::Cur2 | Format::Focus => return None,
        };
        let tags = columns.iter().filter_map(|c| {
            let key = c.get(..prefix.len()).filter(|p| p.eq_ignore_ascii_case(prefix)).map(|_| &c[prefix.len()..]);
            key.filter(|k| !k.is_empty()).map(|k| (without_suffix(k).to_string(), c.clone()))
        });
        Some(tags.collect())
    }
}

/// A tag key without the `#n` suffix a Bronze column may carry (`Format::user_key`).
fn without_suffix(key: &str) -> &str {
    match key.rsplit_once('#') {
        Some((k, n)) if !k.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => k,
        _ => key,
    }
}

/// A tag map from (key, column) pairs known when the SQL is written: one entry per distinct key, valued by the first
/// of its columns that is not empty in the row, entries without a value left out.
fn static_map(pairs: Vec<(String, String)>) -> Sql {
    let mut keys: Vec<(String, Vec<Sql>)> = Vec::new();
    for (key, column) in pairs {
        let value = render("nullif({v}, '')", &[("v", &trimmed(&ident(&column)))]);
        match keys.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value),
            None => keys.push((key, vec![value])),
        }
    }
    if keys.is_empty() {
        return Sql::raw_static("MAP {}::MAP(VARCHAR, VARCHAR)");
    }
    let entries: Vec<Sql> = keys
        .iter()
        .map(|(k, v)| {
            let value = match v.as_slice() {
                [one] => one.clone(),
                _ => render("coalesce({values})", &[("values", &Sql::join(v, ", "))]),
            };
            entry(k, &value)
        })
        .collect();
    render(
        "map_from_entries(list_filter([{entries}], lambda e: e.value IS NOT NULL))",
        &[("entries", &Sql::join(entries, ", "))],
    )
}
