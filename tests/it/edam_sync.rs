//! EDAM sync on the test database: seed, in-place updates from a newer release, idempotence, dry run,
//! and failing sources that leave the table exactly as it was.

use crate::support::{TestApp, TestDb, repo_path, run_bin, shared_data};
use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};
use service_registry::edam::entity::edam_term;
use service_registry::edam::model::{Branch, BranchFilter};
use service_registry::edam::service::sync_from_source;
use service_registry::edam::sync::sync;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every row, for before/after comparisons.
async fn snapshot(db: &sea_orm::DatabaseConnection) -> Vec<edam_term::Model> {
    edam_term::Entity::find()
        .order_by_asc(edam_term::Column::Id)
        .all(db)
        .await
        .expect("rows")
}

#[tokio::test]
async fn a_fresh_database_is_seeded_offline_from_the_builtin_release() {
    let app = TestApp::new().await;
    let n = edam_term::Entity::find()
        .count(&app.state.db)
        .await
        .expect("count");
    assert_eq!(n, 3471);
    let index = app.state.edam.get();
    assert_eq!(index.version, "1.25");
    assert_eq!(
        index.len(),
        2358,
        "the in-memory index holds the non-obsolete terms"
    );
    // A second start-up does not seed again.
    let again = service_registry::edam::seed::seed_if_empty(&app.state.db)
        .await
        .expect("seed");
    assert!(again.is_none());
}

#[tokio::test]
async fn newer_release_updates_in_place_then_a_second_sync_changes_nothing() {
    let (Some(v125), Some(dev)) = (
        shared_data("edam/EDAM_1.25.owl"),
        shared_data("edam/EDAM_dev.owl"),
    ) else {
        return;
    };
    let (_t, db) = TestDb::migrated().await;
    let none = &();
    let (_, first) = sync_from_source(
        &db,
        &v125.display().to_string(),
        BranchFilter::All,
        false,
        None,
        none,
    )
    .await
    .expect("1.25");
    assert_eq!(first.totals().created, 3471);
    let before = snapshot(&db).await;

    let (release, report) = sync_from_source(
        &db,
        &dev.display().to_string(),
        BranchFilter::All,
        false,
        None,
        none,
    )
    .await
    .expect("dev");
    assert_eq!(report.old_version.as_deref(), Some("1.25"));
    assert_eq!(report.new_version, release.version);
    let t = report.totals();
    assert!(
        t.updated > 0,
        "the development snapshot changes terms: {report:?}"
    );
    let after = snapshot(&db).await;
    // Terms present before keep their ids (updated in place, never deleted).
    for old in &before {
        let row = after
            .iter()
            .find(|r| r.uri == old.uri)
            .expect("never deleted");
        assert_eq!(row.id, old.id);
    }
    assert_eq!(after.len(), before.len() + t.created);
    let newly_obsolete = after
        .iter()
        .filter(|r| r.is_obsolete && !before.iter().any(|b| b.uri == r.uri && b.is_obsolete))
        .count();
    assert!(
        newly_obsolete >= t.obsoleted,
        "vanished terms are marked obsolete"
    );

    let (_, again) = sync_from_source(
        &db,
        &dev.display().to_string(),
        BranchFilter::All,
        false,
        None,
        none,
    )
    .await
    .expect("again");
    let a = again.totals();
    assert_eq!((a.created, a.updated, a.obsoleted), (0, 0, 0), "{again:?}");
    assert_eq!(a.unchanged, release.terms.len());
    assert_eq!(snapshot(&db).await, after);
}

/// The OWL and the TSV of one release differ in formatting only (synonym and parent order, line breaks
/// in definitions, `|` and IRIs in synonym lists, one escaped quote): both give the same stored terms.
#[tokio::test]
async fn both_formats_of_one_release_give_the_same_terms() {
    use service_registry::edam::{owl, tsv};
    let read = |name: &str| std::fs::read(repo_path(name)).expect("fixture");
    let from_owl = owl::parse(&read("tests/fixtures/edam_pair.owl")).expect("owl");
    let from_tsv = tsv::parse(&read("tests/fixtures/edam_pair.tsv"), "9.2").expect("tsv");
    assert_eq!(from_owl.version, "9.2");
    assert_eq!(from_owl.terms, from_tsv.terms);
    let proteomics = from_owl
        .terms
        .iter()
        .find(|t| t.accession == "topic_0121")
        .expect("topic_0121");
    assert_eq!(
        proteomics.synonyms,
        ["Metaproteomics", "Peptidomics", "Protein analysis"]
    );
    assert_eq!(
        proteomics.definition,
        "Protein and peptide identification. Quantification, too."
    );
    assert_eq!(
        proteomics.parent_uri.as_deref(),
        Some("http://edamontology.org/topic_0003")
    );
    let ensembl = from_tsv
        .terms
        .iter()
        .find(|t| t.accession == "data_2690")
        .expect("data_2690");
    assert_eq!(ensembl.label, r#"Ensembl ID ("Ornithorhynchus anatinus")"#);

    // Stored from one format, re-synced from the other: nothing changed, in either direction.
    let (_t, db) = TestDb::migrated().await;
    let first = sync(&db, &from_tsv, BranchFilter::All, false)
        .await
        .expect("tsv");
    assert_eq!(first.totals().created, 4);
    let stored = snapshot(&db).await;
    for (release, what) in [(&from_owl, "owl after tsv"), (&from_tsv, "tsv after owl")] {
        let r = sync(&db, release, BranchFilter::All, false)
            .await
            .expect("sync");
        let t = r.totals();
        assert_eq!(
            (t.created, t.updated, t.obsoleted, t.unchanged),
            (0, 0, 0, 4),
            "{what}: {r:?}"
        );
        assert_eq!(snapshot(&db).await, stored, "{what}");
    }
}

/// The first `sync-edam --file` of the OWL of the very release that is built in changes nothing.
#[tokio::test]
async fn the_owl_of_the_builtin_release_changes_nothing_over_the_seed() {
    let Some(owl) = shared_data("edam/EDAM_1.25.owl") else {
        return;
    };
    let owl = owl.display().to_string();
    let app = TestApp::new().await;
    let before = snapshot(&app.state.db).await;
    assert_eq!(before.len(), 3471, "seeded from the built-in TSV");
    let (_, report) = sync_from_source(&app.state.db, &owl, BranchFilter::All, true, None, &())
        .await
        .expect("dry run");
    assert_eq!(report.old_version.as_deref(), Some("1.25"));
    assert_eq!(report.new_version, "1.25");
    let t = report.totals();
    assert_eq!(
        (t.created, t.updated, t.obsoleted, t.unchanged),
        (0, 0, 0, 3471),
        "{report:?}"
    );

    // What an operator sees: the command over a freshly seeded database reports no change.
    let tmp = tempfile::tempdir().expect("tempdir");
    let (ok, out) = run_bin(tmp.path(), &["migrate", "up"]);
    assert!(ok, "{out}");
    let (ok, out) = run_bin(tmp.path(), &["sync-edam", "--file", &owl]);
    assert!(ok, "{out}");
    let total: Vec<&str> = out
        .lines()
        .find(|l| l.starts_with("total"))
        .expect("a total line")
        .split_whitespace()
        .collect();
    assert_eq!(total, ["total", "0", "0", "0", "3471"], "{out}");
    assert!(out.contains("EDAM 1.25 → 1.25"), "{out}");
}

#[tokio::test]
async fn dry_run_reports_but_writes_nothing() {
    let (_t, db) = TestDb::migrated().await;
    let fixture = repo_path("tests/fixtures/edam_small.owl")
        .display()
        .to_string();
    let (_, dry) = sync_from_source(&db, &fixture, BranchFilter::All, true, None, &())
        .await
        .expect("dry");
    assert!(dry.dry_run);
    assert_eq!(dry.totals().created, 6);
    assert!(snapshot(&db).await.is_empty(), "dry run wrote rows");

    sync_from_source(&db, &fixture, BranchFilter::All, false, None, &())
        .await
        .expect("real");
    let before = snapshot(&db).await;
    let seed = service_registry::edam::seed::release().expect("seed");
    let dry = sync(&db, &seed, BranchFilter::All, true)
        .await
        .expect("dry");
    assert!(dry.totals().created > 3000 && dry.totals().updated > 0);
    assert_eq!(snapshot(&db).await, before);
}

#[tokio::test]
async fn vanished_terms_become_obsolete_only_on_a_full_sync_and_parents_resolve() {
    let (_t, db) = TestDb::migrated().await;
    let fixture = repo_path("tests/fixtures/edam_small.owl")
        .display()
        .to_string();
    sync_from_source(&db, &fixture, BranchFilter::All, false, None, &())
        .await
        .expect("sync");
    let rows = snapshot(&db).await;
    let by_acc = |a: &str| {
        rows.iter()
            .find(|r| r.accession == a)
            .cloned()
            .expect("row")
    };
    // Of its named parents (topic_3391, topic_0003), the first in sorted order is stored.
    assert_eq!(
        by_acc("topic_0121").parent_id,
        Some(by_acc("topic_0003").id)
    );
    assert_eq!(
        by_acc("topic_3391").parent_id,
        Some(by_acc("topic_0003").id)
    );

    let mut smaller =
        service_registry::edam::owl::parse(&std::fs::read(&fixture).expect("read")).expect("parse");
    smaller.terms.retain(|t| t.accession != "operation_0292");
    let topic_only = sync(&db, &smaller, BranchFilter::Only(Branch::Topic), false)
        .await
        .expect("topic");
    assert_eq!(
        topic_only.totals().obsoleted,
        0,
        "a branch sync never obsoletes"
    );
    let full = sync(&db, &smaller, BranchFilter::All, false)
        .await
        .expect("full");
    assert_eq!(
        full.by_branch.get(&Branch::Operation).map(|c| c.obsoleted),
        Some(1)
    );
    let gone = edam_term::Entity::find().all(&db).await.expect("rows");
    assert!(
        gone.iter()
            .any(|r| r.accession == "operation_0292" && r.is_obsolete),
        "kept, but obsolete"
    );
}

#[tokio::test]
async fn failing_sources_leave_the_table_untouched() {
    let (_t, db) = TestDb::migrated().await;
    let fixture = repo_path("tests/fixtures/edam_small.owl");
    sync_from_source(
        &db,
        &fixture.display().to_string(),
        BranchFilter::All,
        false,
        None,
        &(),
    )
    .await
    .expect("baseline");
    let before = snapshot(&db).await;
    let full = std::fs::read(&fixture).expect("fixture");

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path("/500.owl"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path("/html.owl"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path("/truncated.owl"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(full[..full.len() - 200].to_vec(), "application/rdf+xml"),
        )
        .mount(&server)
        .await;
    for (path, expect) in [
        ("/500.owl", "HTTP status 500"),
        ("/html.owl", "content type"),
        ("/truncated.owl", "parse"),
    ] {
        let url = format!("{}{path}", server.uri());
        let err = sync_from_source(&db, &url, BranchFilter::All, false, None, &())
            .await
            .expect_err("must fail");
        assert!(err.to_string().contains(expect), "{path}: {err}");
        assert_eq!(snapshot(&db).await, before, "{path} changed the table");
    }
    let missing = sync_from_source(
        &db,
        "/nonexistent/EDAM.owl",
        BranchFilter::All,
        false,
        None,
        &(),
    )
    .await;
    assert!(missing.is_err());
    assert_eq!(snapshot(&db).await, before);
}

#[tokio::test]
async fn a_slow_upstream_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)))
        .mount(&server)
        .await;
    let fetch = service_registry::source::Fetch {
        user_agent: "test",
        timeout: std::time::Duration::from_millis(200),
        max_bytes: 1024,
        content_types: &["text/plain"],
    };
    let err = service_registry::source::load(&server.uri(), &fetch)
        .await
        .err()
        .expect("timeout");
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[tokio::test]
async fn sync_edam_command_reports_and_fails_clearly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| run_bin(tmp.path(), args);
    let (ok, t) = run(&["migrate", "up"]);
    assert!(
        ok && t.contains("seeded from the built-in EDAM 1.25"),
        "{t}"
    );
    let (ok, t) = run(&["edam", "stats"]);
    assert!(
        ok && t.contains("EDAM version: 1.25") && t.contains("topic             448        188"),
        "{t}"
    );
    let fixture = repo_path("tests/fixtures/edam_small.owl")
        .display()
        .to_string();
    let (ok, t) = run(&["sync-edam", "--file", &fixture, "--dry-run"]);
    assert!(
        ok && t.contains("EDAM 1.25 → 9.1") && t.contains("[dry run"),
        "{t}"
    );
    let (ok, t) = run(&["sync-edam", "--file", "/nonexistent.owl"]);
    assert!(!ok && t.contains("Failed to load /nonexistent.owl"), "{t}");
    let (ok, t) = run(&["sync-edam", "--branch", "nope", "--file", &fixture]);
    assert!(!ok && t.contains("unknown branch"), "{t}");
}

#[tokio::test]
async fn scheduled_sync_jobs_run_through_the_real_queue() {
    use crate::jobs_support::{ctx, job, t0};
    use service_registry::jobs::worker::Worker;
    use service_registry::jobs::{JobRegistry, ManualClock, NewJob, enqueue_with};
    use std::sync::Arc;

    let app = TestApp::new().await;
    let clock = ManualClock::new(t0());
    let fixture = repo_path("tests/fixtures/edam_small.owl")
        .display()
        .to_string();
    let edam = enqueue_with(
        &app.state.db,
        NewJob::new("edam.sync", serde_json::json!({ "url": fixture }), t0()),
    )
    .await
    .expect("enqueue");
    let licenses_file = app.db.dir.path().join("licenses.json");
    std::fs::write(
        &licenses_file,
        r#"{"licenseListVersion": "9.9", "licenses": [{"licenseId": "MIT", "name": "MIT License", "isOsiApproved": true}]}"#,
    )
    .expect("write");
    let spdx = enqueue_with(
        &app.state.db,
        NewJob::new(
            "licenses.sync",
            serde_json::json!({ "url": licenses_file.display().to_string() }),
            t0(),
        ),
    )
    .await
    .expect("enqueue");
    let broken = enqueue_with(
        &app.state.db,
        NewJob::new(
            "edam.sync",
            serde_json::json!({ "url": repo_path("Cargo.toml").display().to_string() }),
            t0(),
        ),
    )
    .await
    .expect("enqueue");

    let worker = Worker::new(ctx(&app, &clock), Arc::new(JobRegistry::standard()));
    worker.run_until_idle().await.expect("run");
    assert_eq!(job(&app.state.db, edam).await.state, "done");
    assert_eq!(job(&app.state.db, spdx).await.state, "done");
    let failed = job(&app.state.db, broken).await;
    assert_eq!(
        failed.state, "failed",
        "an unparsable release is a permanent failure"
    );
    assert!(failed.last_error.unwrap_or_default().contains("parse"));

    let proteomics = edam_term::Entity::find()
        .all(&app.state.db)
        .await
        .expect("rows")
        .into_iter()
        .find(|r| r.accession == "topic_0121")
        .expect("term");
    assert_eq!(
        proteomics.edam_version, "9.1",
        "the job wrote the fixture's release"
    );
}
