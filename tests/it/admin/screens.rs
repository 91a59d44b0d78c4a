//! The other screens by role: EDAM terms (search, count, sync POST), SPDX licences, change log,
//! deletion audits, submission keys (revoke), bio.tools records, jobs (retry), admin API keys
//! (shown once, revoke).

use super::access::submission;
use super::{P, app_with, audit_of, login, staff};
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use service_registry::auth::roles::{EDITOR, MANAGER, VIEWER};
use service_registry::jobs::entity::job;

async fn jobs_of(app: &crate::support::TestApp, kind: &str) -> u64 {
    job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn reference_and_record_screens_follow_the_capability_table() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "nobody", None).await;
    staff(&app, "viewer", Some(VIEWER)).await;
    staff(&app, "editor", Some(EDITOR)).await;
    staff(&app, "manager", Some(MANAGER)).await;
    staff(&app, "root", Some("su")).await;
    let id = submission(&app, "submitted").await;
    let screens: [(&str, [bool; 5]); 8] = [
        ("edam/", [false, true, true, true, true]),
        ("licenses/", [false, false, false, false, true]),
        ("changelog/", [false, true, true, true, true]),
        ("deletion-audits/", [false, false, false, false, true]),
        ("keys/", [false, true, true, true, true]),
        ("biotools/", [false, true, true, true, true]),
        ("jobs/", [false, true, true, true, true]),
        ("admin-keys/", [false, false, false, false, true]),
    ];
    for (i, who) in ["nobody", "viewer", "editor", "manager", "root"]
        .iter()
        .enumerate()
    {
        let c = login(&app, who).await;
        for (path, allowed) in &screens {
            let r = c.get(&app, &format!("{P}{path}")).await;
            let want = if allowed[i] {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(r.status, want, "{who} GET {path}");
        }
    }

    // EDAM: the term count, search by synonym, and the sync button queues the job.
    let v = login(&app, "viewer").await;
    let total = service_registry::edam::entity::edam_term::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    let page = v.get(&app, &format!("{P}edam/")).await.text();
    assert!(page.contains(&total.to_string()), "the term count is shown");
    let t = service_registry::edam::entity::edam_term::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.synonyms.as_array().is_some_and(|a| !a.is_empty()))
        .expect("a term with a synonym");
    let syn = t.synonyms[0].as_str().unwrap().to_string();
    let found = v
        .get(
            &app,
            &format!(
                "{P}edam/?q={}",
                url::form_urlencoded::byte_serialize(syn.as_bytes()).collect::<String>()
            ),
        )
        .await
        .text();
    assert!(found.contains(&t.accession), "found by synonym {syn}");
    let none = v
        .get(&app, &format!("{P}edam/?q=zzzzqqqq-no-such-term"))
        .await
        .text();
    assert!(!none.contains(&t.accession));
    let before = jobs_of(&app, "edam.sync").await;
    // A Viewer POSTs nothing, upstream syncs included; an Editor queues them.
    for action in ["edam/sync/", "biotools/sync/"] {
        let r = v.post(&app, &format!("{P}{action}"), &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "viewer {action}");
    }
    assert!(
        !v.get(&app, &format!("{P}edam/"))
            .await
            .text()
            .contains("Sync EDAM from upstream"),
        "no sync button for a viewer"
    );
    assert_eq!(jobs_of(&app, "edam.sync").await, before);
    let editor = login(&app, "editor").await;
    assert!(
        editor
            .get(&app, &format!("{P}edam/"))
            .await
            .text()
            .contains("Sync EDAM from upstream")
    );
    let r = editor.post(&app, &format!("{P}edam/sync/"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(jobs_of(&app, "edam.sync").await, before + 1);
    assert!(
        v.get(&app, &format!("{P}edam/"))
            .await
            .text()
            .contains("queued since"),
        "the screen says how the sync stands"
    );
    let nobody = login(&app, "nobody").await;
    assert_eq!(
        nobody
            .post(&app, &format!("{P}edam/sync/"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let e = login(&app, "editor").await;
    assert_eq!(
        e.post(&app, &format!("{P}licenses/sync/"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let root = login(&app, "root").await;
    assert_eq!(
        root.post(&app, &format!("{P}licenses/sync/"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(jobs_of(&app, "licenses.sync").await, 1);

    // Keys: viewers see them without buttons; an editor revokes one, with an audit row.
    let keys = v
        .get(&app, &format!("{P}keys/?submission__id__exact={id}"))
        .await
        .text();
    assert!(keys.contains("Initial key") && !keys.contains(">Revoke<"));
    let k = service_registry::auth::submission_api_key::Entity::find()
        .filter(service_registry::auth::submission_api_key::Column::SubmissionId.eq(id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        v.post(
            &app,
            &format!("{P}keys/revoke/"),
            &[("key_id", &k.id.to_string())]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let r = e
        .post(
            &app,
            &format!("{P}keys/revoke/"),
            &[("key_id", &k.id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let k = service_registry::auth::submission_api_key::Entity::find_by_id(k.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!k.is_active);
    assert_eq!(
        audit_of(&app, id).await,
        vec!["Revoked key 'Initial key' via the key list.".to_string()]
    );

    // Change log of one submission, after an edit by the editor.
    e.post(
        &app,
        &format!("{P}submissions/{id}/status/"),
        &[("target", "under_review")],
    )
    .await;
    let other = submission(&app, "submitted").await;
    e.post(
        &app,
        &format!("{P}submissions/{other}/status/"),
        &[("target", "reject")],
    )
    .await;
    let log = v
        .get(&app, &format!("{P}changelog/?submission__id={id}"))
        .await
        .text();
    assert!(log.contains("Status: Submitted → Under Review") && !log.contains("→ Rejected"));

    // Jobs: only a superuser retries.
    assert_eq!(
        v.post(
            &app,
            &format!("{P}jobs/retry/"),
            &[("id", &uuid::Uuid::new_v4().to_string())]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_admin_key_is_created_with_its_scope_shown_once_and_revoked() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "root", Some("su")).await;
    let c = login(&app, "root").await;
    let r = c
        .post(
            &app,
            &format!("{P}admin-keys/"),
            &[("label", "CI export"), ("scope", "read")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    let key = html
        .split("id=\"new-key-value\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("shown")
        .to_string();
    let found = service_registry::auth::api_keys::verify_admin_key(&app.state.db, &key)
        .await
        .unwrap()
        .expect("valid");
    assert_eq!(
        (found.label.as_str(), found.scope.as_str()),
        ("CI export", "read")
    );
    assert!(
        !c.get(&app, &format!("{P}admin-keys/"))
            .await
            .text()
            .contains(&key),
        "shown once"
    );
    let r = c
        .post(
            &app,
            &format!("{P}admin-keys/revoke/"),
            &[("id", &found.id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        service_registry::auth::api_keys::verify_admin_key(&app.state.db, &key)
            .await
            .unwrap()
            .is_none()
    );
    let r = c
        .post(
            &app,
            &format!("{P}admin-keys/revoke/"),
            &[("id", &uuid::Uuid::new_v4().to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reference_data_is_managed_by_managers_and_guarded_while_in_use() {
    use service_registry::registry::entity::{
        principal_investigator as pi, service_category as cat, service_center as centre,
    };
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "viewer", Some(VIEWER)).await;
    staff(&app, "editor", Some(EDITOR)).await;
    staff(&app, "manager", Some(MANAGER)).await;
    let base = format!("{P}reference/");
    let v = login(&app, "viewer").await;
    let e = login(&app, "editor").await;
    let m = login(&app, "manager").await;
    for kind in ["categories", "centers", "pis"] {
        assert_eq!(
            v.get(&app, &format!("{base}{kind}/")).await.status,
            StatusCode::OK,
            "viewers see {kind}"
        );
        assert_eq!(
            v.get(&app, &format!("{base}{kind}/new/")).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            e.post(&app, &format!("{base}{kind}/new/"), &[("name", "X")])
                .await
                .status,
            StatusCode::FORBIDDEN,
            "editors do not edit {kind}"
        );
    }
    assert_eq!(
        v.get(&app, &format!("{base}nonsense/")).await.status,
        StatusCode::NOT_FOUND
    );

    let r = m
        .post(
            &app,
            &format!("{base}categories/new/"),
            &[("name", "Imaging"), ("is_active", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let c = cat::Entity::find()
        .filter(cat::Column::Name.eq("Imaging"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("created");
    let r = m
        .post(
            &app,
            &format!("{base}categories/new/"),
            &[("name", "imaging")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "names are unique, as in the API"
    );
    let r = m
        .post(
            &app,
            &format!("{base}pis/new/"),
            &[
                ("last_name", "Doe"),
                ("first_name", "Jane"),
                ("orcid", "0000-0002-1825-0098"),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a wrong ORCID check digit is refused"
    );
    assert!(r.text().contains("orcid"));
    let r = m
        .post(
            &app,
            &format!("{base}pis/new/"),
            &[
                ("last_name", "Doe"),
                ("first_name", "Jane"),
                ("orcid", "0000-0002-1825-0097"),
                ("is_active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        pi::Entity::find()
            .filter(pi::Column::LastName.eq("Doe"))
            .one(&app.state.db)
            .await
            .unwrap()
            .is_some()
    );

    // A centre in use cannot be deleted; it can be deactivated. An unused category can be deleted.
    let id = submission(&app, "rejected").await;
    let used = service_registry::submissions::repo::row(&app.state.db, id)
        .await
        .unwrap()
        .unwrap()
        .service_center_id;
    let r = m
        .post(&app, &format!("{base}centers/{used}/delete/"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        centre::Entity::find_by_id(used)
            .one(&app.state.db)
            .await
            .unwrap()
            .is_some(),
        "kept"
    );
    assert!(
        m.get(&app, P)
            .await
            .text()
            .contains("referenced by 1\u{a0}submission(s)")
    );
    let row = centre::Entity::find_by_id(used)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let r = m
        .post(
            &app,
            &format!("{base}centers/{used}/"),
            &[
                ("short_name", &row.short_name),
                ("full_name", &row.full_name),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        !centre::Entity::find_by_id(used)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .is_active,
        "deactivated"
    );
    let r = m
        .post(&app, &format!("{base}categories/{}/delete/", c.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        cat::Entity::find_by_id(c.id)
            .one(&app.state.db)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        v.post(&app, &format!("{base}categories/1/delete/"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let list = v.get(&app, &format!("{base}centers/")).await.text();
    assert!(list.contains("1\u{a0}submission(s)") && list.contains("service_center__id__exact"));
}
