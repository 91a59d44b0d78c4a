//! Crash safety (issue #17, item 2): the real binary is killed with SIGKILL in the middle of 200
//! concurrent `POST /api/v1/submissions/`, then started again on the same database. Every request that
//! was answered 201 is stored with all its links, no stored submission lacks its links, and after the
//! restart the worker sends every notification of every stored submission exactly once (counted in the
//! file mailer's outbox). The first process is a web replica (`--no-worker`), so the kill cannot fall
//! in the middle of a delivery; a worker killed mid-delivery is covered by the outbox's naming
//! (`mail::a_repeated_delivery_of_one_message_leaves_one_file`).
//!
//! SQLite by default; in the PostgreSQL pass (`TEST_DATABASE_URL`) a fresh database of its own.

use crate::support::repo_path;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REQUESTS: usize = 200;

pub(crate) struct Env {
    pub(crate) vars: Vec<(String, String)>,
    pub(crate) dir: tempfile::TempDir,
    /// The PostgreSQL database to drop at the end (admin URL, name).
    pg: Option<(String, String)>,
}

impl Env {
    pub(crate) async fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut vars: Vec<(String, String)> = [
            ("ENVIRONMENT", "development"),
            (
                "SITE_CONFIG",
                &repo_path("config/site.toml").display().to_string(),
            ),
            ("RATE_LIMIT_API", "100000000/m"),
            ("RATE_LIMIT_API_ANON", "100000000/m"),
            ("RATE_LIMIT_SUBMIT", "100000000/m"),
            ("LOG_REQUESTS", "false"),
            ("RUST_LOG", "warn"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        vars.push(("DATA_DIR".into(), dir.path().display().to_string()));
        let mut pg = None;
        if let Some(admin) = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            let name = format!("crash_{}", uuid::Uuid::new_v4().simple());
            let conn = sea_orm::Database::connect(&admin).await.expect("connect");
            sea_orm::ConnectionTrait::execute_unprepared(&conn, &format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
            let _ = conn.close().await;
            let mut url = url::Url::parse(&admin).expect("TEST_DATABASE_URL");
            url.set_path(&format!("/{name}"));
            vars.push(("DATABASE_URL".into(), url.to_string()));
            pg = Some((admin, name));
        }
        Self { vars, dir, pg }
    }

    pub(crate) fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_service-registry"));
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .current_dir(self.dir.path());
        c
    }

    pub(crate) fn run(&self, args: &[&str]) -> String {
        let out = self.command().args(args).output().expect("run the binary");
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The binary with `args`, output discarded.
    pub(crate) fn spawn(&self, args: &[&str]) -> Child {
        self.command()
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the binary")
    }

    pub(crate) fn serve(&self, port: u16, extra: &[&str]) -> Child {
        self.command()
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--no-scheduler",
            ])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start serve")
    }

    /// The schema, the example reference data and a full admin key (returned).
    pub(crate) fn prepare(&self, label: &str) -> String {
        self.run(&["migrate", "up"]);
        self.run(&[
            "load-reference-data",
            &repo_path("data/reference-data.example.json")
                .display()
                .to_string(),
        ]);
        self.run(&["admin-key", "create", "--label", label, "--scope", "full"])
            .lines()
            .last()
            .expect("key")
            .trim()
            .to_string()
    }

    pub(crate) fn outbox(&self) -> std::path::PathBuf {
        self.dir.path().join("outbox")
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            // Best effort, on a runtime of its own (drop runs inside the test's runtime).
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(c) = sea_orm::Database::connect(&admin).await {
                        let _ = sea_orm::ConnectionTrait::execute_unprepared(
                            &c,
                            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                        )
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

pub(crate) async fn wait_ready(http: &reqwest::Client, base: &str) {
    let t = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/health/ready/")).send().await
            && r.status() == 200
        {
            return;
        }
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the server did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn get_json(http: &reqwest::Client, url: &str, key: &str) -> (u16, Value) {
    let r = http
        .get(url)
        .header("authorization", format!("AdminKey {key}"))
        .send()
        .await
        .expect("GET");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The number of .eml files in the outbox per probe name ("Crash probe NNN <run>", 24 characters,
/// ASCII: the first mention in the unfolded headers, the subject).
pub(crate) fn mails_by_service(outbox: &Path, run: &str) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for e in std::fs::read_dir(outbox).into_iter().flatten().flatten() {
        if e.path().extension().is_none_or(|x| x != "eml") {
            continue;
        }
        let raw = std::fs::read_to_string(e.path())
            .unwrap_or_default()
            .replace("\r\n ", " ")
            .replace("\r\n\t", " ");
        if let Some(i) = raw.find("Crash probe ")
            && let Some(name) = raw.get(i..i + 24)
            && name.ends_with(run)
        {
            *out.entry(name.to_string()).or_insert(0) += 1;
        }
    }
    out
}

/// `POST /api/v1/submissions/` of `body` (anonymous, JSON).
pub(crate) async fn register(
    http: &reqwest::Client,
    base: &str,
    body: &Value,
) -> reqwest::Response {
    http.post(format!("{base}/api/v1/submissions/"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("register")
}

/// A valid registration body on this server's reference data (its `service_name` to be set).
pub(crate) async fn registration_body(http: &reqwest::Client, base: &str, key: &str) -> Value {
    let (_, cats) = get_json(http, &format!("{base}/api/v1/categories/"), key).await;
    let (_, centres) = get_json(http, &format!("{base}/api/v1/service-centers/"), key).await;
    let (_, pis) = get_json(http, &format!("{base}/api/v1/pis/"), key).await;
    let topics: Value = http
        .get(format!("{base}/edam/search/?branch=topic&q=Proteomics"))
        .send()
        .await
        .expect("edam")
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap_or(Value::Null))
        .expect("edam body");
    let topic = topics[0]["id"].as_i64().expect("a topic id");
    json!({
        "date_of_entry": "2026-11-01", "submitter_first_name": "Ada",
        "submitter_last_name": "Lovelace", "submitter_affiliation": "Example University",
        "service_name": "",
        "service_description": "A registration sent while the server is killed, long enough to pass.",
        "year_established": 2021, "service_category_ids": [cats[0]["id"]],
        "publications_pmids": "34848984", "edam_topic_ids": [topic],
        "responsible_pi_ids": [pis[0]["id"]], "host_institute": "Example Institute",
        "service_center_id": centres[0]["id"], "public_contact_email": "help@example.org",
        "internal_contact_name": "Grace Hopper", "internal_contact_email": "internal@example.org",
        "website_url": "https://example.org", "terms_of_use_url": "https://example.org/terms",
        "licenses": ["MIT"], "kpi_monitoring": "planned", "data_protection_consent": true,
    })
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_server_keeps_every_answered_registration_and_mails_each_once() {
    let env = Env::new().await;
    let key = env.prepare("crash");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let mut web = env.serve(port, &["--no-worker"]);
    wait_ready(&http, &base).await;

    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let template = registration_body(&http, &base, &key).await;
    let body = |i: usize| {
        let mut b = template.clone();
        b["service_name"] = json!(format!("Crash probe {i:03} {run}"));
        b.to_string()
    };

    // 200 at once; the kill comes once half of them have been answered.
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..REQUESTS {
        let (http, url, body, answered) = (
            http.clone(),
            format!("{base}/api/v1/submissions/"),
            body(i),
            answered.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await;
            let out = match r {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let text = r.text().await.unwrap_or_default();
                    Some((status, text))
                }
                Err(_) => None,
            };
            answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            out
        }));
    }
    let t = Instant::now();
    while answered.load(std::sync::atomic::Ordering::SeqCst) < REQUESTS / 2 {
        assert!(t.elapsed() < Duration::from_secs(60), "no answers");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    web.kill().expect("SIGKILL");
    let _ = web.wait();
    let mut created = Vec::new();
    let mut cut = 0;
    for t in tasks {
        match t.await.expect("task") {
            Some((201, text)) => {
                let v: Value = serde_json::from_str(&text).expect("201 body");
                created.push(v["id"].as_str().expect("id").to_string());
            }
            Some((status, text)) => {
                assert!(status != 500, "a 500 before the kill: {text}");
                cut += 1;
            }
            None => cut += 1,
        }
    }
    assert!(
        !created.is_empty(),
        "some registrations were answered before the kill"
    );
    assert!(cut > 0, "the kill fell in the middle of the requests");

    // Restarted with its worker: the same database, the queued mails go out.
    let mut server = env.serve(port, &[]);
    wait_ready(&http, &base).await;
    for id in &created {
        let (status, s) = get_json(&http, &format!("{base}/api/v1/submissions/{id}/"), &key).await;
        assert_eq!(status, 200, "answered 201 but not stored: {id}");
        assert!(s["service_name"].as_str().is_some_and(|n| n.contains(&run)));
    }
    // Every stored submission (answered or cut off after its commit) has all its links.
    let mut stored = Vec::new();
    let mut page = 1;
    loop {
        let (status, list) = get_json(
            &http,
            &format!("{base}/api/v1/submissions/?page={page}&page_size=100"),
            &key,
        )
        .await;
        assert_eq!(status, 200, "{list}");
        for s in list["results"].as_array().expect("results") {
            stored.push(s.clone());
        }
        if list["next"].is_null() {
            break;
        }
        page += 1;
    }
    let probes: Vec<&Value> = stored
        .iter()
        .filter(|s| s["service_name"].as_str().is_some_and(|n| n.contains(&run)))
        .collect();
    assert!(probes.len() >= created.len());
    for s in &probes {
        let id = s["id"].as_str().expect("id");
        let (_, full) = get_json(&http, &format!("{base}/api/v1/submissions/{id}/"), &key).await;
        for link in [
            "service_categories",
            "responsible_pis",
            "edam_topics",
            "licenses",
        ] {
            assert!(
                full[link].as_array().is_some_and(|a| !a.is_empty()),
                "{id} has no {link}: {full}"
            );
        }
    }

    // Each stored probe's mails, exactly once: wait until the outbox holds as many as expected.
    let per_submission = 2;
    let want = probes.len() * per_submission;
    let t = Instant::now();
    let mut mails = mails_by_service(&env.outbox(), &run);
    while mails.values().sum::<usize>() < want && t.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        mails = mails_by_service(&env.outbox(), &run);
    }
    // A little longer: a duplicate would arrive after the expected count.
    tokio::time::sleep(Duration::from_secs(2)).await;
    mails = mails_by_service(&env.outbox(), &run);
    assert_eq!(mails.len(), probes.len(), "a mail for every stored probe");
    for (name, n) in &mails {
        assert_eq!(*n, per_submission, "{name}: {n} mails");
    }
    eprintln!(
        "crash: {} answered 201, {cut} cut off by the kill, {} stored, {} mails",
        created.len(),
        probes.len(),
        mails.values().sum::<usize>()
    );
    let _ = server.kill();
    let _ = server.wait();
}
