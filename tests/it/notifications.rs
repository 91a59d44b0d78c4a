//! The submission notification e-mails as queued: recipients, CC and override routing, subjects, the
//! admin link, the diff table of an update, the lifecycle notice, and time-zone labels.

use chrono::{TimeZone, Utc};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder, TransactionTrait};
use service_registry::jobs::entity::job;
use service_registry::mail::OutgoingEmail;
use service_registry::submissions::notify::{
    FieldChange, MailDetail, MailSettings, SubmissionMailData, notify_created,
    notify_status_changed, notify_updated,
};

use crate::support::TestApp;

pub fn sample() -> SubmissionMailData {
    SubmissionMailData {
        id: uuid::Uuid::parse_str("5b0f7c1e-2f0a-4c55-9d8a-0c3d7f1e2a11").expect("uuid"),
        service_name: "Gene Finder <Pro>".into(),
        status: "submitted".into(),
        submitter_first_name: "Ada".into(),
        submitter_last_name: "Lovelace".into(),
        submitter_affiliation: "Analytical Engines Ltd".into(),
        internal_contact_name: "Ada Lovelace".into(),
        internal_contact_email: "ada@example.org".into(),
        submitted_at: Utc
            .with_ymd_and_hms(2026, 1, 15, 13, 5, 0)
            .single()
            .expect("time"),
        updated_at: Utc
            .with_ymd_and_hms(2026, 7, 1, 12, 0, 0)
            .single()
            .expect("time"),
        description: "Finds genes.".into(),
        details: vec![MailDetail {
            label: "Host institute".into(),
            value: "Institute of Examples".into(),
        }],
    }
}

async fn queued_mails(db: &DatabaseConnection) -> Vec<OutgoingEmail> {
    job::Entity::find()
        .order_by_asc(job::Column::CreatedAt)
        .all(db)
        .await
        .expect("jobs")
        .into_iter()
        .map(|j| {
            assert_eq!(j.kind, "send_email");
            serde_json::from_value(j.payload).expect("payload")
        })
        .collect()
}

fn settings(app: &TestApp) -> MailSettings {
    MailSettings::from_config(&app.state.config)
}

const PREFIX: &str = "[de.NBI Service Registration Platform]";

#[tokio::test]
async fn created_goes_to_the_office_with_cc_and_admin_link_and_a_receipt_to_the_submitter() {
    let app = TestApp::build(
        &[("SUBMISSION_NOTIFY_CC", "a@example.org, b@example.org")],
        axum::Router::new(),
    )
    .await;
    let data = sample();
    let ids = notify_created(
        &app.state.db,
        &settings(&app),
        &app.state.templates,
        &data,
        crate::jobs_support::t0(),
    )
    .await
    .expect("notify");
    assert_eq!(ids.len(), 2);
    let mails = queued_mails(&app.state.db).await;
    let (admin, receipt) = (&mails[0], &mails[1]);
    assert_eq!(admin.to, ["servicecoordination@denbi.de"]);
    assert_eq!(admin.cc, ["a@example.org", "b@example.org"]);
    assert_eq!(admin.from, "no-reply@denbi.de");
    assert_eq!(admin.reply_to.as_deref(), Some("no-reply@denbi.de"));
    assert_eq!(
        admin.subject,
        format!("{PREFIX} New service submitted: Gene Finder <Pro>")
    );
    let link = format!(
        "https://service-registry.bi.denbi.de/admin-denbi/submissions/servicesubmission/{}/change/",
        data.id
    );
    assert!(admin.text.contains(&link), "{}", admin.text);
    // minijinja's HTML escaping also encodes '/', which mail clients decode.
    assert!(
        admin.html.contains(&link.replace('/', "&#x2f;")),
        "{}",
        admin.html
    );
    assert!(
        admin.text.contains("Host institute: Institute of Examples"),
        "{}",
        admin.text
    );

    assert_eq!(receipt.to, ["ada@example.org"]);
    assert!(receipt.cc.is_empty());
    assert_eq!(
        receipt.subject,
        format!("{PREFIX} We have received your registration: Gene Finder <Pro>")
    );
    assert!(!receipt.text.contains("/change/") && !receipt.html.contains("/change/"));
    assert!(receipt.text.contains("replies to it are not read"));
}

#[tokio::test]
async fn override_redirects_admin_mail_drops_the_link_and_suppresses_submitter_mail() {
    let app = TestApp::build(
        &[
            ("SUBMISSION_NOTIFY_OVERRIDE", "qa@example.org"),
            ("SUBMISSION_NOTIFY_CC", "cc@example.org"),
        ],
        axum::Router::new(),
    )
    .await;
    let s = settings(&app);
    let data = sample();
    notify_created(
        &app.state.db,
        &s,
        &app.state.templates,
        &data,
        crate::jobs_support::t0(),
    )
    .await
    .expect("notify");
    let changes = [FieldChange {
        field: "service_name".into(),
        label: "Service name".into(),
        old: "a".into(),
        new: "b".into(),
    }];
    notify_updated(
        &app.state.db,
        &s,
        &app.state.templates,
        &data,
        &changes,
        true,
        crate::jobs_support::t0(),
    )
    .await
    .expect("notify");
    notify_status_changed(
        &app.state.db,
        &s,
        &app.state.templates,
        &data,
        crate::jobs_support::t0(),
    )
    .await
    .expect("notify");
    let mails = queued_mails(&app.state.db).await;
    assert_eq!(
        mails.len(),
        3,
        "one admin mail per event, nothing for the submitter"
    );
    for m in &mails {
        assert_eq!(m.to, ["qa@example.org"]);
        assert_eq!(
            m.cc,
            ["cc@example.org"],
            "CC applies under the override too"
        );
        assert!(
            !m.text.contains("/change/") && !m.html.contains("admin portal"),
            "{}",
            m.text
        );
    }
}

#[tokio::test]
async fn update_mail_has_the_diff_table_and_the_submitter_copy_the_review_notice() {
    let app = TestApp::new().await;
    let s = settings(&app);
    let changes = vec![
        FieldChange {
            field: "service_description".into(),
            label: "Description".into(),
            old: "Old <i>text</i>".into(),
            new: "New text".into(),
        },
        FieldChange {
            field: "website_url".into(),
            label: "Website".into(),
            old: String::new(),
            new: "https://example.org".into(),
        },
    ];
    notify_updated(
        &app.state.db,
        &s,
        &app.state.templates,
        &sample(),
        &changes,
        true,
        crate::jobs_support::t0(),
    )
    .await
    .expect("notify");
    let mails = queued_mails(&app.state.db).await;
    let (admin, submitter) = (&mails[0], &mails[1]);
    assert_eq!(
        admin.subject,
        format!("{PREFIX} Registration updated: Gene Finder <Pro>")
    );
    assert!(admin.text.contains("What changed (2):"), "{}", admin.text);
    assert!(
        admin
            .text
            .contains("* Description\n    before: Old <i>text</i>\n    after:  New text"),
        "{}",
        admin.text
    );
    assert!(
        admin
            .text
            .contains("* Website\n    before: —\n    after:  https://example.org"),
        "{}",
        admin.text
    );
    assert!(admin.html.contains("<th style=\"text-align: left; border-bottom: 2px solid #dee2e6; padding: 4px;\">Before</th>"));
    assert!(
        admin.html.contains("Old &lt;i&gt;text&lt;&#x2f;i&gt;"),
        "values are escaped in HTML"
    );
    assert!(
        !admin.text.contains("back in the \"Submitted\""),
        "no lifecycle notice for the office"
    );

    assert_eq!(submitter.to, ["ada@example.org"]);
    assert_eq!(
        submitter.subject,
        format!("{PREFIX} Your registration was updated: Gene Finder <Pro>")
    );
    assert!(submitter.text.contains("Changed fields (2):") && submitter.html.contains("New text"));
    assert!(
        submitter.text.contains("back in the \"Submitted\"")
            && submitter.html.contains("<strong>Submitted</strong> state")
    );
    assert!(submitter.text.contains("If you did not make this change"));

    // No changes: the office still hears about it, the submitter does not.
    let app = TestApp::new().await;
    notify_updated(
        &app.state.db,
        &settings(&app),
        &app.state.templates,
        &sample(),
        &[],
        false,
        crate::jobs_support::t0(),
    )
    .await
    .expect("notify");
    let mails = queued_mails(&app.state.db).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["servicecoordination@denbi.de"]);
}

#[tokio::test]
async fn status_change_subjects_and_message() {
    let app = TestApp::new().await;
    let mut data = sample();
    data.status = "approved".into();
    notify_status_changed(
        &app.state.db,
        &settings(&app),
        &app.state.templates,
        &data,
        crate::jobs_support::t0(),
    )
    .await
    .expect("notify");
    let mails = queued_mails(&app.state.db).await;
    assert_eq!(
        mails[0].subject,
        format!("{PREFIX} Status changed to 'Approved': Gene Finder <Pro>")
    );
    assert_eq!(
        mails[1].subject,
        format!("{PREFIX} Your registration is now Approved: Gene Finder <Pro>")
    );
    assert!(
        mails[1].text.contains("New status:     APPROVED"),
        "{}",
        mails[1].text
    );
    assert!(
        mails[1]
            .text
            .contains("accepted and is now part of the registry")
    );
    assert!(
        mails[1].html.contains("background: #198754"),
        "approved badge colour"
    );
}

#[tokio::test]
async fn times_are_shown_in_the_configured_zone_with_the_right_label() {
    let app = TestApp::new().await; // TIME_ZONE defaults to Europe/Berlin
    notify_created(
        &app.state.db,
        &settings(&app),
        &app.state.templates,
        &sample(),
        crate::jobs_support::t0(),
    )
    .await
    .expect("notify");
    let mails = queued_mails(&app.state.db).await;
    assert!(
        mails[0]
            .text
            .contains("Submitted at:  2026-01-15 14:05 CET"),
        "{}",
        mails[0].text
    );
    assert!(
        mails[0]
            .text
            .contains("Last change:    2026-07-01 14:00 CEST"),
        "{}",
        mails[0].text
    );

    let app = TestApp::build(&[("TIME_ZONE", "UTC")], axum::Router::new()).await;
    notify_created(
        &app.state.db,
        &settings(&app),
        &app.state.templates,
        &sample(),
        crate::jobs_support::t0(),
    )
    .await
    .expect("notify");
    let mails = queued_mails(&app.state.db).await;
    assert!(
        mails[1]
            .text
            .contains("Submitted at:   2026-01-15 13:05 UTC"),
        "{}",
        mails[1].text
    );
}

#[tokio::test]
async fn notifications_queued_in_a_rolled_back_transaction_are_never_sent() {
    let app = TestApp::new().await;
    let txn = app.state.db.begin().await.expect("begin");
    let ids = notify_created(
        &txn,
        &settings(&app),
        &app.state.templates,
        &sample(),
        crate::jobs_support::t0(),
    )
    .await
    .expect("notify");
    assert_eq!(ids.len(), 2);
    txn.rollback().await.expect("rollback");
    assert!(queued_mails(&app.state.db).await.is_empty());
}
