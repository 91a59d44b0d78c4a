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

#[tokio::test]
async fn openapi_document_is_as_strict_as_the_server() {
    let app = TestApp::new().await;
    let doc = app.get("/api/schema/?format=json").await.json();
    let schemas = &doc["components"]["schemas"];
    let create = &schemas["SubmissionCreate"];
    let required: Vec<&str> = create["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for f in [
        "service_name",
        "service_category_ids",
        "responsible_pi_ids",
        "service_center_id",
        "internal_contact_email",
        "data_protection_consent",
    ] {
        assert!(required.contains(&f), "{f} not required: {required:?}");
    }
    assert!(!required.contains(&"comments"));
    for f in ["internal_contact_name", "internal_contact_email"] {
        assert_eq!(create["properties"][f]["writeOnly"], true, "{f}");
    }
    assert_eq!(
        create["properties"]["internal_contact_email"]["format"],
        "email"
    );
    assert_eq!(create["properties"]["service_name"]["minLength"], 3);
    assert_eq!(create["additionalProperties"], false);
    assert_eq!(
        schemas["SubmissionCreateForm"]["properties"]["logo"]["format"],
        "binary"
    );
    assert!(schemas["SubmissionPatch"]["required"].is_null());
    let post = &doc["paths"]["/api/v1/submissions/"]["post"];
    for ct in ["application/json", "multipart/form-data"] {
        assert!(post["requestBody"]["content"][ct].is_object(), "{ct}");
    }
    for status in ["400", "413", "415", "429"] {
        assert!(post["responses"][status].is_object(), "{status}");
    }
    assert!(post["responses"]["429"]["headers"]["Retry-After"].is_object());
    // List parameters are typed; page_size's maximum is the configured one. The reference lists are
    // plain arrays: no page parameters there.
    let param_of = |path: &str, name: &str| {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        param_of("/api/v1/categories/", "is_active")["schema"]["type"],
        "boolean"
    );
    assert!(param_of("/api/v1/categories/", "page").is_null());
    let param = |name: &str| param_of("/api/v1/submissions/", name);
    assert_eq!(param("page")["schema"]["oneOf"][0]["minimum"], 1);
    assert_eq!(param("page_size")["schema"]["minimum"], 1);
    // Larger page sizes are capped (not refused), so the schema has no maximum; the description names it.
    assert!(param("page_size")["schema"]["maximum"].is_null());
    assert!(
        param("page_size")["description"]
            .as_str()
            .unwrap_or_default()
            .contains(&app.state.config.api_max_page_size.to_string())
    );
}
