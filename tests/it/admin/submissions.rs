//! The submissions section: the list (filters, chips, search, sort, pages, HTMX), bulk actions
//! through the domain (change log as `admin:<user>`, status e-mails, audit, the maturity-tag skip
//! rule), the key panel's one-time display, deletion with its audits, and both exports.

use super::access::submission;
use super::{P, app_with, audit_of, login, mails, staff};
use axum::http::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use service_registry::auth::roles::{EDITOR, MANAGER};
use service_registry::submissions::entity::{
    service_submission as sub, submission_change_log as log, submission_deletion_audit as del,
};

pub(super) async fn set(
    app: &crate::support::TestApp,
    id: uuid::Uuid,
    f: impl FnOnce(&mut sub::ActiveModel),
) {
    let row = sub::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut am = row.into_active_model();
    f(&mut am);
    am.update(&app.state.db).await.unwrap();
}

pub(super) async fn row(app: &crate::support::TestApp, id: uuid::Uuid) -> sub::Model {
    sub::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("row")
}

pub(super) async fn logs(app: &crate::support::TestApp, id: uuid::Uuid) -> Vec<log::Model> {
    log::Entity::find()
        .filter(log::Column::SubmissionId.eq(id))
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_list_filters_searches_sorts_and_pages_with_shareable_urls() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let a = submission(&app, "approved").await;
    set(&app, a, |am| am.service_name = Set("Galaxy Europe".into())).await;
    let b = submission(&app, "submitted").await;
    set(&app, b, |am| {
        am.service_name = Set("Zebra Finder".into());
        am.submitter_affiliation = Set("Universität Tübingen".into());
    })
    .await;
    let c = login(&app, "ed").await;
    let list = |q: &str| format!("{P}submissions/{q}");

    let all = c.get(&app, &list("")).await.text();
    assert!(all.contains("Galaxy Europe") && all.contains("Zebra Finder"));
    assert!(all.contains("changelist-filter--enhanced") && all.contains("class=\"filter-search"));
    assert!(
        !all.contains("active-filters-block"),
        "no chips without filters"
    );
    assert!(!all.contains("href=\"??"));

    let f = c.get(&app, &list("?status__exact=approved")).await.text();
    assert!(f.contains("Galaxy Europe") && !f.contains("Zebra Finder"));
    assert!(
        f.contains("active-filters-block")
            && f.contains("pill-remove")
            && f.contains("Clear all filters")
    );
    assert!(f.contains("Status: Approved"));

    let s = c.get(&app, &list("?q=t%C3%BCbingen")).await.text();
    assert!(
        s.contains("Zebra Finder") && !s.contains("Galaxy Europe"),
        "search is case-insensitive over the affiliation"
    );
    let s = c.get(&app, &list("?q=%22galaxy+europe%22")).await.text();
    assert!(s.contains("Galaxy Europe") && !s.contains("Zebra Finder"));
    let none = c.get(&app, &list("?status__exact=nonsense")).await;
    assert_eq!(none.status, StatusCode::OK);
    assert!(
        none.text().contains("No submissions match."),
        "a bad filter value selects nothing"
    );

    let asc = c.get(&app, &list("?o=service_name")).await.text();
    let desc = c.get(&app, &list("?o=-service_name")).await.text();
    let pos = |h: &str, n: &str| h.find(n).expect(n);
    assert!(pos(&asc, "Galaxy Europe") < pos(&asc, "Zebra Finder"));
    assert!(pos(&desc, "Zebra Finder") < pos(&desc, "Galaxy Europe"));

    // HTMX requests get the full page (the client swaps #content-main) and keep the URL.
    let mut req = axum::http::Request::get(list("?status__exact=approved"));
    req = req
        .header(
            "cookie",
            format!(
                "sr_csrf={}; sr_admin={}",
                c.csrf,
                c.session.clone().unwrap()
            ),
        )
        .header("hx-request", "true");
    let r = app.send(req.body(axum::body::Body::empty()).unwrap()).await;
    assert!(r.text().contains("id=\"content-main\"") && r.text().contains("hx-push-url=\"true\""));

    for _ in 0..30 {
        submission(&app, "draft").await;
    }
    let p1 = c.get(&app, &list("")).await.text();
    assert!(p1.contains("1–30 of 32") && p1.contains("?p=2"));
    let p2 = c.get(&app, &list("?p=2")).await.text();
    assert!(p2.contains("31–32 of 32"));
    let clamped = c.get(&app, &list("?p=999999999999")).await;
    assert_eq!(clamped.status, StatusCode::OK);
}

#[tokio::test]
async fn bulk_status_actions_use_the_domain_log_mail_and_audit() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let c = login(&app, "ed").await;
    let s1 = submission(&app, "submitted").await;
    let s2 = submission(&app, "approved").await;
    let before = mails(&app).await;
    let r = c
        .post(
            &app,
            &format!("{P}submissions/bulk/"),
            &[
                ("action", "approve"),
                ("_selected", &s1.to_string()),
                ("_selected", &s2.to_string()),
                ("selection", "?status__exact=submitted"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.header("location"),
        format!("{P}submissions/?status__exact=submitted"),
        "back to the same selection"
    );
    assert_eq!(row(&app, s1).await.status, "approved");
    let l = logs(&app, s1).await;
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].changed_by, "admin:ed");
    assert_eq!(l[0].changes[0]["old"], "Submitted");
    assert_eq!(l[0].changes[0]["new"], "Approved");
    assert!(
        logs(&app, s2).await.is_empty(),
        "already approved: skipped, no log"
    );
    assert!(mails(&app).await > before, "the status e-mail is queued");
    assert_eq!(
        audit_of(&app, s1).await,
        vec!["Status changed Submitted → Approved".to_string()]
    );
    assert!(audit_of(&app, s2).await.is_empty());
    let page = c.get(&app, &format!("{P}submissions/")).await.text();
    assert!(
        page.contains("1 submission(s) marked as Approved."),
        "flash shown once"
    );
    assert!(
        !c.get(&app, &format!("{P}submissions/"))
            .await
            .text()
            .contains("marked as Approved")
    );

    // Deprecating a tagged approved submission clears its tags, says so, and logs both.
    set(&app, s2, |am| {
        am.primary_maturity_tag = Set(Some("mature".into()));
        am.secondary_maturity_tags = Set(Some(serde_json::json!(["unstable"])));
    })
    .await;
    c.post(
        &app,
        &format!("{P}submissions/bulk/"),
        &[("action", "deprecate"), ("_selected", &s2.to_string())],
    )
    .await;
    let r2 = row(&app, s2).await;
    assert_eq!(
        (r2.status.as_str(), r2.primary_maturity_tag.as_deref()),
        ("deprecated", None)
    );
    let fields: Vec<String> = logs(&app, s2).await[0]
        .changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        fields,
        ["status", "primary_maturity_tag", "secondary_maturity_tags"]
    );
    assert!(
        c.get(&app, P)
            .await
            .text()
            .contains("Maturity tags automatically cleared on 1 submission(s)")
    );

    for (action, from, to) in [
        ("undeprecate", "deprecated", "submitted"),
        ("under_review", "submitted", "under_review"),
        ("reject", "under_review", "rejected"),
    ] {
        let id = submission(&app, from).await;
        c.post(
            &app,
            &format!("{P}submissions/bulk/"),
            &[("action", action), ("_selected", &id.to_string())],
        )
        .await;
        assert_eq!(row(&app, id).await.status, to, "{action}");
        assert_eq!(logs(&app, id).await.len(), 1);
    }
    // Nothing selected, or no action: nothing changes.
    let r = c
        .post(
            &app,
            &format!("{P}submissions/bulk/"),
            &[("action", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        c.get(&app, P)
            .await
            .text()
            .contains("Items must be selected")
    );
    let r = c
        .post(
            &app,
            &format!("{P}submissions/bulk/"),
            &[("action", "approve"), ("_selected", "not-a-uuid")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn assigning_maturity_tags_is_two_step_and_skips_what_is_not_approved() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let c = login(&app, "ed").await;
    let ok = submission(&app, "approved").await;
    let draft = submission(&app, "draft").await;
    let sel = [
        ("action", "assign_tags"),
        ("_selected", &ok.to_string()[..]),
        ("_selected", &draft.to_string()[..]),
    ];
    let step1 = c.post(&app, &format!("{P}submissions/bulk/"), &sel).await;
    assert_eq!(step1.status, StatusCode::OK);
    let html = step1.text();
    assert!(html.contains("1 selected submission(s) are not approved and will be skipped"));
    assert!(
        html.contains("name=\"primary_maturity_tag\"") && html.contains("name=\"_assign_tags\"")
    );
    assert!(
        row(&app, ok).await.primary_maturity_tag.is_none(),
        "step one writes nothing"
    );

    let mut bad = sel.to_vec();
    bad.extend([("_assign_tags", "1"), ("primary_maturity_tag", "ancient")]);
    c.post(&app, &format!("{P}submissions/bulk/"), &bad).await;
    assert!(row(&app, ok).await.primary_maturity_tag.is_none());
    assert!(
        c.get(&app, P)
            .await
            .text()
            .contains("Invalid primary tag selection.")
    );

    let mut good = sel.to_vec();
    good.extend([
        ("_assign_tags", "1"),
        ("primary_maturity_tag", "emerging"),
        ("secondary_maturity_tags", "unstable"),
    ]);
    let r = c.post(&app, &format!("{P}submissions/bulk/"), &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let tagged = row(&app, ok).await;
    assert_eq!(tagged.primary_maturity_tag.as_deref(), Some("emerging"));
    assert_eq!(
        tagged.secondary_maturity_tags,
        Some(serde_json::json!(["unstable"]))
    );
    assert_eq!(
        tagged.status, "approved",
        "tagging is not an edit that resets the review"
    );
    assert!(
        row(&app, draft).await.primary_maturity_tag.is_none(),
        "the draft is skipped"
    );
    let l = logs(&app, ok).await;
    assert_eq!((l.len(), l[0].changed_by.as_str()), (1, "admin:ed"));
    assert_eq!(
        audit_of(&app, ok).await,
        vec!["Maturity tags assigned.".to_string()]
    );
    assert!(
        c.get(&app, P)
            .await
            .text()
            .contains("Maturity tags assigned to 1 approved submission(s).")
    );

    // Only drafts selected: refused at step one.
    let r = c
        .post(
            &app,
            &format!("{P}submissions/bulk/"),
            &[("action", "assign_tags"), ("_selected", &draft.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        c.get(&app, P)
            .await
            .text()
            .contains("No approved submissions selected.")
    );
}

#[tokio::test]
async fn an_issued_key_is_shown_once_and_stored_only_as_a_hash() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let c = login(&app, "ed").await;
    let id = submission(&app, "approved").await;
    let path = format!("{P}submissions/{id}/");
    let r = c
        .post(
            &app,
            &format!("{path}keys/"),
            &[("op", "issue"), ("scope", "read"), ("label", "CI pipeline")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("cache-control").contains("no-store"));
    let html = r.text();
    let key = html
        .split("id=\"new-key-value\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("key shown")
        .to_string();
    assert!(key.len() >= 40);
    let k = service_registry::auth::api_keys::verify_submission_key(&app.state.db, &key)
        .await
        .expect("verify")
        .expect("valid key");
    assert_eq!(
        (k.scope.as_str(), k.label.as_str(), k.created_by.as_str()),
        ("read", "CI pipeline", "ed")
    );
    assert!(
        !c.get(&app, &path).await.text().contains(&key),
        "never shown again"
    );
    let sessions = service_registry::auth::entity::session::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(
        sessions.iter().all(|s| !s.data.to_string().contains(&key)),
        "not in the session either"
    );
    assert!(audit_of(&app, id).await[0].starts_with("Issued new key 'CI pipeline' (read)."));

    let r = c
        .post(&app, &format!("{path}keys/"), &[("op", "reset")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        service_registry::auth::api_keys::verify_submission_key(&app.state.db, &key)
            .await
            .unwrap()
            .is_none(),
        "reset revokes the old keys"
    );
    let r = c
        .post(&app, &format!("{path}keys/"), &[("op", "revoke_all")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let left = service_registry::auth::submission_api_key::Entity::find()
        .filter(service_registry::auth::submission_api_key::Column::SubmissionId.eq(id))
        .filter(service_registry::auth::submission_api_key::Column::IsActive.eq(true))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(left.is_empty());
    let r = c
        .post(
            &app,
            &format!("{path}keys/"),
            &[
                ("op", "revoke"),
                ("key_id", &uuid::Uuid::new_v4().to_string()),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "another submission's key (or none) is never touched"
    );
}

#[tokio::test]
async fn a_manager_deletes_after_the_audits_and_is_told_what_is_lost() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "boss", Some(MANAGER)).await;
    let c = login(&app, "boss").await;
    let id = submission(&app, "submitted").await;
    c.post(
        &app,
        &format!("{P}submissions/{id}/status/"),
        &[("target", "deprecate")],
    )
    .await;
    let page = c
        .get(&app, &format!("{P}submissions/{id}/delete/"))
        .await
        .text();
    assert!(
        page.contains("Permanent data loss")
            && page.contains("1 change log entry")
            && page.contains("Deprecated")
    );
    let fresh = submission(&app, "submitted").await;
    assert!(
        !c.get(&app, &format!("{P}submissions/{fresh}/delete/"))
            .await
            .text()
            .contains("Permanent data loss")
    );

    let r = c
        .post(&app, &format!("{P}submissions/{id}/delete/"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        sub::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .is_some(),
        "unconfirmed: kept"
    );
    let r = c
        .post(
            &app,
            &format!("{P}submissions/{id}/delete/"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        sub::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .is_none()
    );
    let a = del::Entity::find()
        .filter(del::Column::SubmissionId.eq(id))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("deletion audit");
    assert_eq!(
        (a.deleted_by.as_str(), a.changelog_count),
        ("admin:boss", 1)
    );
    let trail = audit_of(&app, id).await;
    assert!(trail[0].starts_with("Deleted; 1 change-log"), "{trail:?}");
    assert!(
        trail
            .iter()
            .any(|t| t == "Status changed Submitted → Deprecated")
    );
    assert_eq!(
        c.get(&app, &format!("{P}submissions/{id}/")).await.status,
        StatusCode::NOT_FOUND
    );
}
