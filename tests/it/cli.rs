//! The binary itself: production start-up refusals, migrate/status, setup-groups, reference data,
//! check-config redaction, and a real `serve` answering the home page and health checks.

use crate::support::repo_path;
use std::path::Path;
use std::process::{Command, Output};

/// The binary with a clean environment, its data (and so its SQLite database) under `dir`.
fn bin(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_service-registry"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", dir)
        .env("SITE_CONFIG", repo_path("config/site.toml"))
        .current_dir(dir);
    c
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn production_without_secret_key_refuses_to_start_and_names_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let out = bin(dir)
        .env("ENVIRONMENT", "production")
        .arg("serve")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(text(&out).contains("'SECRET_KEY'"), "{}", text(&out));
    let out = bin(dir)
        .env("ENVIRONMENT", "production")
        .env("SECRET_KEY", "x".repeat(60))
        .env("DB_HOST", "127.0.0.1")
        .arg("check-config")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(text(&out).contains("'DB_PASSWORD'"), "{}", text(&out));
}

#[tokio::test]
async fn check_config_redacts_secrets() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let out = bin(dir)
        .env(
            "SECRET_KEY",
            "very-secret-value-that-must-not-appear-0123456789",
        )
        .env("EMAIL_HOST_PASSWORD", "smtp-secret-value")
        .arg("check-config")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("SECRET_KEY = ***"), "{t}");
    assert!(
        !t.contains("very-secret-value") && !t.contains("smtp-secret-value"),
        "{t}"
    );
    assert!(t.contains("Configuration OK."));
}

#[tokio::test]
async fn migrate_setup_groups_and_reference_data_commands() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sqlite = tmp.path();
    let run = |args: &[&str]| {
        let out = bin(sqlite).args(args).output().expect("run");
        (out.status.success(), text(&out))
    };
    let (ok, t) = run(&["migrate", "status"]);
    assert!(
        ok && t.contains("[pending]") && !t.contains("[applied]"),
        "{t}"
    );
    // `migrate up` also brings the roles in line, so setup-groups finds nothing to do.
    let (ok, t) = run(&["migrate", "up"]);
    assert!(ok && t.contains("Applied"), "{t}");
    let (ok, t) = run(&["migrate", "status"]);
    assert!(ok && !t.contains("[pending]"), "{t}");
    let (ok, t) = run(&["setup-groups", "--dry-run"]);
    assert!(
        ok && t.contains("Permissions already match") && t.contains("Dry run complete"),
        "{t}"
    );
    let (ok, t) = run(&["setup-groups"]);
    assert!(
        ok && t.contains("Group already exists.") && !t.contains("Created group."),
        "{t}"
    );
    let (ok, t) = run(&["setup-groups", "--list"]);
    assert!(ok && t.contains("Registry Manager (24 permissions)"), "{t}");

    let example = repo_path("data/reference-data.example.json");
    let example = example.to_str().unwrap_or_default();
    let (ok, t) = run(&["load-reference-data", example]);
    assert!(ok && t.contains("service centres: 7 created"), "{t}");
    let (ok, t) = run(&["load-reference-data", example]);
    assert!(
        ok && t.contains("service centres: 0 created, 0 updated, 7 unchanged"),
        "{t}"
    );

    let out = bin(sqlite)
        .args(["create-superuser", "--no-input", "--username", "admin"])
        .env("SUPERUSER_PASSWORD", "a sufficiently long password")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    let out = bin(sqlite)
        .args(["create-superuser", "--no-input", "--username", "admin"])
        .env("SUPERUSER_PASSWORD", "a sufficiently long password")
        .output()
        .expect("run");
    assert!(
        !out.status.success() && text(&out).contains("already exists"),
        "{}",
        text(&out)
    );

    let (ok, t) = run(&["migrate", "down", "--all"]);
    assert!(ok, "{t}");
    let (ok, t) = run(&["migrate", "status"]);
    assert!(ok && !t.contains("[applied]"), "{t}");
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    l.local_addr().expect("addr").port()
}

/// Starts `serve` on a free port; returns the child and its port.
fn spawn_serve(dir: &Path, env: &[(&str, &str)]) -> (std::process::Child, u16) {
    let port = free_port();
    let mut cmd = bin(dir);
    cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    (cmd.spawn().expect("spawn"), port)
}

/// Polls the readiness endpoint through the binary's own `healthcheck` command.
async fn wait_ready(port: u16) -> bool {
    for _ in 0..150 {
        let out = Command::new(env!("CARGO_BIN_EXE_service-registry"))
            .args(["healthcheck", "--url", &format!("http://127.0.0.1:{port}")])
            .output()
            .expect("healthcheck");
        if out.status.success() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    false
}

fn stop(child: &mut std::process::Child) -> std::process::ExitStatus {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().expect("wait")
}

#[tokio::test]
async fn serve_answers_home_and_health_then_stops_on_sigterm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let (mut child, port) = spawn_serve(dir, &[]);
    let ready = wait_ready(port).await;
    let home = if ready {
        fetch(port, "/").await
    } else {
        String::new()
    };
    let status = stop(&mut child);
    assert!(ready, "server never became ready");
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");
    assert!(home.contains("Service Registration Platform"));
    assert!(
        dir.join("registry.sqlite3").exists(),
        "embedded SQLite default under DATA_DIR"
    );
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
}

#[tokio::test]
async fn two_servers_starting_at_once_on_a_fresh_postgres_database_both_come_up() {
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
    let Some(url) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SKIPPED: TEST_DATABASE_URL is not set (.ci/run sets it)");
        return;
    };
    let name = format!("sr_race_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&url).await.expect("connect");
    let exec = |sql: String| Statement::from_string(DbBackend::Postgres, sql);
    admin
        .execute_raw(exec(format!("CREATE DATABASE {name}")))
        .await
        .expect("create db");
    let (base, _) = url.rsplit_once('/').expect("database URL has a path");
    let db_url = format!("{base}/{name}");
    let env = [
        ("DATABASE_URL", db_url.as_str()),
        (
            "SECRET_KEY",
            "race-test-secret-0123456789-0123456789-0123456789",
        ),
    ];

    let (t1, t2) = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let (mut a, port_a) = spawn_serve(t1.path(), &env);
    let (mut b, port_b) = spawn_serve(t2.path(), &env);
    let (ready_a, ready_b) = tokio::join!(wait_ready(port_a), wait_ready(port_b));
    let (sa, sb) = (stop(&mut a), stop(&mut b));
    let _ = admin
        .execute_raw(exec(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .await;
    assert!(
        ready_a && ready_b,
        "both servers must come up (a: {ready_a}, b: {ready_b})"
    );
    assert!(sa.success() && sb.success());
}

async fn fetch(port: u16, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    String::from_utf8_lossy(&buf).to_string()
}
