//! A PostgreSQL outage with the process left running (issue #17, item 3): a private PostgreSQL cluster
//! of its own (initdb + pg_ctl from the Debian packages, on a free port) is stopped under a running
//! app. Readiness answers 503 within its check timeout, API calls answer the 503 error envelope (never
//! a 500, never a hang), and once the cluster is started again the same app recovers by itself.
//!
//! Runs in the PostgreSQL pass (`TEST_DATABASE_URL` set, as `.ci/run` does); there the PostgreSQL
//! server binaries must exist, or the test fails saying so. On the SQLite pass it has nothing to test.

use crate::support::{TestApp, TestDb};
use axum::http::StatusCode;
use service_registry::config::{DatabaseConfig, Secret};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The newest `/usr/lib/postgresql/<major>/bin` with `initdb` and `pg_ctl`.
fn server_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

/// PostgreSQL refuses to run as root: as root, commands run as the `postgres` user.
fn pg(bin: &Path, tool: &str, args: &[&str]) {
    let exe = bin.join(tool);
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut cmd = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    let out = cmd.args(args).output().expect("run a PostgreSQL tool");
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A private cluster in a temporary directory, stopped when dropped.
struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Cluster {
    fn new(bin: PathBuf) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let _ = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status();
        let data = dir.path().join("data");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let d = data.display().to_string();
        pg(
            &bin,
            "initdb",
            &["-D", &d, "-A", "trust", "-U", "postgres", "-E", "UTF8"],
        );
        let c = Self {
            bin,
            data,
            port,
            _dir: dir,
        };
        c.start();
        c
    }

    fn start(&self) {
        let d = self.data.display().to_string();
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port, d
        );
        let log = format!("{d}/server.log");
        pg(
            &self.bin,
            "pg_ctl",
            &["-D", &d, "-o", &opts, "-l", &log, "-w", "start"],
        );
    }

    fn stop(&self) {
        let d = self.data.display().to_string();
        pg(
            &self.bin,
            "pg_ctl",
            &["-D", &d, "-m", "immediate", "-w", "stop"],
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let d = self.data.display().to_string();
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &d, "-m", "immediate", "stop"])
            .output();
    }
}

#[tokio::test]
async fn a_postgresql_outage_answers_503_and_the_same_process_recovers() {
    if std::env::var("TEST_DATABASE_URL").map_or(true, |u| u.is_empty()) {
        eprintln!("outage: SQLite pass, nothing to test (runs with TEST_DATABASE_URL)");
        return;
    }
    let bin = server_bin().expect(
        "the outage test needs the PostgreSQL server binaries (initdb, pg_ctl) under \
         /usr/lib/postgresql/*/bin: apt-get install postgresql",
    );
    let cluster = Cluster::new(bin);
    let url = cluster.url();
    let db = TestDb {
        cfg: DatabaseConfig::Postgres {
            url: Secret::new(url.clone()),
            display: url,
        },
        search_path: None,
        dir: tempfile::tempdir().expect("tempdir"),
    };
    let app = TestApp::on(db, &[]).await;
    assert_eq!(app.get("/health/ready/").await.status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/catalogue/").await.status, StatusCode::OK);
    let (_, admin_key) = service_registry::auth::api_keys::issue_admin_key(
        &app.state.db,
        "outage",
        service_registry::auth::api_keys::AdminScope::Read,
        "test",
    )
    .await
    .expect("key");

    cluster.stop();
    let t = Instant::now();
    let ready = app.get("/health/ready/").await;
    let took = t.elapsed();
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["status"], "degraded");
    assert!(
        took < Duration::from_secs(3),
        "readiness answered after {took:?}"
    );

    // Public reads, a page, and a keyed API call (the key lookup needs the database too): the 503
    // envelope within the pool's acquire timeout (5 s), never a 500 or a 403.
    for (path, key) in [
        ("/api/v1/catalogue/", None),
        ("/catalogue/", None),
        ("/api/v1/submissions/", Some(&admin_key)),
    ] {
        let mut req = axum::http::Request::get(path);
        if let Some(k) = key {
            req = req.header("authorization", format!("AdminKey {k}"));
        }
        let t = Instant::now();
        let r = app
            .send(req.body(axum::body::Body::empty()).expect("request"))
            .await;
        assert_eq!(
            r.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path}: {}",
            r.text()
        );
        if path.starts_with("/api/") {
            assert_eq!(r.json()["error"]["code"], "unavailable", "{}", r.text());
            assert_eq!(
                r.json()["error"]["message"],
                service_registry::error::DATABASE_UNAVAILABLE
            );
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{path} took {:?}",
            t.elapsed()
        );
    }

    cluster.start();
    let t = Instant::now();
    let mut back = false;
    while t.elapsed() < Duration::from_secs(5) {
        if app.get("/health/ready/").await.status == StatusCode::OK {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "readiness did not recover within 5 s of the restart");
    assert_eq!(app.get("/api/v1/catalogue/").await.status, StatusCode::OK);
}

/// A private Redis on a free port, no persistence; killed when dropped.
struct PrivateRedis {
    port: u16,
    child: Option<std::process::Child>,
}

impl PrivateRedis {
    fn start_on(port: u16) -> std::process::Child {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("the Redis outage test needs redis-server: apt-get install redis-server");
        let t = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        child
    }

    fn new() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        Self {
            port,
            child: Some(Self::start_on(port)),
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn start(&mut self) {
        self.child = Some(Self::start_on(self.port));
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn a_redis_outage_fails_the_rate_limited_calls_closed_and_recovers() {
    if std::env::var("TEST_REDIS_URL").map_or(true, |u| u.is_empty()) {
        eprintln!("outage: no TEST_REDIS_URL, nothing to test (runs in the Redis pass)");
        return;
    }
    let mut redis = PrivateRedis::new();
    let url = format!("redis://127.0.0.1:{}/0", redis.port);
    let app = TestApp::build(&[("REDIS_URL", &url)], axum::Router::new()).await;
    assert!(app.state.limiter.uses_redis());
    let (_, key) = service_registry::auth::api_keys::issue_admin_key(
        &app.state.db,
        "outage",
        service_registry::auth::api_keys::AdminScope::Read,
        "test",
    )
    .await
    .expect("key");
    let call = |path: &'static str| {
        let req = axum::http::Request::get(path)
            .header("authorization", format!("AdminKey {key}"))
            .body(axum::body::Body::empty())
            .expect("request");
        app.send(req)
    };
    assert_eq!(call("/api/v1/categories/").await.status, StatusCode::OK);

    redis.stop();
    // Rate-limited calls cannot be counted: refused with 503 (fail closed, docs/api.md), quickly.
    let t = Instant::now();
    let r = call("/api/v1/categories/").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "unavailable");
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(
        app.get("/health/ready/").await.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "readiness names the missing Redis"
    );
    // Pages without a limit keep working from the database alone.
    assert_eq!(app.get("/catalogue/").await.status, StatusCode::OK);
    assert_eq!(app.get("/health/live/").await.status, StatusCode::OK);

    redis.start();
    let t = Instant::now();
    let mut back = false;
    while t.elapsed() < Duration::from_secs(5) {
        if call("/api/v1/categories/").await.status == StatusCode::OK {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        back,
        "the limiter did not reconnect within 5 s of the restart"
    );
    assert_eq!(app.get("/health/ready/").await.status, StatusCode::OK);
}
