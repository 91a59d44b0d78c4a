//! Two replicas (issue #17, item 1), in the shape a production user outgrowing one machine runs: two
//! `serve --no-worker --no-scheduler` on two ports, one `worker` and one `scheduler` process, all on
//! one PostgreSQL database and one Redis, with one SECRET_KEY. Driven alternately, they share the
//! rate-limit counters, a staff session and a submitter's `/update/` edit session made on one work on
//! the other, every mail job runs exactly once, and a rolling restart of one replica (SIGTERM, start
//! again) loses no request that the other could serve (the test's client fails over like a load
//! balancer).
//!
//! Runs in the PostgreSQL pass with Redis (`TEST_DATABASE_URL` and `TEST_REDIS_URL`, as `.ci/run`).

use crate::crash::{
    Env, free_port, get_json, mails_by_service, register, registration_body, wait_ready,
};
use serde_json::json;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery staple";

/// `name=value` of every `Set-Cookie` of `r`.
fn cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next().map(str::to_string))
        .collect()
}

/// The CSRF token and cookies of a form page at `url`.
async fn form_page(http: &reqwest::Client, url: &str) -> (String, Vec<String>) {
    let page = http.get(url).send().await.expect("form page");
    let jar = cookies(&page);
    let html = page.text().await.expect("form html");
    let token = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf token in the form")
        .to_string();
    (token, jar)
}

fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(30) {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_share_limits_sessions_and_jobs_and_survive_a_rolling_restart() {
    let (Some(_), Some(redis)) = (
        std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty()),
        std::env::var("TEST_REDIS_URL")
            .ok()
            .filter(|u| !u.is_empty()),
    ) else {
        eprintln!("replicas: needs TEST_DATABASE_URL and TEST_REDIS_URL (the PostgreSQL pass)");
        return;
    };
    let mut env = Env::new().await;
    env.vars.push(("REDIS_URL".into(), redis));
    env.vars.push((
        "SECRET_KEY".into(),
        format!("replicas-{}", uuid::Uuid::new_v4()),
    ));
    // The API's keyed limit is the one under test; anonymous calls stay unlimited.
    env.vars.retain(|(k, _)| k != "RATE_LIMIT_API");
    env.vars.push(("RATE_LIMIT_API".into(), "40/h".into()));
    env.vars.push(("STAFF_PASSWORD".into(), PASSWORD.into()));
    let admin = env.prepare("replicas");
    env.run(&[
        "create-user",
        "--username",
        "curator",
        "--email",
        "curator@example.org",
        "--role",
        "Registry Editor",
        "--no-input",
    ]);
    let limited = env
        .run(&[
            "admin-key",
            "create",
            "--label",
            "replicas-limit",
            "--scope",
            "full",
        ])
        .lines()
        .last()
        .expect("key")
        .trim()
        .to_string();

    let (pa, pb) = (free_port(), free_port());
    let (a, b) = (
        format!("http://127.0.0.1:{pa}"),
        format!("http://127.0.0.1:{pb}"),
    );
    let web = |port: u16| {
        env.spawn(&[
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--no-worker",
            "--no-scheduler",
        ])
    };
    let mut web_a = web(pa);
    let mut web_b = web(pb);
    let mut worker = env.spawn(&["worker"]);
    let mut scheduler = env.spawn(&["scheduler"]);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    wait_ready(&http, &a).await;
    wait_ready(&http, &b).await;

    // 1. One rate-limit counter: 40 calls an hour for the key, spent alternately on A and B.
    for i in 0..40 {
        let base = if i % 2 == 0 { &a } else { &b };
        let (status, _) = get_json(&http, &format!("{base}/api/v1/categories/"), &limited).await;
        assert_eq!(status, 200, "call {i}");
    }
    for base in [&a, &b] {
        let (status, _) = get_json(&http, &format!("{base}/api/v1/categories/"), &limited).await;
        assert_eq!(
            status, 429,
            "the 41st call is refused on {base}: the counter is shared"
        );
    }

    // 2. A staff session made on A works on B (sessions and CSRF secrets are in the database and
    //    the shared SECRET_KEY).
    let login = format!("{a}/admin-denbi/login/");
    let (token, mut jar) = form_page(&http, &login).await;
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("csrf_token", &token)
        .append_pair("username", "curator")
        .append_pair("password", PASSWORD)
        .finish();
    let r = http
        .post(&login)
        .header("cookie", jar.join("; "))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 303, "signed in on A");
    jar.extend(cookies(&r));
    let dashboard = http
        .get(format!("{b}/admin-denbi/"))
        .header("cookie", jar.join("; "))
        .send()
        .await
        .expect("dashboard on B");
    assert_eq!(dashboard.status(), 200, "the session from A is valid on B");
    assert!(
        dashboard
            .text()
            .await
            .unwrap_or_default()
            .contains("Submissions by status")
    );

    // 3. Registrations alternately on A and B: the one worker sends each one's two mails, once.
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let template = registration_body(&http, &a, &admin).await;
    let mut first_key = String::new();
    for i in 0..10 {
        let base = if i % 2 == 0 { &a } else { &b };
        let mut body = template.clone();
        body["service_name"] = json!(format!("Crash probe {i:03} {run}"));
        let r = register(&http, base, &body).await;
        assert_eq!(r.status(), 201);
        if i == 0 {
            let v: serde_json::Value =
                serde_json::from_str(&r.text().await.expect("body")).expect("json");
            first_key = v["api_key"].as_str().expect("api_key").to_string();
        }
    }

    // 3b. A submitter's /update/ edit session opened on A continues on B.
    let (token, jar) = form_page(&http, &format!("{a}/update/")).await;
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("csrf_token", &token)
        .append_pair("api_key", &first_key)
        .finish();
    let r = http
        .post(format!("{a}/update/"))
        .header("cookie", jar.join("; "))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("enter key");
    assert_eq!(r.status(), 303, "the key opens an edit session on A");
    let mut jar = jar;
    jar.extend(cookies(&r));
    let edit = http
        .get(format!("{b}/update/edit/"))
        .header("cookie", jar.join("; "))
        .send()
        .await
        .expect("edit on B");
    assert_eq!(edit.status(), 200, "the edit session from A is valid on B");
    assert!(
        edit.text()
            .await
            .unwrap_or_default()
            .contains(&format!("Crash probe 000 {run}")),
        "B shows the registration's form"
    );
    let t = Instant::now();
    let mut mails = mails_by_service(&env.outbox(), &run);
    while mails.values().sum::<usize>() < 20 && t.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        mails = mails_by_service(&env.outbox(), &run);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    mails = mails_by_service(&env.outbox(), &run);
    assert_eq!(mails.len(), 10);
    assert!(mails.values().all(|n| *n == 2), "{mails:?}");

    // 4. Rolling restart of A under load: the client sends to A and B in turn and, like a load
    //    balancer, tries the other replica when one cannot be reached.
    let done = Arc::new(AtomicBool::new(false));
    let (served, failed, on_a) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let mut load = Vec::new();
    for n in 0..4 {
        let (http, a, b) = (http.clone(), a.clone(), b.clone());
        let (done, served, failed, on_a) =
            (done.clone(), served.clone(), failed.clone(), on_a.clone());
        load.push(tokio::spawn(async move {
            let mut i = n;
            while !done.load(Ordering::SeqCst) {
                i += 1;
                let order = if i % 2 == 0 { [&a, &b] } else { [&b, &a] };
                let mut ok = false;
                for base in order {
                    match http.get(format!("{base}/api/v1/catalogue/")).send().await {
                        Ok(r) if r.status() == 200 => {
                            ok = true;
                            if base == &a {
                                on_a.fetch_add(1, Ordering::SeqCst);
                            }
                            break;
                        }
                        Ok(r) => {
                            eprintln!("{base}: HTTP {}", r.status());
                            break;
                        }
                        Err(_) => continue, // not reachable: the other one
                    }
                }
                if ok {
                    served.fetch_add(1, Ordering::SeqCst);
                } else {
                    failed.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop(&mut web_a);
    let before_restart = on_a.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(500)).await;
    web_a = web(pa);
    wait_ready(&http, &a).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    done.store(true, Ordering::SeqCst);
    for l in load {
        l.await.expect("load task");
    }
    let (served, failed) = (served.load(Ordering::SeqCst), failed.load(Ordering::SeqCst));
    assert_eq!(
        failed,
        0,
        "{failed} of {} requests were lost",
        served + failed
    );
    assert!(
        on_a.load(Ordering::SeqCst) > before_restart,
        "the restarted A serves again"
    );
    eprintln!("replicas: rolling restart with {served} requests, none lost");

    for c in [&mut web_a, &mut web_b, &mut worker, &mut scheduler] {
        stop(c);
    }
}
