//! The OpenAPI document is compared with a committed snapshot so it cannot drift silently. After an
//! intended API change: `UPDATE_SNAPSHOTS=1 cargo test openapi_document`, review the diff, commit.

use crate::support::{TestApp, repo_path};

#[tokio::test]
async fn openapi_document_matches_the_snapshot() {
    let app = TestApp::new().await;
    let doc = app.get("/api/schema/?format=json").await.json();
    let current = format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).expect("serialise")
    );
    let path = repo_path("tests/snapshots/openapi.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &current).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run UPDATE_SNAPSHOTS=1 cargo test openapi_document",
            path.display()
        )
    });
    assert!(
        current == expected,
        "the OpenAPI document differs from tests/snapshots/openapi.json; if the change is intended run \
         UPDATE_SNAPSHOTS=1 cargo test openapi_document and commit the new snapshot"
    );
    // Every operation is documented with at least one response and a tag.
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path}"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{method} {path}"
            );
        }
    }
}
