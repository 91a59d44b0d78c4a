//! The capability table's superuser-only lines: EDAM terms edit, the SPDX "deprecated" flag, deleting
//! change-log rows, deleting bio.tools records. A Manager gets 403 for each (also with a valid form),
//! a POST without the CSRF token is refused, and every change leaves its audit row.

use super::access::submission;
use super::{P, app_with, login, staff};
use axum::http::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use service_registry::admin::audit;
use service_registry::auth::roles::MANAGER;
use service_registry::biotools::entity::biotools_record as rec;
use service_registry::edam::entity::edam_term as term;
use service_registry::licenses::entity::spdx_license as lic;
use service_registry::submissions::entity::submission_change_log as log;

async fn trail(app: &crate::support::TestApp, kind: &str, id: &str) -> Vec<(String, String)> {
    audit::for_object(&app.state.db, kind, id, 10)
        .await
        .expect("audit")
        .into_iter()
        .map(|a| (a.action, a.message))
        .collect()
}

#[tokio::test]
async fn a_superuser_edits_an_edam_term_and_the_pickers_find_it_at_once() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "boss", Some(MANAGER)).await;
    staff(&app, "root", Some("su")).await;
    let t = term::Entity::find()
        .filter(term::Column::Accession.eq("topic_0121"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("Proteomics");
    let url = format!("{P}edam/{}/", t.id);
    let form = [
        ("label", "Proteomics"),
        ("definition", "Protein science."),
        (
            "synonyms",
            "Zymoproteomics\n\n zymoproteomics \nProtein studies",
        ),
    ];

    let m = login(&app, "boss").await;
    assert_eq!(m.get(&app, &url).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        m.post(&app, &url, &form).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        !m.get(&app, &format!("{P}edam/?q=topic_0121"))
            .await
            .text()
            .replace("&#x2f;", "/")
            .contains(&url),
        "a Manager's list does not link the edit page"
    );

    let su = login(&app, "root").await;
    let page = su.get(&app, &url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("topic_0121") && page.text().contains("Proteomics"));
    assert_eq!(
        su.post_with(&app, &url, &form, false).await.status,
        StatusCode::FORBIDDEN,
        "CSRF"
    );
    let bad = su
        .post(&app, &url, &[("label", "  "), ("synonyms", "x")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("Label: this field is required."));

    let ok = su.post(&app, &url, &form).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let after = term::Entity::find_by_id(t.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("term");
    assert_eq!(after.definition, "Protein science.");
    assert_eq!(
        after.synonyms,
        json!(["Zymoproteomics", "Protein studies"]),
        "cleaned, one per line, duplicates dropped"
    );
    assert_eq!(
        after.accession, "topic_0121",
        "the accession is not editable"
    );
    let rows = trail(&app, "edam_term", "topic_0121").await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].1.contains("definition") && rows[0].1.contains("synonyms"));
    // The index answers from memory: the new synonym finds the term without a restart.
    let hits = app.get("/edam/search/?branch=topic&q=zymoproteomics").await;
    assert_eq!(hits.status, StatusCode::OK);
    assert!(
        hits.json()
            .as_array()
            .expect("hits")
            .iter()
            .any(|h| h["accession"] == "topic_0121"),
        "{}",
        hits.text()
    );
}

#[tokio::test]
async fn a_superuser_sets_and_clears_a_licence_deprecated_flag() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "boss", Some(MANAGER)).await;
    staff(&app, "root", Some("su")).await;
    let mit = lic::Entity::find()
        .filter(lic::Column::LicenseId.eq("MIT"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("MIT");
    assert!(!mit.is_deprecated);
    let url = format!("{P}licenses/deprecated/");
    let id = mit.id.to_string();
    let deprecate = [("id", id.as_str()), ("deprecated", "true")];
    let clear = [("id", id.as_str()), ("deprecated", "false")];

    let m = login(&app, "boss").await;
    assert_eq!(
        m.post(&app, &url, &deprecate).await.status,
        StatusCode::FORBIDDEN
    );
    let su = login(&app, "root").await;
    assert_eq!(
        su.post_with(&app, &url, &deprecate, false).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        su.post(&app, &url, &[("id", &id), ("deprecated", "maybe")])
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        su.post(&app, &url, &deprecate).await.status,
        StatusCode::SEE_OTHER
    );
    let flag = |app: &crate::support::TestApp| {
        let db = app.state.db.clone();
        let id = mit.id;
        async move {
            lic::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .expect("MIT")
                .is_deprecated
        }
    };
    assert!(flag(&app).await);
    assert!(
        su.get(&app, &format!("{P}licenses/?q=MIT"))
            .await
            .text()
            .contains("Undeprecate")
    );
    assert_eq!(
        su.post(&app, &url, &clear).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(!flag(&app).await);
    let rows = trail(&app, "spdx_license", "MIT").await;
    assert_eq!(
        rows.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>(),
        ["Deprecation cleared.", "Marked deprecated."]
    );
}

#[tokio::test]
async fn only_a_superuser_deletes_a_change_log_entry_and_the_audit_keeps_it() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "boss", Some(MANAGER)).await;
    staff(&app, "root", Some("su")).await;
    let m = login(&app, "boss").await;
    let id = submission(&app, "submitted").await;
    m.post(
        &app,
        &format!("{P}submissions/{id}/status/"),
        &[("target", "approve")],
    )
    .await;
    let entry = log::Entity::find()
        .filter(log::Column::SubmissionId.eq(id))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("entry");
    let page = format!("{P}changelog/{}/", entry.id);
    let url = format!("{page}delete/");
    assert!(
        !m.get(&app, &page)
            .await
            .text()
            .contains("Delete this entry")
    );
    assert_eq!(m.post(&app, &url, &[]).await.status, StatusCode::FORBIDDEN);
    let su = login(&app, "root").await;
    assert!(
        su.get(&app, &page)
            .await
            .text()
            .contains("Delete this entry")
    );
    assert_eq!(
        su.post_with(&app, &url, &[], false).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(su.post(&app, &url, &[]).await.status, StatusCode::SEE_OTHER);
    assert!(
        log::Entity::find_by_id(entry.id)
            .one(&app.state.db)
            .await
            .unwrap()
            .is_none()
    );
    let rows = trail(&app, "changelog", &entry.id.to_string()).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "delete");
    assert!(
        rows[0].1.contains("admin:boss") && rows[0].1.contains("Status"),
        "{}",
        rows[0].1
    );
    assert_eq!(
        su.post(&app, &url, &[]).await.status,
        StatusCode::NOT_FOUND,
        "gone"
    );
}

#[tokio::test]
async fn only_a_superuser_deletes_a_stored_biotools_record() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "boss", Some(MANAGER)).await;
    staff(&app, "root", Some("su")).await;
    let id = submission(&app, "approved").await;
    let now = app.state.clock.now();
    let r = rec::ActiveModel {
        submission_id: Set(id),
        biotools_id: Set("probe-tool".into()),
        name: Set("Probe tool".into()),
        description: Set(String::new()),
        homepage: Set(String::new()),
        version: Set(String::new()),
        license: Set(String::new()),
        maturity: Set(String::new()),
        cost: Set(String::new()),
        tool_type: Set(json!([])),
        operating_system: Set(json!([])),
        publications: Set(json!([])),
        documentation: Set(json!([])),
        download: Set(json!([])),
        links: Set(json!([])),
        edam_topic_uris: Set(json!([])),
        raw_json: Set(json!({})),
        last_synced_at: Set(Some(now)),
        sync_error: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("record");
    let url = format!("{P}biotools/delete/");
    let rid = r.id.to_string();
    let m = login(&app, "boss").await;
    assert!(
        !m.get(&app, &format!("{P}biotools/"))
            .await
            .text()
            .contains(">Delete<")
    );
    assert_eq!(
        m.post(&app, &url, &[("id", &rid)]).await.status,
        StatusCode::FORBIDDEN
    );
    let su = login(&app, "root").await;
    assert!(
        su.get(&app, &format!("{P}biotools/"))
            .await
            .text()
            .contains(">Delete<")
    );
    assert_eq!(
        su.post_with(&app, &url, &[("id", &rid)], false)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        su.post(&app, &url, &[("id", &rid)]).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(
        rec::Entity::find_by_id(r.id)
            .one(&app.state.db)
            .await
            .unwrap()
            .is_none()
    );
    let rows = trail(&app, "biotools_record", &rid).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "delete");
}
