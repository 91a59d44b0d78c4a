//! SPDX licences: offline seed, sync from licenses.json (deprecation sweep and reinstatement), dry run,
//! and bad payloads that change nothing.

use crate::support::{TestApp, run_bin};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use service_registry::licenses::entity::spdx_license;
use service_registry::licenses::service::sync_from_source;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn list(version: &str, ids: &[(&str, bool)]) -> String {
    let licenses: Vec<serde_json::Value> = ids
        .iter()
        .map(|(id, osi)| {
            serde_json::json!({"licenseId": id, "name": format!("{id} licence"), "reference": format!("https://spdx.org/licenses/{id}.html"),
                               "seeAlso": ["https://example.org"], "isOsiApproved": osi, "isDeprecatedLicenseId": false})
        })
        .collect();
    serde_json::json!({"licenseListVersion": version, "licenses": licenses}).to_string()
}

async fn rows(db: &sea_orm::DatabaseConnection) -> Vec<spdx_license::Model> {
    spdx_license::Entity::find()
        .order_by_asc(spdx_license::Column::Id)
        .all(db)
        .await
        .expect("rows")
}

async fn serve(body: String, content_type: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/licenses.json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, content_type))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn seeded_offline_then_synced_with_sweep_and_reinstatement() {
    let app = TestApp::new().await;
    let db = &app.state.db;
    let seeded = rows(db).await;
    assert!(
        seeded.len() > 500,
        "built-in SPDX list seeded: {}",
        seeded.len()
    );
    let mit = seeded.iter().find(|l| l.license_id == "MIT").expect("MIT");
    assert!(mit.is_osi_approved && !mit.is_deprecated);

    let server = serve(
        list("9.0", &[("MIT", true), ("New-1.0", false)]),
        "application/json",
    )
    .await;
    let url = format!("{}/licenses.json", server.uri());
    let dry = sync_from_source(db, &url, true).await.expect("dry");
    assert_eq!((dry.created, dry.updated), (1, 1));
    assert!(dry.deprecated_swept > 500);
    assert_eq!(rows(db).await, seeded, "dry run wrote nothing");

    let r = sync_from_source(db, &url, false).await.expect("sync");
    assert_eq!(
        (r.created, r.updated, r.deprecated_swept),
        (1, 1, dry.deprecated_swept)
    );
    assert_eq!(r.old_version.as_deref(), Some(spdx::identifiers::VERSION));
    let apache = spdx_license::Entity::find()
        .filter(spdx_license::Column::LicenseId.eq("Apache-2.0"))
        .one(db)
        .await
        .expect("query")
        .expect("kept, never deleted");
    assert!(apache.is_deprecated, "gone upstream → deprecated");

    let again = sync_from_source(db, &url, false).await.expect("again");
    assert_eq!(
        (again.created, again.updated, again.deprecated_swept),
        (0, 0, 0)
    );
    assert_eq!(again.unchanged, 2);

    let back = serve(
        list("9.1", &[("MIT", true), ("Apache-2.0", true)]),
        "text/plain",
    )
    .await;
    let r = sync_from_source(db, &format!("{}/licenses.json", back.uri()), false)
        .await
        .expect("reinstate");
    assert_eq!(r.deprecated_swept, 1, "New-1.0 is gone now");
    let apache = spdx_license::Entity::find_by_id(apache.id)
        .one(db)
        .await
        .expect("q")
        .expect("row");
    assert!(!apache.is_deprecated, "reinstated upstream → active again");
}

#[tokio::test]
async fn bad_payloads_change_nothing() {
    let app = TestApp::new().await;
    let db = &app.state.db;
    let before = rows(db).await;
    for (body, ct, expect) in [
        (
            "{\"licenses\": 5}".to_string(),
            "application/json",
            "missing top-level 'licenses'",
        ),
        (
            "not json".to_string(),
            "application/json",
            "Failed to parse",
        ),
        (list("1", &[("MIT", true)]), "text/html", "content type"),
        (
            "{\"licenses\": []}".to_string(),
            "application/json",
            "empty",
        ),
    ] {
        let server = serve(body, ct).await;
        let err = sync_from_source(db, &format!("{}/licenses.json", server.uri()), false)
            .await
            .expect_err("must fail");
        assert!(err.to_string().contains(expect), "{err}");
        assert_eq!(rows(db).await, before);
    }
}

#[tokio::test]
async fn sync_licenses_command_reads_a_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("licenses.json");
    std::fs::write(&file, list("3.99", &[("MIT", true)])).expect("write");
    let run = |args: &[&str]| run_bin(tmp.path(), args);
    assert!(run(&["migrate", "up"]).0);
    let file = file.display().to_string();
    let (ok, t) = run(&["sync-licenses", "--file", &file, "--dry-run"]);
    assert!(ok && t.contains("→ 3.99") && t.contains("[dry run"), "{t}");
    let (ok, t) = run(&["sync-licenses", "--file", &file]);
    assert!(
        ok && t.contains("unchanged 0") && t.contains("updated 1"),
        "{t}"
    );
}
