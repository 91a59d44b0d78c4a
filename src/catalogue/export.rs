//! A service for machines: Bioschemas `ComputationalTool` JSON-LD (embedded in its page), the bio.tools
//! tool format (`/catalogue/<id>.json`) and citation files (CFF, BibTeX, RIS).

use serde_json::{Value, json};

use super::view::ServiceView;
use crate::biotools::entity::{biotools_function, biotools_record};

pub const BIOSCHEMAS_PROFILE: &str =
    "https://bioschemas.org/profiles/ComputationalTool/1.0-RELEASE";

/// The bio.tools record and functions of a service, when it has been synced.
pub struct Synced {
    pub record: biotools_record::Model,
    pub functions: Vec<biotools_function::Model>,
}

fn version(synced: Option<&Synced>) -> Option<String> {
    synced
        .map(|s| s.record.version.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The service's own web address, or its catalogue page.
fn home(s: &ServiceView, page_url: &str) -> String {
    if s.website_url.is_empty() {
        page_url.to_string()
    } else {
        s.website_url.clone()
    }
}

/// Bioschemas `ComputationalTool` (schema.org `SoftwareApplication`), `page_url` absolute.
pub fn json_ld(s: &ServiceView, page_url: &str, synced: Option<&Synced>) -> Value {
    let defined = |t: &super::view::Term| {
        json!({"@type": "DefinedTerm", "@id": t.uri, "name": t.label, "termCode": t.accession,
               "inDefinedTermSet": "http://edamontology.org"})
    };
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "SoftwareApplication",
        "@id": page_url,
        "http://purl.org/dc/terms/conformsTo": {"@id": BIOSCHEMAS_PROFILE, "@type": "CreativeWork"},
        "name": s.name,
        "description": s.description,
        "url": home(s, page_url),
        "applicationCategory": s.topics.iter().map(defined).collect::<Vec<_>>(),
        "featureList": s.operations.iter().map(defined).collect::<Vec<_>>(),
        "license": s.licenses.iter().map(|l| l.url.clone()).collect::<Vec<_>>(),
        "citation": s.publications.iter().map(|p| p.url.clone()).collect::<Vec<_>>(),
        "keywords": s.keywords.join(", "),
        "dateModified": s.updated_at.to_rfc3339(),
        "author": s.people().map(|p| {
            let mut person = json!({"@type": "Person", "givenName": p.first_name, "familyName": p.last_name,
                "name": format!("{} {}", p.first_name, p.last_name)});
            if let Some(u) = &p.orcid_url { person["@id"] = json!(u); }
            person
        }).collect::<Vec<_>>(),
    });
    if let Some(c) = &s.center {
        let mut org =
            json!({"@type": "Organization", "name": c.full_name, "alternateName": c.short_name});
        if !c.website.is_empty() {
            org["url"] = json!(c.website);
        }
        doc["provider"] = json!([org]);
    }
    if let Some(v) = version(synced) {
        doc["softwareVersion"] = json!(v);
    }
    if !s.github_url.is_empty() {
        doc["codeRepository"] = json!(s.github_url);
    }
    if !s.biotools_url.is_empty() {
        doc["sameAs"] = json!([s.biotools_url]);
    }
    doc
}

/// The JSON-LD as the text of a `<script type="application/ld+json">`: `<`, `>` and `&` escaped so no
/// value can close the element.
pub fn json_ld_script_text(v: &Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The tool in bio.tools' format (biotoolsSchema): the synced functions when there are any, else one
/// function of the service's EDAM operations.
pub fn biotools_json(s: &ServiceView, page_url: &str, synced: Option<&Synced>) -> Value {
    let term = |t: &super::view::Term| json!({"uri": t.uri, "term": t.label});
    let functions: Vec<Value> = match synced.filter(|x| !x.functions.is_empty()) {
        Some(x) => x
            .functions
            .iter()
            .map(|f| {
                let io = |v: &Value| -> Vec<Value> {
                    v.as_array()
                        .into_iter()
                        .flatten()
                        .map(|e| {
                            json!({"data": e.get("data").cloned().unwrap_or(Value::Null),
                                        "format": e.get("formats").cloned().unwrap_or(json!([]))})
                        })
                        .collect()
                };
                json!({"operation": f.operations, "input": io(&f.inputs), "output": io(&f.outputs),
                       "note": f.note, "cmd": f.cmd})
            })
            .collect(),
        None if !s.operations.is_empty() => vec![json!({
            "operation": s.operations.iter().map(term).collect::<Vec<_>>(),
            "input": [], "output": []
        })],
        None => Vec::new(),
    };
    let mut links = Vec::new();
    if !s.github_url.is_empty() {
        links.push(json!({"url": s.github_url, "type": ["Repository"]}));
    }
    if !s.fairsharing_url.is_empty() {
        links.push(json!({"url": s.fairsharing_url, "type": ["Registry"]}));
    }
    if !s.other_registry_url.is_empty() {
        links.push(json!({"url": s.other_registry_url, "type": ["Registry"]}));
    }
    links.push(json!({"url": page_url, "type": ["Registry"]}));
    let mut credit: Vec<Value> = s
        .people()
        .map(|p| {
            let mut c = json!({"name": format!("{} {}", p.first_name, p.last_name),
                               "typeEntity": "Person", "typeRole": ["Primary contact"]});
            if let Some(o) = &p.orcid {
                c["orcidid"] = json!(format!("https://orcid.org/{o}"));
            }
            c
        })
        .collect();
    if let Some(c) = &s.center {
        credit.push(
            json!({"name": c.full_name, "typeEntity": "Institute", "typeRole": ["Provider"],
                           "url": c.website}),
        );
    }
    let mut tool = json!({
        "name": s.name,
        "description": s.description,
        "homepage": home(s, page_url),
        "version": version(synced).map(|v| v.split(", ").map(str::to_string).collect::<Vec<_>>()).unwrap_or_default(),
        "topic": s.topics.iter().map(term).collect::<Vec<_>>(),
        "function": functions,
        "license": s.licenses.first().map(|l| l.spdx_id.clone()),
        "link": links,
        "publication": s.publications.iter().map(|p| json!({p.kind.as_str(): p.id})).collect::<Vec<_>>(),
        "credit": credit,
        "maturity": s.maturity_label,
        "elixirNode": if s.register_as_elixir { json!(["Germany"]) } else { json!([]) },
    });
    if let Some(x) = synced {
        tool["biotoolsID"] = json!(x.record.biotools_id);
        tool["biotoolsCURIE"] = json!(format!("biotools:{}", x.record.biotools_id));
        tool["toolType"] = x.record.tool_type.clone();
    }
    tool
}

/// One line of a text field (RIS and BibTeX fields are single lines).
fn line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Citation File Format 1.2.0 (YAML; serialised, so every value is quoted as YAML needs).
pub fn cff(s: &ServiceView, page_url: &str, synced: Option<&Synced>) -> String {
    let mut authors: Vec<Value> = s
        .people()
        .map(|p| {
            let mut a = json!({"family-names": p.last_name, "given-names": p.first_name});
            if let Some(u) = &p.orcid_url {
                a["orcid"] = json!(u);
            }
            a
        })
        .collect();
    if authors.is_empty() {
        let name = s
            .center
            .as_ref()
            .map_or_else(|| s.name.clone(), |c| c.full_name.clone());
        authors.push(json!({"name": name}));
    }
    let mut doc = json!({
        "cff-version": "1.2.0",
        "message": "If you use this software, please cite it using the metadata from this file.",
        "type": "software",
        "title": s.name,
        "authors": authors,
        "url": home(s, page_url),
    });
    if !s.description.trim().is_empty() {
        doc["abstract"] = json!(s.description);
    }
    if let Some(v) = version(synced) {
        doc["version"] = json!(v);
    }
    if s.github_url.starts_with("https://") {
        doc["repository-code"] = json!(s.github_url);
    }
    if !s.keywords.is_empty() {
        doc["keywords"] = json!(s.keywords);
    }
    if !s.licenses.is_empty() {
        doc["license"] = json!(
            s.licenses
                .iter()
                .map(|l| l.spdx_id.clone())
                .collect::<Vec<_>>()
        );
    }
    let ids: Vec<Value> = s
        .publications
        .iter()
        .map(|p| {
            if p.kind == "doi" {
                json!({"type": "doi", "value": p.id})
            } else {
                json!({"type": "url", "value": p.url, "description": format!("PubMed {}", p.id)})
            }
        })
        .collect();
    if !ids.is_empty() {
        doc["identifiers"] = json!(ids);
    }
    serde_yaml::to_string(&doc).unwrap_or_default()
}

/// A BibTeX value with the characters that are special to BibTeX/LaTeX escaped.
fn bib(s: &str) -> String {
    let mut out = String::new();
    for c in line(s).chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            c => out.push(c),
        }
    }
    out
}

/// A BibTeX `@software` entry.
pub fn bibtex(s: &ServiceView, page_url: &str, synced: Option<&Synced>) -> String {
    let key: String = s
        .name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(30)
        .collect();
    let key = if key.is_empty() {
        "service".into()
    } else {
        key
    };
    let mut fields: Vec<(&str, String)> = vec![("title", bib(&s.name))];
    let authors: Vec<String> = s
        .people()
        .map(|p| format!("{}, {}", bib(&p.last_name), bib(&p.first_name)))
        .collect();
    if authors.is_empty() {
        if let Some(c) = &s.center {
            fields.push(("author", format!("{{{}}}", bib(&c.full_name))));
        }
    } else {
        fields.push(("author", authors.join(" and ")));
    }
    fields.push(("year", s.year_established.to_string()));
    fields.push(("url", bib(&home(s, page_url))));
    if let Some(v) = version(synced) {
        fields.push(("version", bib(&v)));
    }
    if let Some(d) = s.publications.iter().find(|p| p.kind == "doi") {
        fields.push(("doi", bib(&d.id)));
    }
    let pmids: Vec<&str> = s
        .publications
        .iter()
        .filter(|p| p.kind == "pmid")
        .map(|p| p.id.as_str())
        .collect();
    if !pmids.is_empty() {
        fields.push(("note", format!("PMID: {}", pmids.join(", "))));
    }
    if let Some(c) = &s.center {
        fields.push(("publisher", bib(&c.full_name)));
    }
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("  {k} = {{{v}}}"))
        .collect();
    format!(
        "@software{{{key}{},\n{}\n}}\n",
        s.year_established,
        body.join(",\n")
    )
}

/// An RIS record of type `COMP` (computer program).
pub fn ris(s: &ServiceView, page_url: &str, synced: Option<&Synced>) -> String {
    let mut out: Vec<String> = vec!["TY  - COMP".into(), format!("TI  - {}", line(&s.name))];
    for p in s.people() {
        out.push(format!(
            "AU  - {}, {}",
            line(&p.last_name),
            line(&p.first_name)
        ));
    }
    out.push(format!("PY  - {}", s.year_established));
    out.push(format!("UR  - {}", line(&home(s, page_url))));
    if let Some(v) = version(synced) {
        out.push(format!("ET  - {}", line(&v)));
    }
    for p in &s.publications {
        match p.kind.as_str() {
            "doi" => out.push(format!("DO  - {}", line(&p.id))),
            _ => out.push(format!("AN  - PMID:{}", p.id)),
        }
    }
    if let Some(c) = &s.center {
        out.push(format!("PB  - {}", line(&c.full_name)));
    }
    for k in &s.keywords {
        out.push(format!("KW  - {}", line(k)));
    }
    if !s.description.trim().is_empty() {
        out.push(format!("AB  - {}", line(&s.description)));
    }
    out.push("ER  - ".into());
    out.join("\r\n") + "\r\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_text_cannot_close_its_script_element() {
        let v = json!({"name": "</script><script>alert(1)</script> & <!--"});
        let text = json_ld_script_text(&v);
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        let back: Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, v);
    }

    #[test]
    fn bibtex_values_are_escaped() {
        assert_eq!(
            bib("50% {x} a_b\\c\n d"),
            "50\\% \\{x\\} a\\_b\\textbackslash{}c d"
        );
    }
}
