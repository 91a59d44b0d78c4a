//! What a catalogue request asks for: the search text, the filters (OR within one, AND across), the
//! sort, the view and the page, parsed from the query string; and the canonical URL that gives it back.

use uuid::Uuid;

/// Longest search text kept (the rest is cut).
pub const MAX_QUERY_CHARS: usize = 200;
/// Most values kept per filter: a longer list is cut, never an error or an unbounded `IN (…)`.
pub const MAX_VALUES: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Name,
    Newest,
    Updated,
    Relevance,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Relevance, Sort::Name, Sort::Newest, Sort::Updated];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "name" => Self::Name,
            "newest" => Self::Newest,
            "updated" => Self::Updated,
            "relevance" => Self::Relevance,
            _ => return None,
        })
    }
    pub const fn code(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Newest => "newest",
            Self::Updated => "updated",
            Self::Relevance => "relevance",
        }
    }
    pub const fn label(self) -> &'static str {
        match self {
            Self::Name => "Name (A → Z)",
            Self::Newest => "Newest",
            Self::Updated => "Recently updated",
            Self::Relevance => "Relevance",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Cards,
    List,
}

/// The filters; every value is already known to be well-formed (unknown ids simply match nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub categories: Vec<i64>,
    pub centers: Vec<Uuid>,
    /// EDAM topic accessions, e.g. `topic_0121`.
    pub topics: Vec<String>,
    /// Primary maturity tag codes.
    pub maturity: Vec<String>,
    /// `true`, `false` or both (both = no narrowing).
    pub elixir: Vec<bool>,
    /// SPDX identifiers.
    pub licenses: Vec<String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
            && self.centers.is_empty()
            && self.topics.is_empty()
            && self.maturity.is_empty()
            && self.elixir.is_empty()
            && self.licenses.is_empty()
    }
}

/// A parsed catalogue request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueQuery {
    pub q: String,
    pub filters: Filters,
    /// `None`: the default (relevance when searching, else name).
    pub sort: Option<Sort>,
    pub view: View,
    /// As asked (≥ 1); clamped to the last page when the listing is known.
    pub page: u64,
}

/// A parameter value that was not understood (the HTML pages drop it, the API refuses it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub param: String,
    pub value: String,
}

fn push<T: PartialEq>(list: &mut Vec<T>, v: T) {
    if list.len() < MAX_VALUES && !list.contains(&v) {
        list.push(v);
    }
}

/// An EDAM topic accession: `topic_` and digits.
fn topic_accession(v: &str) -> Option<String> {
    let digits = v.strip_prefix("topic_")?;
    (!digits.is_empty() && digits.len() <= 10 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| v.to_string())
}

/// An SPDX identifier's characters (letters, digits, `.`, `-`, `+`).
fn spdx_id(v: &str) -> Option<String> {
    (!v.is_empty()
        && v.len() <= 80
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.+".contains(&b)))
    .then(|| v.to_string())
}

impl CatalogueQuery {
    /// Parses decoded query pairs. Unknown parameters are ignored; values that are not understood are
    /// returned beside the query (the API answers them with a 400, the pages leave them out).
    pub fn parse(pairs: &[(String, String)]) -> (Self, Vec<Rejected>) {
        let mut q = Self {
            page: 1,
            ..Self::default()
        };
        let mut rejected = Vec::new();
        for (k, raw) in pairs {
            let v = raw.trim();
            let mut bad = false;
            match k.as_str() {
                "q" => {
                    q.q = crate::text::clean_text(v)
                        .chars()
                        .take(MAX_QUERY_CHARS)
                        .collect::<String>()
                        .trim()
                        .to_string()
                }
                "category" => match v.parse::<i64>() {
                    Ok(id) => push(&mut q.filters.categories, id),
                    Err(_) => bad = true,
                },
                "center" => match Uuid::parse_str(v) {
                    Ok(id) => push(&mut q.filters.centers, id),
                    Err(_) => bad = true,
                },
                "topic" => match topic_accession(v) {
                    Some(a) => push(&mut q.filters.topics, a),
                    None => bad = true,
                },
                "maturity" => match crate::submissions::model::PrimaryTag::ALL
                    .iter()
                    .find(|t| t.code() == v)
                {
                    Some(t) => push(&mut q.filters.maturity, t.code().to_string()),
                    None => bad = true,
                },
                "elixir" => match v {
                    "yes" | "true" => push(&mut q.filters.elixir, true),
                    "no" | "false" => push(&mut q.filters.elixir, false),
                    _ => bad = true,
                },
                "license" => match spdx_id(v) {
                    Some(id) => push(&mut q.filters.licenses, id),
                    None => bad = true,
                },
                "sort" => match Sort::parse(v) {
                    Some(s) => q.sort = Some(s),
                    None => bad = true,
                },
                "view" => match v {
                    "list" => q.view = View::List,
                    "cards" | "" => q.view = View::Cards,
                    _ => bad = true,
                },
                // Non-numbers and 0 mean the first page; a huge number is simply past the end.
                "page" => {
                    q.page = if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                        1
                    } else {
                        v.parse::<u64>().map_or(u64::MAX, |n| n.max(1))
                    }
                }
                _ => {}
            }
            // An empty value of a filter (a form's blank choice) is no filter, not an error.
            if bad && !v.is_empty() {
                rejected.push(Rejected {
                    param: k.clone(),
                    value: v.chars().take(40).collect(),
                });
            }
        }
        (q, rejected)
    }

    /// The sort in effect: relevance needs search text.
    pub fn effective_sort(&self) -> Sort {
        match self.sort {
            Some(Sort::Relevance) | None if !self.q.is_empty() => Sort::Relevance,
            Some(Sort::Relevance) | None => Sort::Name,
            Some(s) => s,
        }
    }

    pub fn is_filtered(&self) -> bool {
        !self.q.is_empty() || !self.filters.is_empty()
    }

    /// The query pairs of this request without the page, non-default values only, in a fixed order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut p: Vec<(&'static str, String)> = Vec::new();
        if !self.q.is_empty() {
            p.push(("q", self.q.clone()));
        }
        let f = &self.filters;
        p.extend(f.categories.iter().map(|v| ("category", v.to_string())));
        p.extend(f.centers.iter().map(|v| ("center", v.to_string())));
        p.extend(f.topics.iter().map(|v| ("topic", v.clone())));
        p.extend(f.maturity.iter().map(|v| ("maturity", v.clone())));
        p.extend(
            f.elixir
                .iter()
                .map(|v| ("elixir", if *v { "yes" } else { "no" }.to_string())),
        );
        p.extend(f.licenses.iter().map(|v| ("license", v.clone())));
        if let Some(s) = self.sort
            && s != self.default_sort()
        {
            p.push(("sort", s.code().to_string()));
        }
        if self.view == View::List {
            p.push(("view", "list".into()));
        }
        p
    }

    fn default_sort(&self) -> Sort {
        if self.q.is_empty() {
            Sort::Name
        } else {
            Sort::Relevance
        }
    }

    /// `/catalogue/?…` for this request at `page` (the page is left out when it is 1).
    pub fn url(&self, page: u64) -> String {
        let mut pairs = self.pairs();
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        if pairs.is_empty() {
            return "/catalogue/".into();
        }
        let qs = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("/catalogue/?{qs}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(qs: &str) -> (CatalogueQuery, Vec<Rejected>) {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(qs.as_bytes())
            .into_owned()
            .collect();
        CatalogueQuery::parse(&pairs)
    }

    #[test]
    fn defaults_and_pages() {
        assert_eq!(parse("").0.page, 1);
        assert_eq!(parse("page=abc").0.page, 1);
        assert_eq!(parse("page=-5").0.page, 1);
        assert_eq!(parse("page=0").0.page, 1);
        assert_eq!(parse("page=3").0.page, 3);
        assert_eq!(parse("page=99999999999999999999999").0.page, u64::MAX);
        assert_eq!(parse("").0.effective_sort(), Sort::Name);
        assert_eq!(parse("q=x").0.effective_sort(), Sort::Relevance);
        assert_eq!(parse("sort=relevance").0.effective_sort(), Sort::Name);
    }

    #[test]
    fn values_are_checked_and_kept_in_order() {
        let (q, bad) = parse(
            "category=3&category=x&category=3&center=nope&topic=topic_0121&topic=../x&elixir=yes&maturity=mature&maturity=old&license=MIT&sort=up&view=tiles&unknown=1&center=",
        );
        assert_eq!(q.filters.categories, vec![3]);
        assert_eq!(q.filters.topics, vec!["topic_0121".to_string()]);
        assert_eq!(q.filters.elixir, vec![true]);
        assert_eq!(q.filters.maturity, vec!["mature".to_string()]);
        assert_eq!(q.filters.licenses, vec!["MIT".to_string()]);
        let params: Vec<&str> = bad.iter().map(|r| r.param.as_str()).collect();
        assert_eq!(
            params,
            ["category", "center", "topic", "maturity", "sort", "view"]
        );
    }

    #[test]
    fn search_text_is_trimmed_and_cut() {
        assert_eq!(parse("q=%20%20bio%20").0.q, "bio");
        assert_eq!(parse(&format!("q={}", "a".repeat(300))).0.q.len(), 200);
    }

    #[test]
    fn canonical_urls_keep_only_non_defaults() {
        assert_eq!(parse("sort=name&view=cards&page=1").0.url(1), "/catalogue/");
        let (q, _) = parse("q=bio+tools&sort=updated&view=list&category=2");
        assert_eq!(
            q.url(3),
            "/catalogue/?q=bio+tools&category=2&sort=updated&view=list&page=3"
        );
        assert_eq!(parse("q=x&sort=relevance").0.url(1), "/catalogue/?q=x");
    }
}
