//! Editing a submission's fields in the portal (through the domain, with the reset rule, change log,
//! e-mails and audit) and both exports of the list's selection.

use super::access::submission;
use super::submissions::{logs, row, set};
use super::{P, app_with, audit_of, login, mails, staff};
use axum::http::StatusCode;
use sea_orm::Set;
use service_registry::auth::roles::EDITOR;

/// The edit form's values as stored (what an unchanged form posts back).
async fn form_values(
    app: &crate::support::TestApp,
    id: uuid::Uuid,
) -> service_registry::submissions::form::FormValues {
    let record = service_registry::submissions::repo::load(
        &app.state.db,
        service_registry::submissions::model::SubmissionId(id),
    )
    .await
    .unwrap()
    .unwrap();
    service_registry::submissions::form::to_form(&record)
}

#[tokio::test]
async fn exports_have_the_spec_columns_and_no_internal_request_data() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let c = login(&app, "ed").await;
    let id = submission(&app, "approved").await;
    set(&app, id, |am| {
        am.service_name = Set("Comma, \"quoted\" Service".into());
        am.primary_maturity_tag = Set(Some("emerging".into()));
    })
    .await;
    submission(&app, "draft").await;
    let r = c
        .get(
            &app,
            &format!("{P}submissions/export/?status__exact=approved&format=csv"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-type").starts_with("text/csv"));
    assert!(r.header("content-disposition").contains("submissions.csv"));
    assert!(r.body.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
    let text = r.text();
    let mut lines = text.trim_start_matches('\u{feff}').split("\r\n");
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.len(), 61);
    assert_eq!(
        header,
        service_registry::submissions::admin::export_columns()
    );
    let body = lines.next().unwrap();
    assert!(body.starts_with(&format!("{id},approved,Emerging,")));
    assert!(body.contains("\"Comma, \"\"quoted\"\" Service\""));
    assert!(!text.contains("192.0.2.99"), "never the submission IP");
    assert_eq!(
        lines.filter(|l| !l.is_empty()).count(),
        0,
        "only the selection"
    );

    let r = c
        .get(
            &app,
            &format!("{P}submissions/export/?status__exact=approved&format=json"),
        )
        .await;
    assert!(r.header("content-type").starts_with("application/json"));
    let j = r.json();
    let o = j.as_array().unwrap()[0].as_object().unwrap().clone();
    assert_eq!(o.len(), 42);
    assert_eq!(o["primary_maturity_tag"], "emerging");
    assert_eq!(o["submitter"]["first_name"], "Ada");
    assert_eq!(o["biotools"]["biotools_functions"], serde_json::json!([]));
    assert!(!r.text().contains("192.0.2.99") && !o.contains_key("submission_ip"));
    assert!(r.text().starts_with("[\n  {"), "2-space indent");
}

#[tokio::test]
async fn an_admin_edit_goes_through_the_domain_with_reset_log_mail_and_audit() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    staff(&app, "viewer", Some(service_registry::auth::roles::VIEWER)).await;
    let c = login(&app, "ed").await;
    // A complete registration (the form's rules hold), approved.
    let (id, _) = crate::submissions_api::register(&app).await;
    let id = uuid::Uuid::parse_str(&id).unwrap();
    set(&app, id, |am| am.status = Set("approved".into())).await;
    let path = format!("{P}submissions/{id}/edit/");
    let page = c.get(&app, &path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("name=\"service_name\""));
    let values = form_values(&app, id).await;
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for (k, vs) in &values {
        if k == "service_name" {
            continue;
        }
        for v in vs {
            pairs.push((k.as_str(), v.as_str()));
        }
    }
    let unchanged: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .chain([("service_name", "MetaProFi")])
        .collect();
    let r = c.post(&app, &path, &unchanged).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(logs(&app, id).await.is_empty(), "no change, no log");
    assert!(
        c.get(&app, P)
            .await
            .text()
            .contains("no field values were changed")
    );

    let before = mails(&app).await;
    pairs.push(("service_name", "Renamed by the office"));
    let r = c.post(&app, &path, &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let after = row(&app, id).await;
    assert_eq!(after.service_name, "Renamed by the office");
    assert_eq!(
        after.status, "submitted",
        "an approved submission goes back to review"
    );
    let l = logs(&app, id).await;
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].changed_by, "admin:ed");
    assert!(mails(&app).await > before, "the update e-mails are queued");
    assert!(audit_of(&app, id).await[0].contains("'MetaProFi' → 'Renamed by the office'"));

    let mut bad = pairs.clone();
    bad.retain(|(k, _)| *k != "service_name");
    bad.push(("service_name", ""));
    let r = c.post(&app, &path, &bad).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a bad value is refused with the form"
    );

    let v = login(&app, "viewer").await;
    assert_eq!(v.get(&app, &path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        v.post(&app, &path, &pairs).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_admin_edit_form_takes_a_logo_through_the_shared_logo_pipeline() {
    use axum::body::Body;
    use axum::http::Request;
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let c = login(&app, "ed").await;
    let (id, _) = crate::submissions_api::register(&app).await;
    let id = uuid::Uuid::parse_str(&id).unwrap();
    let path = format!("{P}submissions/{id}/edit/");
    assert!(
        c.get(&app, &path)
            .await
            .text()
            .contains("enctype=\"multipart/form-data\"")
    );
    let values = form_values(&app, id).await;
    let mut pairs: Vec<(&str, &str)> = vec![("csrf_token", c.csrf.as_str())];
    for (k, vs) in &values {
        for v in vs {
            pairs.push((k.as_str(), v.as_str()));
        }
    }
    let post = |logo: Vec<u8>| {
        let (ct, body) = crate::submissions_api::multipart_pairs(&pairs, Some(&logo));
        Request::post(&path)
            .header("cookie", c.cookies())
            .header("content-type", ct)
            .body(Body::from(body))
            .unwrap()
    };

    // Not an image: the form comes back with the pipeline's message on the logo field.
    let r = c
        .send(&app, post(b"<html>not a logo</html>".to_vec()))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(text.contains("id=\"err-logo\"") && text.contains("invalid-feedback d-block"));
    assert!(row(&app, id).await.logo.is_none() && logs(&app, id).await.is_empty());

    let r = c
        .send(&app, post(crate::submissions_api::png_bytes()))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let stored = row(&app, id).await.logo.expect("a stored logo");
    assert!(
        stored.starts_with("logos/") && stored.ends_with(".png"),
        "{stored}"
    );
    assert!(app.state.config.media_root.join(&stored).is_file());
    let l = logs(&app, id).await;
    assert_eq!(l.len(), 1);
    assert!(l[0].changes.to_string().contains("\"logo\""));
    assert_eq!(l[0].changed_by, "admin:ed");
    assert!(!audit_of(&app, id).await.is_empty());
}
