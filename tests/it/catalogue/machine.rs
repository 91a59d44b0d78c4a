//! A service for machines: its page and JSON-LD, the bio.tools JSON, citation files parsed back, the
//! Atom feed and the sitemap as XML, and the API's view — never an unapproved service or internal field.

use super::fixtures::{Catalogue, HIDDEN, sync_biotools};
use axum::http::StatusCode;
use serde_json::{Value, json};

pub(super) const INTERNAL: [&str; 3] =
    ["internal-secret@example.org", "Grace Hopper", "203.0.113.9"];

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
