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
    let (ok, t) = run(&["migrate", "up"]);
    assert!(ok && t.contains("Applied"), "{t}");
    let (ok, t) = run(&["migrate", "status"]);
    assert!(ok && !t.contains("[pending]"), "{t}");
    let (ok, t) = run(&["setup-groups", "--dry-run"]);
    assert!(
        ok && t.contains("[DRY RUN] Would create group.") && t.contains("Dry run complete"),
        "{t}"
    );
    let (ok, t) = run(&["setup-groups", "--list"]);
    assert!(ok && t.contains("Registry Viewer: NOT CREATED"), "{t}");
    let (ok, t) = run(&["setup-groups"]);
    assert!(ok && t.contains("Created group."), "{t}");
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

#[tokio::test]
async fn serve_answers_home_and_health_then_stops_on_sigterm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        l.local_addr().expect("addr").port()
    };
    let mut child = bin(dir)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        let out = Command::new(env!("CARGO_BIN_EXE_service-registry"))
            .args(["healthcheck", "--url", &base])
            .output()
            .expect("healthcheck");
        if out.status.success() {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let home = fetch(port, "/").await;
    #[cfg(unix)]
    unsafe_free_sigterm(child.id());
    let status = child.wait().expect("wait");
    assert!(ready, "server never became ready");
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");
    assert!(home.contains("Service Registration Platform"));
    assert!(
        dir.join("registry.sqlite3").exists(),
        "embedded SQLite default under DATA_DIR"
    );
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
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

#[cfg(unix)]
fn unsafe_free_sigterm(pid: u32) {
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
}
