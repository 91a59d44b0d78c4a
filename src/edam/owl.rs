//! Streaming parser for EDAM releases in OWL (RDF/XML). Refuses DTDs outright, so external entities and
//! entity expansion cannot happen; input size is capped; truncated or foreign files are errors.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;
use std::collections::HashMap;

use super::model::{Release, build_term};

const RDF: &[u8] = b"http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const RDFS: &[u8] = b"http://www.w3.org/2000/01/rdf-schema#";
const OWL: &[u8] = b"http://www.w3.org/2002/07/owl#";
const OBO: &[u8] = b"http://www.geneontology.org/formats/oboInOwl#";
const DOAP: &[u8] = b"http://usefulinc.com/ns/doap#";

/// Larger inputs are refused before parsing (EDAM releases are ~3 MB).
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OwlError {
    #[error("the file is {0} bytes; at most {MAX_INPUT_BYTES} are accepted")]
    TooLarge(usize),
    #[error("document type declarations (DTDs) are not allowed in EDAM files")]
    Dtd,
    #[error("unknown entity reference '&{0};' (entities are not supported)")]
    Entity(String),
    #[error("malformed XML at byte {position}: {message}")]
    Xml { position: u64, message: String },
    #[error("the file ends before the document is complete (truncated?)")]
    Truncated,
    #[error("not an OWL/RDF-XML file: the root element is not rdf:RDF")]
    NotRdf,
    #[error("no EDAM classes found in the file")]
    Empty,
}

/// The namespaces we care about, resolved once per element (the resolver borrows the reader).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Rdf,
    Rdfs,
    Owl,
    Obo,
    Doap,
    Other,
}

fn ns_of(res: &ResolveResult) -> Ns {
    match res {
        ResolveResult::Bound(Namespace(n)) => match *n {
            RDF => Ns::Rdf,
            RDFS => Ns::Rdfs,
            OWL => Ns::Owl,
            OBO => Ns::Obo,
            DOAP => Ns::Doap,
            _ => Ns::Other,
        },
        _ => Ns::Other,
    }
}

/// What a direct child of `owl:Class` (or `owl:Ontology`) is, for the properties we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prop {
    Label,
    Definition,
    Comment,
    Exact,
    Narrow,
    Broad,
    Related,
    SubClassOf,
    Deprecated,
    DoapVersion,
    VersionInfo,
    Other,
}

fn prop_of(ns: Ns, local: &[u8]) -> Prop {
    match (ns, local) {
        (Ns::Rdfs, b"label") => Prop::Label,
        (Ns::Rdfs, b"comment") => Prop::Comment,
        (Ns::Rdfs, b"subClassOf") => Prop::SubClassOf,
        (Ns::Obo, b"hasDefinition") => Prop::Definition,
        (Ns::Obo, b"hasExactSynonym") => Prop::Exact,
        (Ns::Obo, b"hasNarrowSynonym") => Prop::Narrow,
        (Ns::Obo, b"hasBroadSynonym") => Prop::Broad,
        (Ns::Obo, b"hasRelatedSynonym") => Prop::Related,
        (Ns::Owl, b"deprecated") => Prop::Deprecated,
        (Ns::Owl, b"versionInfo") => Prop::VersionInfo,
        (Ns::Doap, b"Version") => Prop::DoapVersion,
        _ => Prop::Other,
    }
}

#[derive(Default)]
struct ClassAcc {
    about: String,
    label: Option<String>,
    definition: Option<String>,
    comment: Option<String>,
    synonyms: [Vec<String>; 4],
    parents: Vec<String>,
    deprecated: bool,
}

#[derive(Default)]
struct OntologyAcc {
    doap: Option<String>,
    version_info: Option<String>,
    comment: Option<String>,
}

enum Container {
    None,
    Class(Box<ClassAcc>),
    Ontology(OntologyAcc),
}

fn xml_err(reader: &NsReader<&[u8]>, e: impl std::fmt::Display) -> OwlError {
    OwlError::Xml {
        position: reader.buffer_position(),
        message: e.to_string(),
    }
}

/// An attribute value by namespace + local name (e.g. `rdf:about`), unescaped.
fn attr(
    reader: &NsReader<&[u8]>,
    e: &BytesStart,
    ns: &[u8],
    local: &[u8],
) -> Result<Option<String>, OwlError> {
    for a in e.attributes() {
        let a = a.map_err(|err| xml_err(reader, err))?;
        let (res, name) = reader.resolve_attribute(a.key);
        if name.as_ref() == local && matches!(res, ResolveResult::Bound(Namespace(n)) if n == ns) {
            let v = a.unescape_value().map_err(|err| xml_err(reader, err))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

fn absolute(uri: String) -> String {
    if uri.starts_with("http://") || uri.starts_with("https://") || uri.is_empty() {
        uri
    } else {
        format!("{}{}", super::model::EDAM_BASE, uri.trim_start_matches('#'))
    }
}

/// Parser state between events.
struct State {
    release: Release,
    /// uri → index in `release.terms`: a later duplicate of a URI replaces the earlier one.
    seen: HashMap<String, usize>,
    ontology_about: String,
    depth: usize,
    saw_root: bool,
    container: Container,
    /// The property (child of a class) whose text is being collected.
    current: Option<(Prop, String)>,
}

/// Parses an EDAM release. Only direct children of the root are read: `owl:Ontology` for the version,
/// `owl:Class` for the terms.
pub fn parse(input: &[u8]) -> Result<Release, OwlError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(OwlError::TooLarge(input.len()));
    }
    let mut reader = NsReader::from_reader(input);
    reader.config_mut().check_end_names = true;
    let mut st = State {
        release: Release::default(),
        seen: HashMap::new(),
        ontology_about: String::new(),
        depth: 0,
        saw_root: false,
        container: Container::None,
        current: None,
    };

    loop {
        let position = reader.buffer_position();
        let (res, event) = match reader.read_resolved_event() {
            Ok(x) => x,
            Err(e) => {
                return Err(OwlError::Xml {
                    position,
                    message: e.to_string(),
                });
            }
        };
        let ns = ns_of(&res);
        match event {
            Event::DocType(_) => return Err(OwlError::Dtd),
            Event::Start(e) => open(&reader, &mut st, ns, &e, false)?,
            Event::Empty(e) => open(&reader, &mut st, ns, &e, true)?,
            Event::End(_) => {
                st.depth = st.depth.saturating_sub(1);
                finish_element(&mut st);
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| xml_err(&reader, e))?;
                collect(&mut st, &text);
            }
            Event::CData(t) => {
                let text = t.decode().map_err(|e| xml_err(&reader, e))?;
                collect(&mut st, &text);
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().map_err(|e| xml_err(&reader, e))?
                } else {
                    let name = r.decode().map_err(|e| xml_err(&reader, e))?;
                    match name.as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        other => return Err(OwlError::Entity(other.to_string())),
                    }
                };
                if let Some(c) = resolved {
                    collect(&mut st, c.encode_utf8(&mut [0u8; 4]));
                }
            }
            Event::Eof => {
                if st.depth != 0 || !st.saw_root {
                    return Err(OwlError::Truncated);
                }
                break;
            }
            _ => {}
        }
    }
    let mut release = st.release;
    if release.version.is_empty() {
        release.version = version_from_about(&st.ontology_about);
    }
    if release.terms.is_empty() {
        return Err(OwlError::Empty);
    }
    Ok(release)
}

fn collect(st: &mut State, text: &str) {
    if st.depth == 3
        && let Some((_, buf)) = &mut st.current
    {
        buf.push_str(text);
    }
}

/// An opening (or self-closing) tag at the current depth.
fn open(
    reader: &NsReader<&[u8]>,
    st: &mut State,
    ns: Ns,
    e: &BytesStart,
    empty: bool,
) -> Result<(), OwlError> {
    let local = e.local_name();
    let local = local.as_ref();
    match st.depth {
        0 => {
            if !(ns == Ns::Rdf && local == b"RDF") {
                return Err(OwlError::NotRdf);
            }
            st.saw_root = true;
        }
        1 => {
            let about = attr(reader, e, RDF, b"about")?
                .map(absolute)
                .unwrap_or_default();
            st.container = match (ns, local) {
                (Ns::Owl, b"Class") => Container::Class(Box::new(ClassAcc {
                    about,
                    ..Default::default()
                })),
                (Ns::Owl, b"Ontology") => {
                    st.ontology_about = about;
                    Container::Ontology(OntologyAcc::default())
                }
                _ => Container::None,
            };
        }
        2 => {
            let prop = prop_of(ns, local);
            if prop == Prop::SubClassOf
                && let Container::Class(c) = &mut st.container
                && let Some(r) = attr(reader, e, RDF, b"resource")?
            {
                c.parents.push(absolute(r));
            }
            st.current = Some((prop, String::new()));
        }
        _ => {}
    }
    if empty {
        finish_element(st);
    } else {
        st.depth += 1;
    }
    Ok(())
}

/// Called when the element at `depth` (after the decrement for an end tag) closes.
fn finish_element(st: &mut State) {
    let container = &mut st.container;
    match st.depth {
        2 => {
            let Some((prop, text)) = st.current.take() else {
                return;
            };
            let text = text.trim().to_string();
            match container {
                Container::Class(c) => match prop {
                    Prop::Label if c.label.is_none() => c.label = Some(text),
                    Prop::Definition if c.definition.is_none() && !text.is_empty() => {
                        c.definition = Some(text)
                    }
                    Prop::Comment if c.comment.is_none() && !text.is_empty() => {
                        c.comment = Some(text)
                    }
                    Prop::Exact => c.synonyms[0].push(text),
                    Prop::Narrow => c.synonyms[1].push(text),
                    Prop::Broad => c.synonyms[2].push(text),
                    Prop::Related => c.synonyms[3].push(text),
                    Prop::Deprecated => {
                        c.deprecated = matches!(text.to_lowercase().as_str(), "true" | "1")
                    }
                    _ => {}
                },
                Container::Ontology(o) => match prop {
                    Prop::DoapVersion if o.doap.is_none() && !text.is_empty() => {
                        o.doap = Some(text)
                    }
                    Prop::VersionInfo if o.version_info.is_none() && !text.is_empty() => {
                        o.version_info = Some(text)
                    }
                    Prop::Comment if o.comment.is_none() && !text.is_empty() => {
                        o.comment = Some(text)
                    }
                    _ => {}
                },
                Container::None => {}
            }
        }
        1 => match std::mem::replace(container, Container::None) {
            Container::Class(c) => {
                let synonyms = c.synonyms.concat();
                let definition = c.definition.or(c.comment).unwrap_or_default();
                if let Some(term) = build_term(
                    &c.about,
                    c.label.as_deref().unwrap_or_default(),
                    &definition,
                    synonyms,
                    &c.parents,
                    c.deprecated,
                ) {
                    match st.seen.get(&term.uri) {
                        Some(&i) => st.release.terms[i] = term,
                        None => {
                            st.seen.insert(term.uri.clone(), st.release.terms.len());
                            st.release.terms.push(term);
                        }
                    }
                }
            }
            Container::Ontology(o) => {
                st.release.version = o.doap.or(o.version_info).or(o.comment).unwrap_or_default();
                st.release.version.truncate(20);
            }
            Container::None => {}
        },
        _ => {}
    }
}

/// `http://edamontology.org/EDAM_1.25.owl` → `1.25`.
fn version_from_about(about: &str) -> String {
    super::version_in(about)
}
