//! Outgoing mail through the queue: a real SMTP server on loopback (aiosmtpd) receives the multipart
//! message; an SMTP outage is retried until the server is back; the file transport; `send-test-email`.

use chrono::Duration;
use serde_json::Value;
use service_registry::jobs::worker::{Outcome, Worker};
use service_registry::jobs::{JobRegistry, ManualClock, state};
use service_registry::mail::{Mailer, OutgoingEmail, enqueue_email};
use std::io::{BufRead, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use crate::jobs_support::*;
use crate::notifications::sample;
use crate::support::{TestApp, repo_path};

/// aiosmtpd running `tests/it/smtp_sink.py` on a loopback port.
pub(crate) struct SmtpSink {
    child: Child,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    /// `None` (after a visible SKIPPED line) when python3 or aiosmtpd is missing.
    pub(crate) fn start(port: u16) -> Option<Self> {
        let python = std::env::var("TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let ok = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            // Written past the test harness's capture so `cargo test` shows it.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: real-SMTP mail test needs {python} with aiosmtpd (python3 -m pip install aiosmtpd)"
            );
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let mut child = Command::new(&python)
            .arg(repo_path("tests/it/smtp_sink.py"))
            .arg(dir.path())
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start aiosmtpd");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read READY");
        assert!(line.starts_with("READY"), "aiosmtpd did not start: {line}");
        Some(Self { child, dir })
    }

    pub(crate) fn messages(&self) -> Vec<Value> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .expect("dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| {
                serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json")
            })
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

async fn smtp_app(port: u16) -> TestApp {
    let port = port.to_string();
    TestApp::build(
        &[
            ("EMAIL_BACKEND", "smtp"),
            ("EMAIL_HOST", "127.0.0.1"),
            ("EMAIL_PORT", &port),
            ("EMAIL_USE_TLS", "false"),
            ("SUBMISSION_NOTIFY_CC", "office-cc@example.org"),
        ],
        axum::Router::new(),
    )
    .await
}

fn smtp_worker(app: &TestApp, clock: &ManualClock) -> Worker {
    let mailer = Mailer::from_config(&app.state.config.email).expect("mailer");
    Worker::new(
        ctx_on(app, app.state.db.clone(), clock, Arc::new(mailer)),
        Arc::new(JobRegistry::standard()),
    )
}

#[tokio::test]
async fn notification_reaches_a_real_smtp_server_as_text_and_html() {
    let port = free_port();
    let Some(sink) = SmtpSink::start(port) else {
        return;
    };
    let app = smtp_app(port).await;
    let clock = ManualClock::new(t0());
    let settings =
        service_registry::submissions::notify::MailSettings::from_config(&app.state.config);
    let data = sample();
    service_registry::submissions::notify::notify_created(
        &app.state.db,
        &settings,
        &app.state.templates,
        &data,
        crate::jobs_support::t0(),
    )
    .await
    .expect("enqueue");
    assert_eq!(
        smtp_worker(&app, &clock)
            .run_until_idle()
            .await
            .expect("run"),
        2
    );

    let msgs = sink.messages();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    let admin = msgs
        .iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .unwrap_or_default()
                .contains("New service submitted")
        })
        .expect("admin mail");
    assert_eq!(admin["content_type"], "multipart/alternative");
    assert_eq!(admin["mail_from"], "no-reply@denbi.de");
    let rcpts: Vec<&str> = admin["rcpt_tos"]
        .as_array()
        .expect("rcpts")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        rcpts,
        ["servicecoordination@denbi.de", "office-cc@example.org"]
    );
    let text = admin["text"].as_str().expect("text part");
    let html = admin["html"].as_str().expect("html part");
    let link = format!(
        "https://service-registry.bi.denbi.de/admin-denbi/submissions/servicesubmission/{}/change/",
        data.id
    );
    assert!(
        text.contains("Service:        Gene Finder <Pro>") && text.contains(&link),
        "{text}"
    );
    assert!(
        html.contains("Gene Finder &lt;Pro&gt;")
            && html.contains(&format!("href=\"{}\"", link.replace('/', "&#x2f;"))),
        "{html}"
    );
    assert!(!html.contains("<Pro>"));
    let receipt = msgs
        .iter()
        .find(|m| m["rcpt_tos"][0] == "ada@example.org")
        .expect("receipt");
    assert!(
        receipt["text"]
            .as_str()
            .expect("text")
            .contains("Dear Ada Lovelace")
    );
    assert!(
        receipt["html"]
            .as_str()
            .expect("html")
            .contains("Dear Ada Lovelace")
    );
}

#[tokio::test]
async fn mail_job_retries_while_smtp_is_down_and_is_delivered_once_it_is_back() {
    let port = free_port();
    let app = smtp_app(port).await;
    let clock = ManualClock::new(t0());
    let worker = smtp_worker(&app, &clock);
    let email = OutgoingEmail {
        from: "no-reply@denbi.de".into(),
        to: vec!["someone@example.org".into()],
        cc: vec![],
        reply_to: None,
        subject: "Outage test".into(),
        text: "plain body".into(),
        html: "<p>html body</p>".into(),
        message_id: None,
    };
    let id = enqueue_email(&app.state.db, &email, t0())
        .await
        .expect("enqueue");
    let (_, outcome) = worker.run_once().await.expect("run").expect("claimed");
    assert!(
        matches!(outcome, Outcome::Retrying { ref error, .. } if error.contains("SMTP delivery failed")),
        "{outcome:?}"
    );
    assert_eq!(job(&app.state.db, id).await.state, state::QUEUED);

    let Some(sink) = SmtpSink::start(port) else {
        return;
    };
    clock.advance(Duration::seconds(30));
    let (_, outcome) = worker.run_once().await.expect("run").expect("claimed");
    assert_eq!(outcome, Outcome::Done);
    let j = job(&app.state.db, id).await;
    assert_eq!((j.state.as_str(), j.attempts), (state::DONE, 2));
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["subject"], "Outage test");
    assert_eq!(
        msgs[0]["text"].as_str().map(str::trim_end),
        Some("plain body")
    );
    assert_eq!(
        msgs[0]["html"].as_str().map(str::trim_end),
        Some("<p>html body</p>")
    );
}

#[tokio::test]
async fn file_transport_writes_one_eml_per_mail() {
    let app = TestApp::new().await; // development default: EMAIL_BACKEND=file
    let mailer = Mailer::from_config(&app.state.config.email).expect("mailer");
    assert!(
        mailer.describe().contains("outbox"),
        "{}",
        mailer.describe()
    );
    let clock = ManualClock::new(t0());
    let worker = Worker::new(
        ctx_on(&app, app.state.db.clone(), &clock, Arc::new(mailer)),
        Arc::new(JobRegistry::standard()),
    );
    let settings =
        service_registry::submissions::notify::MailSettings::from_config(&app.state.config);
    service_registry::submissions::notify::notify_created(
        &app.state.db,
        &settings,
        &app.state.templates,
        &sample(),
        crate::jobs_support::t0(),
    )
    .await
    .expect("enqueue");
    assert_eq!(worker.run_until_idle().await.expect("run"), 2);
    let outbox = app.state.config.email.file_path.clone();
    let files: Vec<_> = std::fs::read_dir(&outbox)
        .expect("outbox")
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(files.len(), 2);
    for f in files {
        assert!(f.path().extension().is_some_and(|x| x == "eml"));
        let raw = std::fs::read_to_string(f.path()).expect("read");
        assert!(
            raw.contains("multipart/alternative") && raw.contains("text/html"),
            "{raw}"
        );
    }
}

#[tokio::test]
async fn a_repeated_delivery_of_one_message_leaves_one_file() {
    // A worker killed after writing the file but before recording the job as done delivers the same
    // job again once its lease has expired: the file is named by the Message-ID fixed when the mail
    // was queued, so the second delivery replaces the first instead of adding a copy.
    let app = TestApp::new().await;
    let mailer = Mailer::from_config(&app.state.config.email).expect("mailer");
    let email = |subject: &str| OutgoingEmail {
        from: "no-reply@denbi.de".into(),
        to: vec!["someone@example.org".into()],
        cc: vec![],
        reply_to: None,
        subject: subject.into(),
        text: "plain body".into(),
        html: "<p>html body</p>".into(),
        message_id: Some(OutgoingEmail::new_message_id("no-reply@denbi.de")),
    };
    let first = email("First");
    let second = email("Second");
    mailer.send(&first).await.expect("send");
    mailer.send(&first).await.expect("send again");
    mailer.send(&second).await.expect("send");
    let outbox = app.state.config.email.file_path.clone();
    let mut names: Vec<String> = std::fs::read_dir(&outbox)
        .expect("outbox")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().to_string()))
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names.iter().all(|n| n.ends_with(".eml")),
        "no partial file left"
    );
    let subject_of = |n: &str| {
        std::fs::read_to_string(outbox.join(n))
            .expect("read")
            .lines()
            .find_map(|l| l.strip_prefix("Subject: ").map(str::to_string))
            .expect("subject")
    };
    assert_eq!(
        [subject_of(&names[0]), subject_of(&names[1])],
        ["First".to_string(), "Second".to_string()],
        "names sort in the order the messages were made"
    );
    // A queued mail without a Message-ID gets one when it is queued.
    let mut bare = email("Bare");
    bare.message_id = None;
    let id = enqueue_email(&app.state.db, &bare, t0())
        .await
        .expect("enqueue");
    let payload = job(&app.state.db, id).await.payload;
    assert!(
        payload["message_id"]
            .as_str()
            .is_some_and(|m| m.starts_with('<') && m.ends_with("@denbi.de>")),
        "{payload}"
    );
}

#[tokio::test]
async fn send_test_email_command_reports_delivery_and_failure() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = |extra: &[(&str, String)], args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_service-registry"));
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATA_DIR", tmp.path())
            .env("SITE_CONFIG", repo_path("config/site.toml"))
            .current_dir(tmp.path())
            .args(args);
        for (k, v) in extra {
            c.env(k, v);
        }
        let out = c.output().expect("run");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    assert!(run(&[], &["migrate", "up"]).0);
    let (ok, out) = run(&[], &["send-test-email", "ops@example.org"]);
    assert!(ok, "{out}");
    assert!(out.contains("Delivered"), "{out}");
    let eml = std::fs::read_dir(tmp.path().join("outbox"))
        .expect("outbox")
        .count();
    assert_eq!(eml, 1);

    let smtp = [
        ("EMAIL_BACKEND", "smtp".to_string()),
        ("EMAIL_HOST", "127.0.0.1".to_string()),
        ("EMAIL_PORT", free_port().to_string()),
        ("EMAIL_USE_TLS", "false".to_string()),
    ];
    let (ok, out) = run(&smtp, &["send-test-email", "ops@example.org"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("Delivery failed: SMTP delivery failed"),
        "{out}"
    );
    let (_, listed) = run(&[], &["jobs", "list", "--state", "queued"]);
    assert!(
        listed.contains("send_email") && listed.contains("attempts 1/10"),
        "{listed}"
    );
}
