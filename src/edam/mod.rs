//! EDAM ontology: parsing releases (OWL and TSV), the built-in seed, sync, in-memory ranked search and
//! the public EDAM API.

pub mod admin;
mod admin_edit;
pub mod api;
pub mod entity;
pub mod jobs;
pub mod model;
pub mod owl;
pub mod search;
pub mod seed;
pub mod service;
pub mod sync;
pub mod tsv;

use std::sync::LazyLock;

/// A release number such as `1.25` in a file name or ontology IRI.
static VERSION: LazyLock<Result<regex::Regex, regex::Error>> =
    LazyLock::new(|| regex::Regex::new(r"(\d+\.\d+)"));

/// Compiles the domain's patterns. The application calls this at start-up, so a pattern that does
/// not compile stops it there instead of silently never matching.
pub fn check_patterns() -> Result<(), regex::Error> {
    VERSION.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// The first release number (`1.25`) in `text`, or empty.
pub(crate) fn version_in(text: &str) -> String {
    VERSION
        .as_ref()
        .ok()
        .and_then(|re| re.captures(text).map(|c| c[1].to_string()))
        .unwrap_or_default()
}
