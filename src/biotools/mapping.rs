//! A bio.tools tool JSON mapped to what the registry keeps of it (`BioToolsEntry` and its ordered
//! functions), tolerant of every shape bio.tools has produced: missing keys, nulls, lists where a
//! string is expected and the reverse, numbers for strings, duplicates and over-long text. Pure: no I/O.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Column limits of `biotools_records` (characters); longer text is cut and ends with `…`.
pub const MAX_ID: usize = 200;
pub const MAX_NAME: usize = 200;
/// `description` is a text column; the original kept 5000 characters, and so do we.
pub const MAX_DESCRIPTION: usize = 5000;
/// A longer homepage is dropped, not cut: a cut URL would point somewhere else.
pub const MAX_HOMEPAGE: usize = 500;
pub const MAX_VERSION: usize = 100;
pub const MAX_LICENSE: usize = 100;
pub const MAX_MATURITY: usize = 50;
pub const MAX_COST: usize = 50;
/// How many versions the `version` column joins.
pub const VERSIONS_IN_COLUMN: usize = 5;

/// An EDAM concept as bio.tools gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = BiotoolsEdamRef)]
pub struct EdamRef {
    pub uri: String,
    pub term: String,
}

/// One input or output of a function: its EDAM data concept and accepted formats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = BiotoolsDataSlot)]
pub struct DataSlot {
    pub data: EdamRef,
    pub formats: Vec<EdamRef>,
}

/// One block of the tool's `function` list (stored as a `biotools_functions` row at its position).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BioToolsFunction {
    pub operations: Vec<EdamRef>,
    pub inputs: Vec<DataSlot>,
    pub outputs: Vec<DataSlot>,
    pub cmd: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = BiotoolsPublication)]
pub struct Publication {
    pub pmid: String,
    pub doi: String,
    pub pmcid: String,
    /// bio.tools' publication types (`Primary`, `Method`, …); a single string becomes a one-item list.
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub note: String,
}

/// A documentation page or another link (`{url, type}`), `type` always a list as bio.tools now has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = BiotoolsLink)]
pub struct Link {
    pub url: String,
    #[serde(rename = "type")]
    pub kind: Vec<String>,
}

/// A download (`{url, type, version}`); bio.tools gives one `type` per download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = BiotoolsDownload)]
pub struct Download {
    pub url: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub version: String,
}

/// What the registry keeps of a bio.tools tool: the `biotools_records` columns (plus the full version
/// list and the topics with their terms) and the ordered functions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BioToolsEntry {
    /// As bio.tools spells it (`Jalview`), falling back to the CURIE and then the name.
    pub biotools_id: String,
    pub name: String,
    pub description: String,
    pub homepage: String,
    /// Every version, in bio.tools' order, without blanks and repeats.
    pub versions: Vec<String>,
    /// The `version` column: the first five versions joined with `", "`.
    pub version: String,
    pub license: String,
    pub maturity: String,
    pub cost: String,
    /// Not a column (it stays in `raw`): `Open access`, …; the old single-string form becomes a list.
    pub accessibility: Vec<String>,
    pub tool_type: Vec<String>,
    pub operating_system: Vec<String>,
    pub publications: Vec<Publication>,
    pub documentation: Vec<Link>,
    pub download: Vec<Download>,
    pub links: Vec<Link>,
    /// Topics in bio.tools' order, each URI once.
    pub edam_topics: Vec<EdamRef>,
    pub functions: Vec<BioToolsFunction>,
    /// The whole response, as received.
    pub raw: Value,
}

impl BioToolsEntry {
    /// The `edam_topic_uris` column.
    pub fn edam_topic_uris(&self) -> Vec<String> {
        self.edam_topics.iter().map(|t| t.uri.clone()).collect()
    }
}

/// Maps a bio.tools tool object. Never fails: what cannot be read is left empty (a JSON value that is
/// not an object gives an entry with only `raw` set).
pub fn map_tool(raw: Value) -> BioToolsEntry {
    let empty = Map::new();
    let tool = raw.as_object().unwrap_or(&empty);
    let get = |key: &str| tool.get(key);

    let curie_id = text(get("biotoolsCURIE"))
        .split_once(':')
        .map(|(_, id)| id.trim().to_string())
        .unwrap_or_default();
    let biotools_id = [text(get("biotoolsID")), curie_id, text(get("name"))]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let versions = texts(get("version"));
    let version = versions
        .iter()
        .take(VERSIONS_IN_COLUMN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let homepage = url(get("homepage"))
        .filter(|u| u.chars().count() <= MAX_HOMEPAGE)
        .unwrap_or_default();

    BioToolsEntry {
        biotools_id: cut(&biotools_id, MAX_ID),
        name: cut(&text(get("name")), MAX_NAME),
        description: cut(&text(get("description")), MAX_DESCRIPTION),
        homepage,
        version: cut(&version, MAX_VERSION),
        versions,
        license: cut(&text(get("license")), MAX_LICENSE),
        maturity: cut(&text(get("maturity")), MAX_MATURITY),
        cost: cut(&text(get("cost")), MAX_COST),
        accessibility: texts(get("accessibility")),
        tool_type: texts(get("toolType")),
        operating_system: texts(get("operatingSystem")),
        publications: dedup(
            objects(get("publication"))
                .filter_map(publication)
                .collect(),
        ),
        documentation: dedup(objects(get("documentation")).filter_map(link).collect()),
        download: dedup(objects(get("download")).filter_map(download).collect()),
        links: dedup(objects(get("link")).filter_map(link).collect()),
        edam_topics: edam_list(get("topic")),
        functions: objects(get("function")).filter_map(function).collect(),
        raw,
    }
}

fn function(f: &Map<String, Value>) -> Option<BioToolsFunction> {
    let slots = |key: &str| -> Vec<DataSlot> { objects(f.get(key)).filter_map(slot).collect() };
    let function = BioToolsFunction {
        operations: edam_list(f.get("operation")),
        inputs: slots("input"),
        outputs: slots("output"),
        cmd: plain(&raw_text(f.get("cmd"))),
        note: text(f.get("note")),
    };
    let empty = function.operations.is_empty()
        && function.inputs.is_empty()
        && function.outputs.is_empty()
        && function.cmd.is_empty()
        && function.note.is_empty();
    (!empty).then_some(function)
}

/// An input or output. Repeats are kept: a block may take the same kind of data twice (paired reads).
fn slot(s: &Map<String, Value>) -> Option<DataSlot> {
    let data = s.get("data").and_then(edam).unwrap_or(EdamRef {
        uri: String::new(),
        term: String::new(),
    });
    let formats = edam_list(s.get("format"));
    (!(data.uri.is_empty() && data.term.is_empty() && formats.is_empty()))
        .then_some(DataSlot { data, formats })
}

fn publication(p: &Map<String, Value>) -> Option<Publication> {
    let publication = Publication {
        pmid: text(p.get("pmid")),
        doi: text(p.get("doi")),
        pmcid: text(p.get("pmcid")),
        kind: texts(p.get("type")),
        note: text(p.get("note")),
    };
    // Without any identifier there is nothing to cite or link to.
    let cited = !(publication.pmid.is_empty()
        && publication.doi.is_empty()
        && publication.pmcid.is_empty());
    cited.then_some(publication)
}

fn link(l: &Map<String, Value>) -> Option<Link> {
    Some(Link {
        url: url(l.get("url"))?,
        kind: texts(l.get("type")),
    })
}

fn download(d: &Map<String, Value>) -> Option<Download> {
    Some(Download {
        url: url(d.get("url"))?,
        kind: text(d.get("type")),
        version: text(d.get("version")),
    })
}

/// An EDAM object (`{uri, term}`, the URI required), or a bare URI string.
fn edam(v: &Value) -> Option<EdamRef> {
    let (uri, term) = match v {
        Value::Object(o) => (text(o.get("uri")), text(o.get("term"))),
        Value::String(s) => (plain(s), String::new()),
        _ => return None,
    };
    (!uri.is_empty() && !uri.chars().any(char::is_whitespace)).then_some(EdamRef { uri, term })
}

/// EDAM concepts in order, each URI once (the first occurrence wins).
fn edam_list(v: Option<&Value>) -> Vec<EdamRef> {
    let mut out: Vec<EdamRef> = Vec::new();
    for item in items(v).filter_map(edam) {
        if !out.iter().any(|e| e.uri == item.uri) {
            out.push(item);
        }
    }
    out
}

/// The elements of a list; a single value where a list is expected counts as a one-item list.
fn items(v: Option<&Value>) -> Box<dyn Iterator<Item = &Value> + '_> {
    match v {
        Some(Value::Array(a)) => Box::new(a.iter()),
        Some(Value::Null) | None => Box::new(std::iter::empty()),
        Some(other) => Box::new(std::iter::once(other)),
    }
}

fn objects(v: Option<&Value>) -> impl Iterator<Item = &Map<String, Value>> {
    items(v).filter_map(Value::as_object)
}

/// A scalar as text (numbers too); a list of scalars joined with `", "`; anything else empty.
fn raw_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| raw_text(Some(x)).trim().to_string())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    }
}

/// Free text through the registry's sanitiser (NFC, no control characters or tags, trimmed).
fn text(v: Option<&Value>) -> String {
    crate::text::clean_text(&raw_text(v))
}

/// Free text as a list: each scalar item (or the single scalar), without blanks and repeats.
fn texts(v: Option<&Value>) -> Vec<String> {
    dedup(
        items(v)
            .filter(|x| !x.is_array())
            .map(|x| text(Some(x)))
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

/// Control characters removed (line breaks and tabs kept), trimmed; no tag stripping, so a command
/// line's `<in.fq >out.sam` survives.
fn plain(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect::<String>()
        .trim()
        .to_string()
}

/// An `http(s)://` URL without whitespace; anything else (`javascript:`, `ftp:`, prose) is dropped.
fn url(v: Option<&Value>) -> Option<String> {
    let u = plain(&raw_text(v));
    let lower = u.to_ascii_lowercase();
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    (web && u.len() > "https://".len() && !u.chars().any(char::is_whitespace)).then_some(u)
}

/// At most `max` characters; a longer text keeps `max - 1` and ends with `…`, so the cut is visible.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

fn dedup<T: PartialEq>(list: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(list.len());
    for item in list {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nothing_but_raw_from_a_non_object() {
        let entry = map_tool(json!(["not", "a", "tool"]));
        assert_eq!(entry.name, "");
        assert!(entry.functions.is_empty());
        assert_eq!(entry.raw, json!(["not", "a", "tool"]));
    }

    #[test]
    fn nulls_empties_and_swapped_shapes_are_tolerated() {
        let entry = map_tool(json!({
            "biotoolsID": null, "biotoolsCURIE": "biotools:X1", "name": ["Tool", "One"],
            "description": 42, "homepage": "javascript:alert(1)", "version": [1.2, "", null, "1.2", "2"],
            "license": ["MIT", "GPL-3.0"], "maturity": null, "cost": {"odd": true},
            "accessibility": "Open access", "toolType": "Web application",
            "operatingSystem": ["Linux", "Linux", null, ["nested"]],
            "publication": {"pmid": 123456, "type": "Primary"},
            "documentation": [{"url": "https://example.org/doc", "type": "Manual"}, {"type": ["x"]},
                              {"url": "https://example.org/doc", "type": ["Manual"]}],
            "download": [{"url": " https://example.org/dl ", "type": ["Binaries"], "version": 3}],
            "link": [null, 7, {"url": "ftp://example.org"}],
            "topic": [{"uri": "", "term": "no uri"}, "http://edamontology.org/topic_0091",
                      {"uri": "http://edamontology.org/topic_0091", "term": "again"}],
            "function": [{}, {"operation": {"uri": "http://edamontology.org/operation_0004", "term": "Op"},
                              "input": [{"data": null, "format": null}, {"data": {"uri": "d", "term": "D"}}],
                              "cmd": "tool <in.fq >out.sam\u{0007}", "note": ["a", "b"]}]
        }));
        assert_eq!(entry.biotools_id, "X1");
        assert_eq!(entry.name, "Tool, One");
        assert_eq!(entry.description, "42");
        assert_eq!(entry.homepage, "");
        assert_eq!(entry.versions, ["1.2", "2"]);
        assert_eq!(entry.version, "1.2, 2");
        assert_eq!(entry.license, "MIT, GPL-3.0");
        assert_eq!((entry.maturity.as_str(), entry.cost.as_str()), ("", ""));
        assert_eq!(entry.accessibility, ["Open access"]);
        assert_eq!(entry.tool_type, ["Web application"]);
        assert_eq!(entry.operating_system, ["Linux"]);
        assert_eq!(entry.publications.len(), 1);
        assert_eq!(entry.publications[0].pmid, "123456");
        assert_eq!(entry.publications[0].kind, ["Primary"]);
        assert_eq!(entry.documentation.len(), 1, "{:?}", entry.documentation);
        assert_eq!(entry.download[0].url, "https://example.org/dl");
        assert_eq!(entry.download[0].kind, "Binaries");
        assert_eq!(entry.download[0].version, "3");
        assert!(entry.links.is_empty());
        assert_eq!(
            entry.edam_topic_uris(),
            ["http://edamontology.org/topic_0091"]
        );
        assert_eq!(entry.functions.len(), 1);
        let f = &entry.functions[0];
        assert_eq!(f.operations[0].term, "Op");
        assert_eq!(f.inputs.len(), 1);
        assert_eq!(f.cmd, "tool <in.fq >out.sam");
        assert_eq!(f.note, "a, b");
    }

    #[test]
    fn long_texts_are_cut_visibly_to_the_columns() {
        let entry = map_tool(json!({
            "name": "n".repeat(300), "description": "d".repeat(6000),
            "homepage": format!("https://example.org/{}", "p".repeat(600)),
            "version": ["11111111111111111111", "2", "3", "4", "5", "6"], "license": "l".repeat(150),
            "maturity": "m".repeat(60), "cost": "c".repeat(60),
        }));
        for (value, max) in [
            (&entry.name, MAX_NAME),
            (&entry.description, MAX_DESCRIPTION),
            (&entry.license, MAX_LICENSE),
            (&entry.maturity, MAX_MATURITY),
            (&entry.cost, MAX_COST),
        ] {
            assert_eq!(value.chars().count(), max);
            assert!(value.ends_with('…'));
        }
        assert_eq!(entry.homepage, "");
        assert_eq!(entry.version, "11111111111111111111, 2, 3, 4, 5");
        assert_eq!(cut("ab cdef", 4), "ab…");
        assert_eq!(cut("äöü", 3), "äöü");
    }
}
