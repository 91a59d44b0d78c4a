//! Parser for EDAM releases in the TSV format (as shipped by EDAM and by the PyPI package
//! `edam-ontology`): one row per class, columns found by their header names, `|` between list items.

use super::model::{Release, build_term};

const OBO: &str = "http://www.geneontology.org/formats/oboInOwl#";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TsvError {
    #[error("the TSV file has no '{0}' column")]
    MissingColumn(&'static str),
    #[error("the TSV file is not valid UTF-8")]
    Encoding,
    #[error("no EDAM classes found in the TSV file")]
    Empty,
}

/// Fields may be quoted CSV-style: `"a ""b"" c"` → `a "b" c`. Inside a quoted field `\"` is a quote too:
/// the EDAM 1.25 TSV writes one label as `"Ensembl ID (""Ornithorhynchus anatinus\"")"`, which its
/// OWL release has as `Ensembl ID ("Ornithorhynchus anatinus")`.
fn unquote(field: &str) -> String {
    let f = field.trim();
    match f.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        Some(inner) if f.len() >= 2 => inner.replace("\"\"", "\"").replace("\\\"", "\""),
        _ => f.to_string(),
    }
}

/// Parses a TSV release. TSV files carry no version; the caller supplies it.
pub fn parse(input: &[u8], version: &str) -> Result<Release, TsvError> {
    let text = std::str::from_utf8(input).map_err(|_| TsvError::Encoding)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &'static str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or(TsvError::MissingColumn(name))
    };
    let optional = |name: String| header.iter().position(|h| h.trim() == name);
    let id = col("Class ID")?;
    let label = col("Preferred Label")?;
    let obsolete = col("Obsolete")?;
    let parents = col("Parents")?;
    let definitions = col("Definitions")?;
    let synonyms_all = optional("Synonyms".into());
    let has_definition = optional(format!("{OBO}hasDefinition"));
    let synonym_cols: Vec<Option<usize>> = [
        "hasExactSynonym",
        "hasNarrowSynonym",
        "hasBroadSynonym",
        "hasRelatedSynonym",
    ]
    .iter()
    .map(|k| optional(format!("{OBO}{k}")))
    .collect();

    let mut release = Release {
        version: version.to_string(),
        terms: Vec::new(),
    };
    for line in lines {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<String> = line.split('\t').map(unquote).collect();
        let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or_default();
        let list = |i: Option<usize>| -> Vec<&str> {
            i.map(|i| {
                cell(i)
                    .split('|')
                    .filter(|s| !s.trim().is_empty())
                    .collect()
            })
            .unwrap_or_default()
        };
        let synonyms: Vec<String> = if synonym_cols.iter().any(Option::is_some) {
            synonym_cols
                .iter()
                .flat_map(|c| list(*c))
                .map(str::to_string)
                .collect()
        } else {
            list(synonyms_all).into_iter().map(str::to_string).collect()
        };
        // The dedicated definition column when present, else the first of the combined definitions.
        let definition = has_definition
            .map(cell)
            .filter(|d| !d.trim().is_empty())
            .or_else(|| cell(definitions).split('|').find(|d| !d.trim().is_empty()))
            .unwrap_or_default();
        let parent_uris: Vec<String> = list(Some(parents))
            .into_iter()
            .map(str::to_string)
            .collect();
        let is_obsolete = matches!(
            cell(obsolete).trim().to_ascii_lowercase().as_str(),
            "true" | "1"
        );
        if let Some(term) = build_term(
            cell(id),
            cell(label),
            definition,
            synonyms,
            &parent_uris,
            is_obsolete,
        ) {
            release.terms.push(term);
        }
    }
    if release.terms.is_empty() {
        return Err(TsvError::Empty);
    }
    Ok(release)
}
