//! The scheduler on an injected clock: one firing per due schedule with two schedulers running, a single
//! catch-up run after a long pause, `site.toml` overrides, and the `drafts.cleanup` job.

use chrono::Duration;
use sea_orm::{ActiveValue::Set, EntityTrait};
use service_registry::jobs::scheduler::{self, Scheduler};
use service_registry::jobs::worker::{Outcome, Worker};
use service_registry::jobs::{Clock, JobRegistry, ManualClock, state};
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::jobs_support::*;
use crate::support::TestApp;

fn kinds(jobs: &[service_registry::jobs::entity::job::Model]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for j in jobs {
        *m.entry(j.kind.clone()).or_insert(0) += 1;
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_fire_each_due_schedule_once() {
    let app = TestApp::new().await;
    let clock = ManualClock::new(t0());
    let make =
        |db| Scheduler::new(db, &app.state.config, Arc::new(clock.clone())).expect("schedules");
    let a = make(app.db.connect().await);
    let b = make(app.db.connect().await);
    let (fa, fb) = tokio::join!(a.tick(), b.tick());
    assert_eq!(
        fa.expect("a").len() + fb.expect("b").len(),
        0,
        "nothing is due at start"
    );

    clock.advance(Duration::days(40));
    let (fa, fb) = tokio::join!(a.tick(), b.tick());
    let fired = fa.expect("a").len() + fb.expect("b").len();
    assert_eq!(fired, 4, "each of the four schedules fires once");
    let jobs = all_jobs(&app.state.db).await;
    assert_eq!(
        kinds(&jobs),
        BTreeMap::from([
            ("biotools.sync_all".to_string(), 1),
            ("drafts.cleanup".to_string(), 1),
            ("edam.sync".to_string(), 1),
            ("licenses.sync".to_string(), 1)
        ])
    );
    let (fa, fb) = tokio::join!(a.tick(), b.tick());
    assert_eq!(fa.expect("a").len() + fb.expect("b").len(), 0);
    assert_eq!(all_jobs(&app.state.db).await.len(), 4);
}

#[tokio::test]
async fn missed_runs_after_a_long_pause_fire_once() {
    let app = TestApp::new().await;
    let clock = ManualClock::new(t0());
    let s = Scheduler::new(
        app.state.db.clone(),
        &app.state.config,
        Arc::new(clock.clone()),
    )
    .expect("schedules");
    s.tick().await.expect("tick");
    clock.advance(Duration::days(200)); // ~200 daily and ~6 monthly runs missed
    let fired = s.tick().await.expect("tick");
    assert_eq!(fired.len(), 4, "{fired:?}");
    assert_eq!(s.tick().await.expect("tick").len(), 0);
    let rows = scheduler::stored(&app.state.db).await.expect("rows");
    assert!(
        rows.iter()
            .all(|r| r.next_run_at.expect("next") > clock.now())
    );
    assert!(rows.iter().all(|r| r.last_fired_at == Some(clock.now())));

    clock.advance(Duration::days(1));
    let fired = s.tick().await.expect("tick");
    assert_eq!(
        fired
            .iter()
            .map(|f| f.schedule.as_str())
            .collect::<Vec<_>>(),
        ["drafts.cleanup", "biotools.sync_all"]
    );
    assert_eq!(all_jobs(&app.state.db).await.len(), 6);
}

#[tokio::test]
async fn site_toml_overrides_change_or_disable_schedules_and_errors_name_the_key() {
    let app = TestApp::new().await;
    let mut config = (*app.state.config).clone();
    config
        .site
        .schedules
        .insert("drafts.cleanup".into(), "0 * * * *".into());
    config
        .site
        .schedules
        .insert("edam.sync".into(), "off".into());
    let defs = scheduler::configured(&config).expect("valid");
    let by_name = |n: &str| defs.iter().find(|d| d.name == n).expect("present").clone();
    assert_eq!(by_name("drafts.cleanup").cron, "0 * * * *");
    assert!(!by_name("edam.sync").enabled);
    assert!(by_name("licenses.sync").enabled);

    let clock = ManualClock::new(t0());
    let s = Scheduler::with_schedules(
        app.state.db.clone(),
        defs,
        config.time_zone,
        Arc::new(clock.clone()),
    );
    s.tick().await.expect("tick");
    clock.advance(Duration::days(40));
    let fired: Vec<_> = s
        .tick()
        .await
        .expect("tick")
        .into_iter()
        .map(|f| f.schedule)
        .collect();
    assert_eq!(
        fired,
        ["licenses.sync", "drafts.cleanup", "biotools.sync_all"]
    );

    config
        .site
        .schedules
        .insert("drafts.cleanup".into(), "every day".into());
    let err = scheduler::configured(&config).expect_err("invalid cron");
    assert!(err.contains("\"drafts.cleanup\""), "{err}");
    config.site.schedules.clear();
    config
        .site
        .schedules
        .insert("edam.synk".into(), "0 3 * * *".into());
    let err = scheduler::configured(&config).expect_err("unknown name");
    assert!(
        err.contains("edam.synk") && err.contains("edam.sync"),
        "{err}"
    );
}

#[tokio::test]
async fn cron_times_are_evaluated_in_the_configured_time_zone() {
    let tz: chrono_tz::Tz = "Europe/Berlin".parse().expect("tz");
    // 03:00 Berlin in winter is 02:00 UTC.
    let next = scheduler::next_after("0 3 1 * *", tz, t0()).expect("next");
    assert_eq!(next.to_rfc3339(), "2026-12-01T02:00:00+00:00");
}

#[tokio::test]
async fn drafts_cleanup_removes_only_sessions_expired_more_than_a_day_ago() {
    use service_registry::auth::entity::session;
    let app = TestApp::new().await;
    let db = &app.state.db;
    let user = service_registry::auth::users::create(
        db,
        service_registry::auth::users::NewUser {
            username: "staff",
            email: "staff@example.org",
            password: "a-long-enough-password-123",
            is_superuser: false,
        },
    )
    .await
    .expect("user");
    for (id, expires) in [("old", -48), ("recent", -1), ("live", 2)] {
        session::Entity::insert(session::ActiveModel {
            id: Set(id.into()),
            user_id: Set(user.id),
            csrf_token: Set("x".into()),
            data: Set(serde_json::json!({})),
            created_at: Set(t0() - Duration::days(3)),
            last_seen_at: Set(t0() - Duration::days(3)),
            expires_at: Set(t0() + Duration::hours(expires)),
        })
        .exec_without_returning(db)
        .await
        .expect("session");
    }
    let clock = ManualClock::new(t0());
    let worker = Worker::new(ctx(&app, &clock), Arc::new(JobRegistry::standard()));
    let id = service_registry::jobs::enqueue(db, "drafts.cleanup", serde_json::json!({}), t0())
        .await
        .expect("enqueue");
    let (_, outcome) = worker.run_once().await.expect("run").expect("claimed");
    assert_eq!(outcome, Outcome::Done);
    assert_eq!(job(db, id).await.state, state::DONE);
    let mut left: Vec<String> = session::Entity::find()
        .all(db)
        .await
        .expect("sessions")
        .into_iter()
        .map(|s| s.id)
        .collect();
    left.sort();
    assert_eq!(left, ["live", "recent"]);
}
