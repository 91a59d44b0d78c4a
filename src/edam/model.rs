//! EDAM terms as parsed from a release (OWL or TSV), before they reach the database.

use serde::Serialize;
use std::fmt;

pub const EDAM_BASE: &str = "http://edamontology.org/";

/// The EDAM sub-ontologies a term can belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Branch {
    Topic,
    Operation,
    Data,
    Format,
    Identifier,
}

impl Branch {
    pub const ALL: [Branch; 5] = [
        Branch::Topic,
        Branch::Operation,
        Branch::Data,
        Branch::Format,
        Branch::Identifier,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Branch::Topic => "topic",
            Branch::Operation => "operation",
            Branch::Data => "data",
            Branch::Format => "format",
            Branch::Identifier => "identifier",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

impl fmt::Display for Branch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which branches a sync covers; a full sync is the only one that marks vanished terms obsolete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchFilter {
    All,
    Only(Branch),
}

impl BranchFilter {
    pub fn parse(s: &str) -> Result<Self, String> {
        if s == "all" {
            return Ok(Self::All);
        }
        Branch::parse(s).map(Self::Only).ok_or_else(|| {
            format!("unknown branch '{s}': use all, topic, operation, data, format or identifier")
        })
    }

    pub fn accepts(self, b: Branch) -> bool {
        match self {
            Self::All => true,
            Self::Only(x) => x == b,
        }
    }
}

/// One EDAM class from a release file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedTerm {
    pub uri: String,
    pub accession: String,
    pub branch: Branch,
    pub label: String,
    pub definition: String,
    pub synonyms: Vec<String>,
    pub parent_uri: Option<String>,
    pub is_obsolete: bool,
    pub sort_order: i32,
}

/// A whole release: its version (may be empty when the file does not say) and its terms in file order.
#[derive(Debug, Clone, Default)]
pub struct Release {
    pub version: String,
    pub terms: Vec<ParsedTerm>,
}

/// `http://edamontology.org/topic_0121` → `topic_0121`, with its branch and numeric part; `None` for
/// anything that is not an EDAM concept of a known branch.
pub fn accession_of(uri: &str) -> Option<(String, Branch, i32)> {
    let rest = uri.strip_prefix(EDAM_BASE)?;
    let (prefix, digits) = rest.rsplit_once('_')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || prefix.contains('/') {
        return None;
    }
    let branch = Branch::parse(prefix)?;
    let number = digits.parse::<i32>().unwrap_or(0);
    Some((rest.to_string(), branch, number))
}

/// Text as stored: every run of whitespace (line breaks included) becomes one space, ends trimmed. The
/// OWL and TSV files of one release break long definitions differently; this makes them agree.
pub fn normalize_space(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An IRI is a reference to another vocabulary's term (`rdf:resource` in OWL), not a name.
fn is_iri(s: &str) -> bool {
    (s.starts_with("http://") || s.starts_with("https://")) && !s.contains(' ')
}

/// Synonyms as stored: split at `|`, whitespace normalised, without empties and IRIs, sorted
/// (case-insensitively, then exactly) and without duplicates. The two file formats list synonyms in
/// different orders, and the TSV cannot hold a `|` inside one (it separates list items there), so the
/// OWL's `BioXSD|BioJSON|BioYAML` is read as the three alternatives it names, as the TSV has it.
pub fn normalize_synonyms<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Vec<String> {
    let mut out: Vec<String> = items
        .into_iter()
        .flat_map(|s| {
            s.as_ref()
                .split('|')
                .map(normalize_space)
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty() && !is_iri(s))
        .collect();
    out.sort_by(|a, b| {
        a.to_lowercase()
            .cmp(&b.to_lowercase())
            .then_with(|| a.cmp(b))
    });
    out.dedup();
    out
}

/// The parent stored for a term: of its named EDAM superclasses, the first in sorted order (the order
/// the OWL release lists them in; the TSV lists some differently). `None` when there is none.
pub fn primary_parent<S: AsRef<str>>(parents: impl IntoIterator<Item = S>) -> Option<String> {
    parents
        .into_iter()
        .map(|p| p.as_ref().trim().to_string())
        .filter(|p| accession_of(p).is_some())
        .min()
}

/// Builds a term from its fields, applying the rules shared by both file formats so that the OWL and
/// the TSV of one release give identical terms; `None` when the class is not an EDAM concept or has
/// no label.
pub fn build_term(
    uri: &str,
    label: &str,
    definition: &str,
    synonyms: Vec<String>,
    parents: &[String],
    is_obsolete: bool,
) -> Option<ParsedTerm> {
    let (accession, branch, sort_order) = accession_of(uri.trim())?;
    let label = normalize_space(label);
    if label.is_empty() {
        return None;
    }
    Some(ParsedTerm {
        uri: uri.trim().to_string(),
        accession,
        branch,
        label,
        definition: normalize_space(definition),
        synonyms: normalize_synonyms(synonyms),
        parent_uri: primary_parent(parents),
        is_obsolete,
        sort_order,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessions() {
        assert_eq!(
            accession_of("http://edamontology.org/topic_0121"),
            Some(("topic_0121".into(), Branch::Topic, 121))
        );
        assert_eq!(accession_of("http://edamontology.org/has_input"), None);
        assert_eq!(accession_of("http://edamontology.org/topic_"), None);
        assert_eq!(accession_of("http://example.org/topic_0121"), None);
        assert_eq!(accession_of("http://edamontology.org/x/topic_0121"), None);
    }

    #[test]
    fn synonyms_are_normalised_sorted_and_unique() {
        let v = normalize_synonyms([
            "b",
            " a ",
            "",
            "b",
            "C\n  d|e",
            "http://purl.org/dc/elements/1.1/identifier",
            "B",
        ]);
        assert_eq!(v, ["a", "B", "b", "C d", "e"]);
    }

    #[test]
    fn whitespace_and_parents() {
        assert_eq!(
            normalize_space("  one\n two\t\tthree \r\n"),
            "one two three"
        );
        let parents = [
            "http://edamontology.org/topic_3391",
            "http://www.w3.org/2002/07/owl#Thing",
            " http://edamontology.org/topic_0622",
        ];
        assert_eq!(
            primary_parent(parents).as_deref(),
            Some("http://edamontology.org/topic_0622")
        );
        assert_eq!(
            primary_parent(["http://www.w3.org/2002/07/owl#Thing"]),
            None
        );
    }
}
