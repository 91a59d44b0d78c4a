//! EDAM over HTTP: the pickers' ranked search and the public API, on the seeded database.

use crate::support::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode};

#[tokio::test]
async fn prote_finds_proteomics_first() {
    let app = TestApp::new().await;
    let r = app.get("/edam/search/?branch=topic&q=prote").await;
    assert_eq!(r.status, StatusCode::OK);
    let hits = r.json();
    let hits = hits.as_array().expect("list");
    assert_eq!(hits[0]["label"], "Proteomics", "{hits:?}");
    assert_eq!(hits[0]["accession"], "topic_0121");
    assert_eq!(hits[0]["parent_label"], "Omics");
    assert!(
        hits[0]["definition"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Protein and peptide")
    );
    assert!(hits.iter().all(|h| h["branch"] == "topic"));
    // Label prefixes rank before words inside labels, which rank before synonym-only matches.
    let first_synonym = hits.iter().position(|h| h.get("matched_synonym").is_some());
    let last_label = hits
        .iter()
        .rposition(|h| h.get("matched_synonym").is_none());
    if let (Some(s), Some(l)) = (first_synonym, last_label) {
        assert!(l < s, "synonym matches come last");
    }
}

#[tokio::test]
async fn synonym_only_matches_say_which_synonym() {
    let app = TestApp::new().await;
    // "Metaproteomics" is a synonym of Proteomics, not a label.
    let hits = app
        .get("/edam/search/?branch=topic&q=metaproteomics")
        .await
        .json();
    let hit = hits
        .as_array()
        .and_then(|h| h.iter().find(|x| x["accession"] == "topic_0121"))
        .expect("found through its synonym");
    assert_eq!(hit["matched_synonym"], "Metaproteomics");
}

#[tokio::test]
async fn search_is_case_and_accent_insensitive_and_excludes_obsolete() {
    let app = TestApp::new().await;
    let a = app
        .get("/edam/search/?branch=topic&q=PROTÉOMICS")
        .await
        .json();
    assert_eq!(a[0]["accession"], "topic_0121");
    let all = app.get("/edam/search/?q=a&limit=100").await.json();
    assert_eq!(all.as_array().map(Vec::len), Some(100));
    let limited = app
        .get("/edam/search/?branch=operation&q=align&limit=3")
        .await
        .json();
    assert_eq!(limited.as_array().map(Vec::len), Some(3));
    assert!(
        app.get("/edam/search/?branch=topic&q=")
            .await
            .json()
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    // Obsolete terms never appear: every hit is in the non-obsolete index.
    let index = app.state.edam.get();
    let ids: Vec<String> = index.list(None).map(|t| t.accession.clone()).collect();
    for h in all.as_array().into_iter().flatten() {
        assert!(ids.iter().any(|i| h["accession"] == i.as_str()));
    }
}

#[tokio::test]
async fn bad_branch_is_a_clear_json_error() {
    let app = TestApp::new().await;
    let r = app
        .send(
            Request::get("/edam/search/?branch=topics&q=x")
                .header("accept", "application/json")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Unknown branch 'topics'")
    );
    let api = app.get("/api/v1/edam/?branch=nope").await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    assert!(api.json()["request_id"].is_string());
    // The API takes exactly the values its OpenAPI enum lists: a blank branch is not "all branches".
    for blank in ["", "%20topic"] {
        let r = app.get(&format!("/api/v1/edam/?branch={blank}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "branch={blank}");
    }
}

#[tokio::test]
async fn public_list_filters_ranks_and_ignores_authorization() {
    let app = TestApp::new().await;
    let topics = app.get("/api/v1/edam/?branch=topic").await.json();
    let topics = topics.as_array().expect("list");
    assert_eq!(topics.len(), 260, "non-obsolete topics of EDAM 1.25");
    assert!(topics.iter().all(|t| t["branch"] == "topic"));
    let first = &topics[0];
    for key in ["uri", "accession", "branch", "label", "url"] {
        assert!(first.get(key).is_some(), "{key} missing");
    }
    let ranked = app.get("/api/v1/edam/?branch=topic&q=prote").await.json();
    assert_eq!(ranked[0]["label"], "Proteomics");
    let with_key = app
        .send(
            Request::get("/api/v1/edam/?branch=topic&q=prote")
                .header("authorization", "AdminKey definitely-not-a-key")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(
        with_key.status,
        StatusCode::OK,
        "Authorization is ignored on public endpoints"
    );
    assert_eq!(with_key.json(), ranked);
}

#[tokio::test]
async fn detail_by_accession_or_id_with_parent() {
    let app = TestApp::new().await;
    let r = app.get("/api/v1/edam/topic_0121/").await;
    assert_eq!(r.status, StatusCode::OK);
    let d = r.json();
    assert_eq!(d["label"], "Proteomics");
    assert_eq!(d["parent"]["accession"], "topic_3391");
    assert_eq!(d["parent"]["label"], "Omics");
    assert_eq!(d["is_obsolete"], false);
    assert_eq!(d["edam_version"], "1.25");
    assert!(
        d["synonyms"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x == "Metaproteomics"))
    );
    // Obsolete terms are still retrievable by accession.
    let obsolete = app.get("/api/v1/edam/topic_0083/").await;
    assert_eq!(obsolete.status, StatusCode::OK);
    assert_eq!(obsolete.json()["is_obsolete"], true);
    let missing = app.get("/api/v1/edam/topic_9999999/").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["code"], "not_found");
    let doc = app.get("/api/schema/?format=json").await.json();
    assert!(doc["paths"]["/api/v1/edam/"].is_object());
    assert!(doc["paths"]["/api/v1/edam/{accession}/"].is_object());
}

#[tokio::test]
async fn about_page_carries_the_edam_attribution() {
    let app = TestApp::new().await;
    let html = app.get("/about/").await.text();
    assert!(html.contains("CC BY-SA 4.0") && html.contains("EDAM"));
    assert!(html.contains("release 1.25"));
    assert!(app.get("/").await.text().contains("href=\"/about/\""));
}
