//! A worker killed in the middle of sending mail (issue #17, item 2): the `worker` process connects to
//! an SMTP server that accepts the connection and then says nothing, so both mails of a registration
//! are in flight when the worker gets SIGKILL. A new worker, pointed at a real SMTP server (aiosmtpd),
//! takes the jobs over once their leases end (the mail job's timeout plus 60 s, about two minutes) and
//! delivers each — none lost, none twice.
//!
//! SQLite by default; in the PostgreSQL pass a fresh database of its own. Needs python3 with aiosmtpd
//! (as the mail tests; `.ci/run` installs it).

use crate::crash::{Env, free_port, register, registration_body, wait_ready};
use crate::mail::SmtpSink;
use serde_json::json;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Accepts SMTP connections and never answers (the greeting never comes); counts them.
fn silent_smtp() -> (u16, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(s); // kept open, silent
        }
    });
    (port, accepted)
}

/// A `worker` process sending mail to the SMTP server on `port`.
fn worker_on(env: &Env, port: u16) -> std::process::Child {
    env.command()
        .env("EMAIL_PORT", port.to_string())
        .arg("worker")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("worker")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_delivery_loses_no_mail_and_sends_none_twice() {
    let sink_port = free_port();
    let Some(sink) = SmtpSink::start(sink_port) else {
        return; // SKIPPED, said by SmtpSink::start
    };
    let (silent_port, accepted) = silent_smtp();
    let mut env = Env::new().await;
    env.vars.extend(
        [
            ("EMAIL_BACKEND", "smtp"),
            ("EMAIL_HOST", "127.0.0.1"),
            ("EMAIL_USE_TLS", "false"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let key = env.prepare("worker-crash");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut web = env.spawn(&[
        "serve",
        "--bind",
        &format!("127.0.0.1:{port}"),
        "--no-worker",
        "--no-scheduler",
    ]);
    let mut silent_worker = worker_on(&env, silent_port);
    let http = reqwest::Client::new();
    wait_ready(&http, &base).await;
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let mut body = registration_body(&http, &base, &key).await;
    body["service_name"] = json!(format!("Crash probe 001 {run}"));
    assert_eq!(register(&http, &base, &body).await.status(), 201);

    // Both mails are on the wire to the silent server: kill the worker there.
    let t = Instant::now();
    while accepted.load(Ordering::SeqCst) < 2 {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the worker never connected"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    silent_worker.kill().expect("SIGKILL");
    let _ = silent_worker.wait();
    let _ = writeln!(
        std::io::stderr(),
        "worker_crash: worker killed mid-delivery; waiting for the leases to end (about 2 minutes)"
    );

    let mut worker = worker_on(&env, sink_port);
    let t = Instant::now();
    while sink.messages().len() < 2 && t.elapsed() < Duration::from_secs(240) {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await; // a duplicate would come now
    let msgs = sink.messages();
    let _ = worker.kill();
    let _ = worker.wait();
    let _ = web.kill();
    let _ = web.wait();
    assert_eq!(msgs.len(), 2, "both mails, once each: {msgs:?}");
    let mentions = |m: &serde_json::Value| {
        ["subject", "text"]
            .iter()
            .any(|k| m[*k].as_str().is_some_and(|s| s.contains(&run)))
    };
    assert!(msgs.iter().all(mentions), "{msgs:?}");
    assert!(
        msgs[0]["subject"] != msgs[1]["subject"] || msgs[0]["rcpt_tos"] != msgs[1]["rcpt_tos"],
        "two different mails, not one twice: {msgs:?}"
    );
}
