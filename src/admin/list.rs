//! The generic change-list kit: a list's query string (filters, search `q`, sort `o`, page `p`) read
//! once, filter sections with their option links, the removable chips of the active filters,
//! sortable column headers and the paginator. Every link is a complete query string, so a list's
//! URL (also after an HTMX swap, which pushes it) can be shared.

use serde::Serialize;

/// The list's query string as pairs, in order.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pairs: Vec<(String, String)>,
}

/// Longest value looked at in any list parameter.
const MAX_VALUE: usize = 200;

impl ListQuery {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.chars().take(MAX_VALUE).collect()))
            .filter(|(_, v): &(String, String)| !v.is_empty())
            .collect();
        Self { pairs }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn search(&self) -> &str {
        self.get("q").unwrap_or_default().trim()
    }

    /// The 1-based page asked for (bad values → 1).
    pub fn page(&self) -> u64 {
        self.get("p")
            .and_then(|p| p.parse::<u64>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }

    /// This query with `key` set to `value` (or removed for `None`), always back on page 1.
    pub fn with(&self, key: &str, value: Option<&str>) -> String {
        self.with_all(&[key], value.map(|v| (key, v)))
    }

    fn with_all(&self, drop: &[&str], add: Option<(&str, &str)>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.pairs {
            if drop.contains(&k.as_str()) || k == "p" {
                continue;
            }
            s.append_pair(k, v);
        }
        if let Some((k, v)) = add {
            s.append_pair(k, v);
        }
        format!("?{}", s.finish())
    }

    /// The same list on another page.
    pub fn on_page(&self, page: u64) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.pairs {
            if k != "p" {
                s.append_pair(k, v);
            }
        }
        s.append_pair("p", &page.to_string());
        format!("?{}", s.finish())
    }

    /// The query without any of `filter_keys` (search and sort kept): "Clear all filters".
    pub fn without(&self, filter_keys: &[&str]) -> String {
        self.with_all(filter_keys, None)
    }

    /// This query without the parameters `keys` (e.g. one facet's own filter, to count its choices).
    pub fn dropping(&self, keys: &[&str]) -> Self {
        Self {
            pairs: self
                .pairs
                .iter()
                .filter(|(k, _)| !keys.contains(&k.as_str()))
                .cloned()
                .collect(),
        }
    }

    /// The query string as it came (for export links of "the current selection").
    pub fn current(&self) -> String {
        self.with_all(&[], None)
    }
}

/// One filter of the sidebar: a parameter and its choices (value, label).
pub struct FilterDef {
    pub key: &'static str,
    pub title: &'static str,
    pub options: Vec<(String, String)>,
}

#[derive(Debug, Serialize)]
pub struct FilterOption {
    /// The parameter's value (empty for "All").
    pub value: String,
    pub label: String,
    pub label_lower: String,
    pub href: String,
    pub selected: bool,
    /// How many rows choosing this option would show (facet counts), when the screen computes them.
    pub count: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct FilterSection {
    pub key: &'static str,
    pub title: &'static str,
    pub options: Vec<FilterOption>,
    pub active: bool,
}

/// An active filter as a chip: its title, the chosen label, and the link that drops only it.
#[derive(Debug, Serialize)]
pub struct Chip {
    pub title: &'static str,
    pub label: String,
    pub remove: String,
}

#[derive(Debug, Serialize)]
pub struct Sidebar {
    pub sections: Vec<FilterSection>,
    pub chips: Vec<Chip>,
    pub clear_all: String,
}

impl Sidebar {
    /// Shows the facet counts of section `key` ("Submitted (12)"): each choice gets its count, a
    /// choice missing from `counts` gets 0; "All" gets none.
    pub fn set_counts(&mut self, key: &str, counts: &std::collections::HashMap<String, u64>) {
        for s in self.sections.iter_mut().filter(|s| s.key == key) {
            for o in s.options.iter_mut().filter(|o| !o.value.is_empty()) {
                o.count = Some(counts.get(&o.value).copied().unwrap_or(0));
            }
        }
    }
}

pub fn sidebar(q: &ListQuery, defs: Vec<FilterDef>) -> Sidebar {
    let keys: Vec<&str> = defs.iter().map(|d| d.key).collect();
    let mut sections = Vec::new();
    let mut chips = Vec::new();
    for d in defs {
        let current = q.get(d.key);
        let mut options = vec![FilterOption {
            value: String::new(),
            label: "All".into(),
            label_lower: "all".into(),
            href: q.with(d.key, None),
            selected: current.is_none(),
            count: None,
        }];
        for (value, label) in d.options {
            let selected = current == Some(value.as_str());
            if selected {
                chips.push(Chip {
                    title: d.title,
                    label: label.clone(),
                    remove: q.with(d.key, None),
                });
            }
            options.push(FilterOption {
                label_lower: label.to_lowercase(),
                href: q.with(d.key, Some(&value)),
                value,
                label,
                selected,
                count: None,
            });
        }
        sections.push(FilterSection {
            key: d.key,
            title: d.title,
            active: current.is_some(),
            options,
        });
    }
    Sidebar {
        sections,
        chips,
        clear_all: q.without(&keys),
    }
}

/// A sortable column header.
#[derive(Debug, Serialize)]
pub struct SortHeader {
    pub label: &'static str,
    pub href: Option<String>,
    /// `ascending`/`descending` when the list is sorted by it (for `aria-sort`).
    pub sorted: Option<&'static str>,
}

/// Column headers; `(label, Some(sort key))` is sortable. A sorted column's link flips the direction.
pub fn headers(q: &ListQuery, cols: &[(&'static str, Option<&'static str>)]) -> Vec<SortHeader> {
    let current = q.get("o").unwrap_or_default();
    cols.iter()
        .map(|(label, key)| match key {
            None => SortHeader {
                label,
                href: None,
                sorted: None,
            },
            Some(k) => {
                let asc = current == *k;
                let desc = current.strip_prefix('-') == Some(*k);
                let next = if asc { format!("-{k}") } else { k.to_string() };
                SortHeader {
                    label,
                    href: Some(q.with("o", Some(&next))),
                    sorted: if asc {
                        Some("ascending")
                    } else if desc {
                        Some("descending")
                    } else {
                        None
                    },
                }
            }
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct Pager {
    pub page: u64,
    pub pages: u64,
    pub total: u64,
    pub first_row: u64,
    pub last_row: u64,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// Page links around the current one (`None` = an ellipsis).
    pub links: Vec<Option<(u64, String)>>,
}

impl Pager {
    pub fn new(q: &ListQuery, total: u64, per_page: u64) -> Self {
        let pages = total.div_ceil(per_page.max(1)).max(1);
        let page = q.page().min(pages);
        let mut links = Vec::new();
        let mut last = 0;
        for n in 1..=pages {
            if n <= 2 || n + 1 >= pages || n.abs_diff(page) <= 2 {
                if last + 1 != n && last != 0 {
                    links.push(None);
                }
                links.push(Some((n, q.on_page(n))));
                last = n;
            }
        }
        Self {
            page,
            pages,
            total,
            first_row: if total == 0 {
                0
            } else {
                (page - 1) * per_page + 1
            },
            last_row: (page * per_page).min(total),
            prev: (page > 1).then(|| q.on_page(page - 1)),
            next: (page < pages).then(|| q.on_page(page + 1)),
            links,
        }
    }

    pub fn offset(&self, per_page: u64) -> u64 {
        (self.page - 1) * per_page
    }
}

/// `LOWER(col) LIKE '%term%'` with the term's wildcards escaped: the list screens' search condition.
pub fn contains(
    col: impl sea_orm::sea_query::IntoColumnRef,
    term: &str,
) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
    let escaped: String = term
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '\\' | '%' | '_' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    Expr::expr(Func::lower(Expr::col(col))).like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

/// [`contains`] over a JSON column read as text (lists of synonyms and the like).
pub fn json_contains(
    col: impl sea_orm::sea_query::IntoColumnRef,
    term: &str,
) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
    let escaped: String = term
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '\\' | '%' | '_' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    Expr::expr(Func::lower(Expr::col(col).cast_as("text")))
        .like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

/// Search terms: whitespace-separated, "quoted phrases" kept whole, at most ten.
pub fn terms(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                if !quoted && !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out.truncate(10);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_drop_only_their_filter_and_reset_the_page() {
        let q = ListQuery::parse(Some("status__exact=approved&q=galaxy&p=3"));
        assert_eq!(q.with("status__exact", None), "?q=galaxy");
        assert_eq!(q.on_page(2), "?status__exact=approved&q=galaxy&p=2");
        let s = sidebar(
            &q,
            vec![FilterDef {
                key: "status__exact",
                title: "Status",
                options: vec![("approved".into(), "Approved".into())],
            }],
        );
        assert_eq!(s.chips.len(), 1);
        assert_eq!(s.chips[0].remove, "?q=galaxy");
        assert_eq!(s.clear_all, "?q=galaxy");
        assert!(s.sections[0].options[1].selected);
    }

    #[test]
    fn terms_keep_quoted_phrases() {
        assert_eq!(terms(r#"a "b c"  d"#), vec!["a", "b c", "d"]);
    }

    #[test]
    fn pager_clamps_and_elides() {
        let q = ListQuery::parse(Some("p=99"));
        let p = Pager::new(&q, 301, 30);
        assert_eq!((p.page, p.pages), (11, 11));
        assert!(p.next.is_none() && p.prev.is_some());
        assert!(p.links.contains(&None));
    }
}
