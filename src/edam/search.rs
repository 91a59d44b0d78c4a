//! In-memory ranked search over the non-obsolete EDAM terms, used by the form's pickers and the public
//! API: exact label > label prefix > word prefix > substring > synonym; ties by label. Case- and
//! accent-insensitive. The index is rebuilt after each sync (and periodically, for other replicas' syncs).

use sea_orm::{DatabaseConnection, EntityTrait};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use utoipa::ToSchema;

use super::entity::edam_term;
use super::model::Branch;

/// Lower-case, accents removed (`Protéomique` → `proteomique`).
pub fn normalize(s: &str) -> String {
    s.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// At most `max` characters, cut at a word boundary, with an ellipsis when shortened.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}

#[derive(Debug, Clone)]
pub struct IndexedTerm {
    pub id: i64,
    pub uri: String,
    pub accession: String,
    pub branch: Branch,
    pub label: String,
    pub definition: String,
    pub synonyms: Vec<String>,
    pub parent: Option<(String, String)>,
    pub sort_order: i32,
    norm_label: String,
    norm_accession: String,
    norm_synonyms: Vec<String>,
    /// This term as an API list item and as a picker hit, serialised once when the index is built and
    /// left open (no closing brace) so that a matched synonym can be appended.
    item_json: Box<str>,
    hit_json: Box<str>,
}

/// One search result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Hit {
    /// The term's row id: what a submission's `edam_topic_ids` / `edam_operation_ids` name.
    pub id: i64,
    pub accession: String,
    pub uri: String,
    pub branch: Branch,
    pub label: String,
    /// The definition, shortened to about 160 characters.
    pub definition: String,
    /// The synonym that matched, when only a synonym did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_synonym: Option<String>,
    pub parent_label: Option<String>,
}

#[derive(Debug, Default)]
pub struct EdamIndex {
    /// Non-obsolete terms ordered by (branch, sort order).
    terms: Vec<IndexedTerm>,
    /// Every term (obsolete ones included) by accession, as the detail endpoint answers it, serialised
    /// once when the index is built.
    details: HashMap<String, axum::body::Bytes>,
    /// Row id → accession of the non-obsolete terms (the detail endpoint also takes a numeric id).
    accession_by_id: HashMap<i64, String>,
    pub version: String,
}

impl EdamIndex {
    pub fn from_rows(rows: Vec<edam_term::Model>) -> Self {
        let parents: HashMap<i64, (String, String)> = rows
            .iter()
            .map(|r| (r.id, (r.accession.clone(), r.label.clone())))
            .collect();
        let mut versions: HashMap<String, usize> = HashMap::new();
        let details = rows
            .iter()
            .map(|r| {
                let parent = r.parent_id.and_then(|p| parents.get(&p));
                (r.accession.clone(), super::api::detail_json(r, parent))
            })
            .collect();
        let accession_by_id = rows
            .iter()
            .filter(|r| !r.is_obsolete)
            .map(|r| (r.id, r.accession.clone()))
            .collect();
        let mut terms: Vec<IndexedTerm> = rows
            .into_iter()
            .filter(|r| !r.is_obsolete)
            .filter_map(|r| {
                let branch = Branch::parse(&r.branch)?;
                *versions.entry(r.edam_version.clone()).or_default() += 1;
                let synonyms: Vec<String> = serde_json::from_value(r.synonyms).unwrap_or_default();
                let mut term = IndexedTerm {
                    norm_label: normalize(&r.label),
                    norm_accession: r.accession.to_ascii_lowercase(),
                    norm_synonyms: synonyms.iter().map(|s| normalize(s)).collect(),
                    parent: r.parent_id.and_then(|p| parents.get(&p).cloned()),
                    id: r.id,
                    uri: r.uri,
                    accession: r.accession,
                    branch,
                    label: r.label,
                    definition: r.definition,
                    synonyms,
                    sort_order: r.sort_order,
                    item_json: Box::default(),
                    hit_json: Box::default(),
                };
                term.item_json = open_json(&super::api::EdamItem::from_indexed(&term, None));
                term.hit_json = open_json(&term.hit(None));
                Some(term)
            })
            .collect();
        terms.sort_by_key(|t| (t.branch, t.sort_order));
        let version = versions
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(v, _)| v)
            .unwrap_or_default();
        Self {
            terms,
            details,
            accession_by_id,
            version,
        }
    }

    /// The detail of a term by accession (obsolete ones included), or by the row id of a non-obsolete
    /// term, serialised.
    pub fn detail(&self, key: &str) -> Option<axum::body::Bytes> {
        self.details.get(key).cloned().or_else(|| {
            let id = key.parse::<i64>().ok()?;
            self.details.get(self.accession_by_id.get(&id)?).cloned()
        })
    }

    pub async fn load(db: &DatabaseConnection) -> Result<Self, sea_orm::DbErr> {
        Ok(Self::from_rows(edam_term::Entity::find().all(db).await?))
    }

    /// A current (non-obsolete) term by URI (`http://edamontology.org/topic_0121`; `https` accepted).
    pub fn by_uri(&self, uri: &str) -> Option<&IndexedTerm> {
        let uri = uri.trim();
        let tail = uri.rsplit('/').next().unwrap_or_default();
        self.terms.iter().find(|t| {
            t.uri == uri
                || (!tail.is_empty() && t.accession == tail && uri.contains("edamontology.org"))
        })
    }

    /// A current (non-obsolete) term by row id.
    pub fn by_id(&self, id: i64) -> Option<&IndexedTerm> {
        self.terms.iter().find(|t| t.id == id)
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Every non-obsolete term of a branch (or of all), in (branch, sort order) order.
    pub fn list(&self, branch: Option<Branch>) -> impl Iterator<Item = &IndexedTerm> {
        self.terms
            .iter()
            .filter(move |t| branch.is_none_or(|b| t.branch == b))
    }

    /// Ranked matches for `query`; an empty query matches nothing. Within a tier, broad terms (fewer
    /// words in the label) come first, then terms whose synonyms also match the query more often (the
    /// query probably names that concept), then the label alphabetically.
    pub fn search(
        &self,
        branch: Option<Branch>,
        query: &str,
        limit: usize,
    ) -> Vec<(&IndexedTerm, Option<&str>)> {
        let q = normalize(query.trim());
        if q.is_empty() {
            return Vec::new();
        }
        let mut ranked: Vec<(RankKey, &IndexedTerm, Option<&str>)> = self
            .list(branch)
            .filter_map(|t| {
                rank(t, &q).map(|(tier, syn)| {
                    let words = t.norm_label.split_whitespace().count();
                    let synonym_hits = t
                        .norm_synonyms
                        .iter()
                        .filter(|s| s.contains(q.as_str()))
                        .count();
                    ((tier, words, std::cmp::Reverse(synonym_hits)), t, syn)
                })
            })
            .collect();
        ranked.sort_by(|a, b| {
            (a.0, &a.1.norm_label, a.1.sort_order).cmp(&(b.0, &b.1.norm_label, b.1.sort_order))
        });
        ranked
            .into_iter()
            .take(limit)
            .map(|(_, t, s)| (t, s))
            .collect()
    }
}

/// Tier (exact, prefix, word prefix, substring, synonym), words in the label, synonym hits.
type RankKey = (u8, usize, std::cmp::Reverse<usize>);

fn word_prefix(text: &str, q: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|w| !w.is_empty() && w.starts_with(q))
        // Multi-word queries: a prefix match starting at any word boundary.
        || text
            .match_indices(|c: char| !c.is_alphanumeric())
            .any(|(i, sep)| text[i + sep.len()..].starts_with(q))
}

/// The tier a term matches in (lower is better), and the synonym when only a synonym matched. Every
/// tier implies that the text contains the query, so one substring search per text decides most terms.
fn rank<'a>(t: &'a IndexedTerm, q: &str) -> Option<(u8, Option<&'a str>)> {
    let label_hit = t.norm_label.contains(q);
    if label_hit || t.norm_accession.starts_with(q) {
        if t.norm_label == q || t.norm_accession == q {
            return Some((0, None));
        }
        if t.norm_label.starts_with(q) || t.norm_accession.starts_with(q) {
            return Some((1, None));
        }
        return Some((if word_prefix(&t.norm_label, q) { 2 } else { 3 }, None));
    }
    // Synonyms: the best-matching one is reported.
    let mut best: Option<(u8, usize)> = None;
    for (i, s) in t.norm_synonyms.iter().enumerate() {
        if !s.contains(q) {
            continue;
        }
        let tier = if s == q {
            4
        } else if s.starts_with(q) || word_prefix(s, q) {
            5
        } else {
            6
        };
        if best.is_none_or(|(b, _)| tier < b) {
            best = Some((tier, i));
        }
    }
    best.map(|(tier, i)| (tier, t.synonyms.get(i).map(String::as_str)))
}

/// A value serialised as a JSON object without its closing brace.
fn open_json(value: &impl Serialize) -> Box<str> {
    let mut json = serde_json::to_string(value).unwrap_or_else(|_| "{".to_string());
    json.pop();
    json.into_boxed_str()
}

/// Which pre-serialised form of the terms a JSON array is made of.
#[derive(Clone, Copy)]
pub enum JsonForm {
    /// `EdamItem`, the API list.
    Item,
    /// `Hit`, the pickers' search.
    Hit,
}

/// A JSON array of terms from their pre-serialised forms, each with its matched synonym when given.
pub fn json_array<'a>(
    form: JsonForm,
    terms: impl IntoIterator<Item = (&'a IndexedTerm, Option<&'a str>)>,
) -> String {
    let mut out = String::with_capacity(4096);
    out.push('[');
    for (i, (t, synonym)) in terms.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(match form {
            JsonForm::Item => &t.item_json,
            JsonForm::Hit => &t.hit_json,
        });
        if let Some(s) = synonym {
            out.push_str(",\"matched_synonym\":");
            out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "null".into()));
        }
        out.push('}');
    }
    out.push(']');
    out
}

impl IndexedTerm {
    pub fn hit(&self, matched_synonym: Option<&str>) -> Hit {
        Hit {
            id: self.id,
            accession: self.accession.clone(),
            uri: self.uri.clone(),
            branch: self.branch,
            label: self.label.clone(),
            definition: shorten(&self.definition, 160),
            matched_synonym: matched_synonym.map(str::to_string),
            parent_label: self.parent.as_ref().map(|(_, l)| l.clone()),
        }
    }
}

/// The index shared by all requests; replaced wholesale after a rebuild.
#[derive(Clone, Default)]
pub struct SharedIndex(Arc<RwLock<Arc<EdamIndex>>>);

impl SharedIndex {
    pub fn get(&self) -> Arc<EdamIndex> {
        match self.0.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, index: EdamIndex) {
        let index = Arc::new(index);
        match self.0.write() {
            Ok(mut g) => *g = index,
            Err(poisoned) => *poisoned.into_inner() = index,
        }
    }

    pub async fn rebuild(&self, db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
        self.replace(EdamIndex::load(db).await?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_drops_case_and_accents() {
        assert_eq!(normalize("Protéomique ÄÖ"), "proteomique ao");
    }

    #[test]
    fn shortening_cuts_at_words() {
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(shorten("one two three four five", 12), "one two…");
    }
}
