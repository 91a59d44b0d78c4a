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

/// Appends synonyms trimmed, without empties or duplicates, keeping first-seen order.
pub fn push_synonyms<'a>(into: &mut Vec<String>, items: impl IntoIterator<Item = &'a str>) {
    for s in items {
        let s = s.trim();
        if !s.is_empty() && !into.iter().any(|x| x == s) {
            into.push(s.to_string());
        }
    }
}

/// Builds a term from its fields, applying the rules shared by both file formats; `None` when the class
/// is not an EDAM concept or has no label.
pub fn build_term(
    uri: &str,
    label: &str,
    definition: &str,
    synonyms: Vec<String>,
    parents: &[String],
    is_obsolete: bool,
) -> Option<ParsedTerm> {
    let (accession, branch, sort_order) = accession_of(uri.trim())?;
    let label = label.trim();
    if label.is_empty() {
        return None;
    }
    let parent_uri = parents
        .iter()
        .map(|p| p.trim())
        .find(|p| accession_of(p).is_some())
        .map(str::to_string);
    Some(ParsedTerm {
        uri: uri.trim().to_string(),
        accession,
        branch,
        label: label.to_string(),
        definition: definition.trim().to_string(),
        synonyms,
        parent_uri,
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
    fn synonyms_keep_order_without_duplicates() {
        let mut v = Vec::new();
        push_synonyms(&mut v, ["b", " a ", "", "b", "c"]);
        assert_eq!(v, ["b", "a", "c"]);
    }
}
