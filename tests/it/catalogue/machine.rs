//! A service for machines: its page and JSON-LD, the bio.tools JSON, citation files parsed back, the
//! Atom feed and the sitemap as XML, and the API's view — never an unapproved service or internal field.

use super::fixtures::{Catalogue, HIDDEN};
use axum::http::StatusCode;
use chrono::{TimeZone, Utc};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use service_registry::biotools::entity::{biotools_function, biotools_record};
use std::collections::BTreeMap;

const INTERNAL: [&str; 3] = ["internal-secret@example.org", "Grace Hopper", "203.0.113.9"];

fn json_ld_of(html: &str) -> Value {
    let start = html
        .find("<script type=\"application/ld+json\">")
        .expect("JSON-LD script")
        + "<script type=\"application/ld+json\">".len();
    let end = start + html[start..].find("</script>").expect("end of script");
    serde_json::from_str(&html[start..end]).expect("JSON-LD is JSON")
}

const KEYWORDS: [&str; 14] = [
    "@context",
    "@id",
    "@type",
    "@value",
    "@language",
    "@list",
    "@set",
    "@reverse",
    "@index",
    "@base",
    "@vocab",
    "@graph",
    "@nest",
    "@direction",
];

/// JSON-LD well-formedness: only known keywords, `@id`s absolute IRIs, `@type`s strings, and keys
/// that are terms of the context or absolute IRIs.
fn check_json_ld(v: &Value, path: &str) {
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                if k.starts_with('@') {
                    assert!(
                        KEYWORDS.contains(&k.as_str()),
                        "{path}: unknown keyword {k}"
                    );
                } else if k.contains(':') {
                    assert!(
                        k.starts_with("http://") || k.starts_with("https://"),
                        "{path}: {k}"
                    );
                }
                if k == "@id" {
                    let s = val.as_str().expect("@id string");
                    assert!(url::Url::parse(s).is_ok(), "{path}: @id {s} not absolute");
                }
                if k == "@type" {
                    assert!(val.is_string(), "{path}: @type");
                }
                check_json_ld(val, &format!("{path}.{k}"));
            }
        }
        Value::Array(a) => a.iter().for_each(|x| check_json_ld(x, path)),
        _ => {}
    }
}

async fn sync_biotools(c: &Catalogue) {
    let db = &c.app.state.db;
    let t = Utc
        .with_ymd_and_hms(2025, 6, 2, 0, 0, 0)
        .single()
        .expect("t");
    let rec = biotools_record::ActiveModel {
        submission_id: Set(c.metaprofi),
        biotools_id: Set("metaprofi".into()),
        name: Set("MetaProFi".into()),
        description: Set(String::new()),
        homepage: Set(String::new()),
        version: Set("1.2.0".into()),
        license: Set("MIT".into()),
        maturity: Set(String::new()),
        cost: Set(String::new()),
        tool_type: Set(json!(["Web application"])),
        operating_system: Set(json!([])),
        publications: Set(json!([])),
        documentation: Set(json!([])),
        download: Set(json!([])),
        links: Set(json!([])),
        edam_topic_uris: Set(json!([])),
        raw_json: Set(json!({})),
        last_synced_at: Set(Some(t)),
        sync_error: Set(String::new()),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("record");
    biotools_function::ActiveModel {
        record_id: Set(rec.id),
        position: Set(0),
        operations: Set(json!([{"uri": "http://edamontology.org/operation_0361", "term": "Sequence annotation"}])),
        inputs: Set(json!([{"data": {"uri": "http://edamontology.org/data_2044", "term": "Sequence"},
                            "formats": [{"uri": "http://edamontology.org/format_1929", "term": "FASTA"}]}])),
        outputs: Set(json!([])),
        cmd: Set(String::new()),
        note: Set("Annotates proteins".into()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("function");
}

#[tokio::test]
async fn the_service_page_shows_everything_public_and_valid_json_ld() {
    let c = Catalogue::new().await;
    sync_biotools(&c).await;
    let r = c.app.get(&format!("/catalogue/{}/", c.metaprofi)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = super::fixtures::html(&r);
    for want in [
        "Metagenomic protein function annotation at scale. It is maintained",
        "href=\"http://edamontology.org/topic_0121\"",
        "href=\"https://orcid.org/0000-0002-1825-0097\"",
        "href=\"https://doi.org/10.1093/nar/gkab1000\"",
        "href=\"https://pubmed.ncbi.nlm.nih.gov/34848984/\"",
        "href=\"https://github.com/example/metaprofi\"",
        "Bielefeld-Gießen Center",
        "Sequence annotation",
        "FASTA",
        "Mature",
        "1.2.0",
        "/cite.cff",
    ] {
        assert!(html.contains(want), "missing {want}");
    }
    for secret in INTERNAL {
        assert!(!html.contains(secret), "{secret} leaked");
    }
    let ld = json_ld_of(&html);
    check_json_ld(&ld, "$");
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "SoftwareApplication");
    assert_eq!(
        ld["http://purl.org/dc/terms/conformsTo"]["@id"],
        "https://bioschemas.org/profiles/ComputationalTool/1.0-RELEASE"
    );
    // The profile's minimum properties, and those the catalogue promises.
    for key in ["name", "description", "url"] {
        assert!(ld[key].as_str().is_some_and(|s| !s.is_empty()), "{key}");
    }
    assert_eq!(
        ld["applicationCategory"][0]["@id"],
        "http://edamontology.org/topic_0121"
    );
    assert_eq!(ld["license"][0], "https://spdx.org/licenses/MIT.html");
    assert_eq!(ld["citation"][1], "https://doi.org/10.1093/nar/gkab1000");
    assert_eq!(ld["provider"][0]["name"], "Bielefeld-Gießen Center");
    assert_eq!(
        ld["author"][0]["@id"],
        "https://orcid.org/0000-0002-1825-0097"
    );
    assert_eq!(ld["softwareVersion"], "1.2.0");

    for id in [c.submitted, c.rejected] {
        assert_eq!(c.app.get(&format!("/catalogue/{id}/")).await.status, 404);
    }
    for bad in [
        "not-a-uuid/",
        "00000000-0000-0000-0000-000000000000/",
        "x.json",
    ] {
        assert_eq!(
            c.app.get(&format!("/catalogue/{bad}")).await.status,
            404,
            "{bad}"
        );
    }
    let r = c.app.get(&format!("/catalogue/{}", c.metaprofi)).await;
    assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.header("location"), format!("/catalogue/{}/", c.metaprofi));
}

#[tokio::test]
async fn the_biotools_json_has_the_tool_format() {
    let c = Catalogue::new().await;
    let plain = c
        .app
        .get(&format!("/catalogue/{}.json", c.portal))
        .await
        .json();
    assert_eq!(plain["name"], "Proteomics Portal");
    assert_eq!(plain["license"], "Apache-2.0");
    assert_eq!(
        plain["topic"][0]["uri"],
        "http://edamontology.org/topic_0121"
    );
    assert_eq!(plain["maturity"], "Emerging");
    assert!(plain.get("biotoolsID").is_none());
    sync_biotools(&c).await;
    let r = c.app.get(&format!("/catalogue/{}.json", c.metaprofi)).await;
    assert!(r.header("content-type").starts_with("application/json"));
    let j = r.json();
    assert_eq!(j["biotoolsID"], "metaprofi");
    assert_eq!(j["version"], json!(["1.2.0"]));
    assert_eq!(
        j["function"][0]["operation"][0]["term"],
        "Sequence annotation"
    );
    assert_eq!(j["function"][0]["input"][0]["format"][0]["term"], "FASTA");
    assert_eq!(
        j["publication"],
        json!([{"pmid": "34848984"}, {"doi": "10.1093/nar/gkab1000"}])
    );
    assert_eq!(
        j["credit"][0]["orcidid"],
        "https://orcid.org/0000-0002-1825-0097"
    );
    assert_eq!(j["elixirNode"], json!(["Germany"]));
    let text = r.text();
    for secret in INTERNAL {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    for id in [c.submitted, c.rejected] {
        assert_eq!(
            c.app.get(&format!("/catalogue/{id}.json")).await.status,
            404
        );
    }
}

/// A BibTeX parser for one entry: `@type{key, field = {value} | "value" | number, …}` with nested braces.
fn parse_bibtex(s: &str) -> (String, String, BTreeMap<String, String>) {
    let s = s.trim();
    assert!(s.starts_with('@'), "entry starts with @");
    let open = s.find('{').expect("{");
    let kind = s[1..open].trim().to_lowercase();
    let body = s[open + 1..].strip_suffix('}').expect("closing brace");
    let comma = body.find(',').expect("key,");
    let key = body[..comma].trim().to_string();
    assert!(
        !key.is_empty() && !key.contains(char::is_whitespace),
        "key {key}"
    );
    let chars: Vec<char> = body[comma + 1..].chars().collect();
    let mut fields = BTreeMap::new();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == ',') {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let start = i;
        while chars[i] != '=' {
            i += 1;
        }
        let name: String = chars[start..i]
            .iter()
            .collect::<String>()
            .trim()
            .to_lowercase();
        i += 1;
        while chars[i].is_whitespace() {
            i += 1;
        }
        let value = if chars[i] == '{' {
            let mut depth = 0;
            let vstart = i + 1;
            loop {
                match chars[i] {
                    '\\' => i += 1,
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            let v: String = chars[vstart..i].iter().collect();
            i += 1;
            v
        } else {
            let vstart = i;
            while i < chars.len() && chars[i] != ',' {
                i += 1;
            }
            chars[vstart..i]
                .iter()
                .collect::<String>()
                .trim()
                .to_string()
        };
        assert!(
            fields.insert(name.clone(), value).is_none(),
            "duplicate {name}"
        );
    }
    (kind, key, fields)
}

/// An RIS parser: `TAG  - value` lines, `TY` first and `ER` last.
fn parse_ris(s: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    let tags: Vec<(String, String)> = lines
        .iter()
        .map(|l| {
            assert!(l.len() >= 6 && &l[2..6] == "  - ", "RIS line {l:?}");
            let tag = &l[..2];
            assert!(
                tag.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
                "{tag}"
            );
            (tag.to_string(), l[6..].to_string())
        })
        .collect();
    assert_eq!(tags.first().map(|t| t.0.as_str()), Some("TY"));
    assert_eq!(tags.last().map(|t| t.0.as_str()), Some("ER"));
    tags
}

#[tokio::test]
async fn citation_files_parse() {
    let c = Catalogue::new().await;
    sync_biotools(&c).await;
    let base = format!("/catalogue/{}", c.metaprofi);

    let bib = c.app.get(&format!("{base}/cite.bib")).await;
    assert!(
        bib.header("content-type")
            .starts_with("application/x-bibtex")
    );
    let (kind, key, f) = parse_bibtex(&bib.text());
    assert_eq!(kind, "software");
    assert_eq!(key, "MetaProFi2020");
    assert_eq!(f["title"], "MetaProFi");
    assert_eq!(f["author"], "Carberry, Josiah");
    assert_eq!(f["doi"], "10.1093/nar/gkab1000");
    assert_eq!(f["version"], "1.2.0");
    assert_eq!(f["note"], "PMID: 34848984");

    let ris = parse_ris(&c.app.get(&format!("{base}/cite.ris")).await.text());
    let get = |t: &str| {
        ris.iter()
            .filter(|(k, _)| k == t)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(get("TY"), ["COMP"]);
    assert_eq!(get("TI"), ["MetaProFi"]);
    assert_eq!(get("AU"), ["Carberry, Josiah"]);
    assert_eq!(get("DO"), ["10.1093/nar/gkab1000"]);
    assert_eq!(get("ET"), ["1.2.0"]);

    let cff_text = c.app.get(&format!("{base}/cite.cff")).await.text();
    let cff: serde_yaml::Value = serde_yaml::from_str(&cff_text).expect("CFF is YAML");
    check_cff(&cff);
    assert_eq!(
        cff["authors"][0]["orcid"].as_str(),
        Some("https://orcid.org/0000-0002-1825-0097")
    );
    assert_eq!(
        cff["identifiers"][1]["value"].as_str(),
        Some("10.1093/nar/gkab1000")
    );
    assert_eq!(cff["version"].as_str(), Some("1.2.0"));
    cffconvert_validates(&cff_text, &c.app.db.dir);

    // A service without PIs' ORCIDs or publications still gives valid files.
    let plain = c
        .app
        .get(&format!("/catalogue/{}/cite.cff", c.portal))
        .await
        .text();
    check_cff(&serde_yaml::from_str(&plain).expect("yaml"));
    parse_bibtex(
        &c.app
            .get(&format!("/catalogue/{}/cite.bib", c.portal))
            .await
            .text(),
    );
    assert_eq!(c.app.get(&format!("{base}/cite.txt")).await.status, 404);
    assert_eq!(
        c.app
            .get(&format!("/catalogue/{}/cite.bib", c.rejected))
            .await
            .status,
        404
    );
}

/// The CFF 1.2.0 schema's rules for what we write: required keys, `cff-version`, author shapes,
/// ORCID and DOI patterns, identifier types.
fn check_cff(v: &serde_yaml::Value) {
    let s = |k: &str| v[k].as_str().map(str::to_string);
    assert_eq!(s("cff-version").as_deref(), Some("1.2.0"));
    assert!(s("message").is_some_and(|m| !m.is_empty()));
    assert!(s("title").is_some_and(|m| !m.is_empty()));
    assert_eq!(s("type").as_deref(), Some("software"));
    let authors = v["authors"].as_sequence().expect("authors");
    assert!(!authors.is_empty());
    let orcid =
        regex::Regex::new(r"^https://orcid\.org/[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$")
            .expect("re");
    for a in authors {
        let person = a["family-names"].as_str().is_some() || a["given-names"].as_str().is_some();
        assert!(person || a["name"].as_str().is_some(), "author {a:?}");
        if let Some(o) = a["orcid"].as_str() {
            assert!(orcid.is_match(o), "{o}");
        }
    }
    let doi =
        regex::Regex::new(r"^10\.\d{4,9}(\.\d+)?/[A-Za-z0-9:/_;\-\.\(\)\[\]\\]+$").expect("re");
    for id in v["identifiers"].as_sequence().into_iter().flatten() {
        let t = id["type"].as_str().expect("type");
        assert!(["doi", "url", "swh", "other"].contains(&t), "{t}");
        if t == "doi" {
            assert!(doi.is_match(id["value"].as_str().expect("value")));
        }
    }
    if let Some(u) = v["url"].as_str() {
        assert!(u.starts_with("https://") || u.starts_with("http://"));
    }
}

/// `cffconvert --validate` when it is installed (CFFCONVERT or on PATH); the schema check above always runs.
fn cffconvert_validates(text: &str, dir: &tempfile::TempDir) {
    let bin = std::env::var("CFFCONVERT").unwrap_or_else(|_| "cffconvert".into());
    let path = dir.path().join("CITATION.cff");
    std::fs::write(&path, text).expect("write");
    match std::process::Command::new(&bin)
        .arg("--validate")
        .arg("-i")
        .arg(&path)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "cffconvert: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!("SKIPPED: cffconvert not installed (the schema check ran)"),
    }
}

const ATOM: &str = "http://www.w3.org/2005/Atom";

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children().find(|c| c.has_tag_name((ATOM, name)))
}

#[tokio::test]
async fn the_atom_feed_and_the_sitemap_are_xml_of_approved_services() {
    let c = Catalogue::new().await;
    let r = c.app.get("/catalogue/feed.atom").await;
    assert!(r.header("content-type").starts_with("application/atom+xml"));
    let text = r.text();
    let doc = roxmltree::Document::parse(&text).expect("Atom is XML");
    let atom = "http://www.w3.org/2005/Atom";
    let root = doc.root_element();
    assert!(root.has_tag_name((atom, "feed")));
    for name in ["id", "title", "updated", "author"] {
        assert!(child(root, name).is_some(), "feed {name}");
    }
    assert!(
        child(root, "author")
            .and_then(|a| child(a, "name"))
            .is_some()
    );
    let entries: Vec<_> = root
        .children()
        .filter(|c| c.has_tag_name((atom, "entry")))
        .collect();
    let titles: Vec<&str> = entries
        .iter()
        .filter_map(|e| child(*e, "title").and_then(|t| t.text()))
        .collect();
    assert_eq!(
        titles,
        ["Proteomics Portal", "MetaProFi", "Galaxy Training"],
        "newest first"
    );
    for e in &entries {
        for name in ["id", "title", "updated", "link"] {
            assert!(child(*e, name).is_some(), "entry {name}");
        }
        let updated = child(*e, "updated")
            .and_then(|u| u.text())
            .unwrap_or_default();
        assert!(
            chrono::DateTime::parse_from_rfc3339(updated).is_ok(),
            "{updated}"
        );
    }

    let sm = c.app.get("/sitemap.xml").await.text();
    let doc = roxmltree::Document::parse(&sm).expect("sitemap is XML");
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name(("http://www.sitemaps.org/schemas/sitemap/0.9", "loc")))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(locs.len(), 4, "{locs:?}");
    for id in [c.metaprofi, c.portal, c.galaxy] {
        assert!(
            locs.iter()
                .any(|l| l.ends_with(&format!("/catalogue/{id}/")))
        );
    }
    for hidden in [c.submitted, c.rejected] {
        assert!(!sm.contains(&hidden.to_string()) && !text.contains(&hidden.to_string()));
    }
    for name in HIDDEN {
        assert!(!text.contains(name));
    }
}

#[tokio::test]
async fn the_api_lists_public_fields_only_without_a_key() {
    let c = Catalogue::new().await;
    let r = c.app.get("/api/v1/catalogue/?q=proteomics").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["count"], 3);
    assert_eq!(j["results"][0]["name"], "Proteomics Portal");
    assert_eq!(j["results"][0]["path"], format!("/catalogue/{}/", c.portal));
    let text = r.text();
    for secret in INTERNAL.iter().chain(HIDDEN.iter()) {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    for field in [
        "submission_ip",
        "user_agent_hash",
        "internal_contact",
        "submitter_",
    ] {
        assert!(!text.contains(field), "{field} in the API");
    }
    // A key is not needed, and a bad one changes nothing.
    let with_key = c
        .app
        .send(
            axum::http::Request::get("/api/v1/catalogue/")
                .header("authorization", "ApiKey nonsense")
                .body(axum::body::Body::empty())
                .expect("r"),
        )
        .await;
    assert_eq!(with_key.status, 200);
    for bad in [
        "?center=nope",
        "?topic=../etc",
        "?elixir=maybe",
        "?page_size=0",
        "?view=tiles",
    ] {
        let r = c.app.get(&format!("/api/v1/catalogue/{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text());
        assert!(r.json()["error"]["message"].as_str().is_some(), "envelope");
    }
}
