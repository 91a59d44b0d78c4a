//! Citation files of a service parsed back: BibTeX and RIS by parsers of our own, CFF by the 1.2.0
//! schema's rules (and `cffconvert --validate` when installed).

use super::fixtures::{Catalogue, sync_biotools};
use std::collections::BTreeMap;

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
