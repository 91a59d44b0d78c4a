//! Test harness: a fresh database per test (an SQLite file, or a PostgreSQL schema of its own when
//! `TEST_DATABASE_URL` is set) and the real router, driven in-process.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use service_registry::app::{AppState, router_with_extra};
use service_registry::config::{Config, DatabaseConfig, EnvSource, Overrides};
use std::path::PathBuf;
use tempfile::TempDir;
use tower::ServiceExt;

pub fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A fresh, empty database for one test, plus what is needed to connect to it.
pub struct TestDb {
    pub cfg: DatabaseConfig,
    pub search_path: Option<String>,
    pub dir: TempDir,
}

impl TestDb {
    /// An SQLite database whatever `TEST_DATABASE_URL` says (for tests that need both backends).
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        Self {
            cfg: DatabaseConfig::Sqlite {
                path: dir.path().join("test.sqlite3"),
            },
            search_path: None,
            dir,
        }
    }

    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(url) => {
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&url)
                    .await
                    .expect("connect TEST_DATABASE_URL");
                admin
                    .execute_raw(Statement::from_string(
                        DbBackend::Postgres,
                        format!("CREATE SCHEMA {schema}"),
                    ))
                    .await
                    .expect("create schema");
                let _ = admin.close().await;
                Self {
                    cfg: DatabaseConfig::Postgres {
                        url: service_registry::config::Secret::new(url.clone()),
                        display: url,
                    },
                    search_path: Some(schema),
                    dir,
                }
            }
            None => Self {
                cfg: DatabaseConfig::Sqlite {
                    path: dir.path().join("test.sqlite3"),
                },
                search_path: None,
                dir,
            },
        }
    }

    pub async fn connect(&self) -> sea_orm::DatabaseConnection {
        service_registry::db::connect_with(&self.cfg, self.search_path.as_deref(), Some(4))
            .await
            .expect("connect test database")
    }

    /// A fresh database with the migrations applied (no roles, no seed) and a connection to it.
    pub async fn migrated() -> (Self, sea_orm::DatabaseConnection) {
        let t = Self::new().await;
        service_registry::db::migrate_up(&t.cfg, t.search_path.as_deref())
            .await
            .expect("migrate");
        let db = t.connect().await;
        (t, db)
    }

    /// Names of the tables in this test's database/schema.
    pub async fn tables(&self) -> Vec<String> {
        let db = self.connect().await;
        let sql = match self.cfg {
            DatabaseConfig::Sqlite { .. } => {
                "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                    .to_string()
            }
            DatabaseConfig::Postgres { .. } => format!(
                "SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = '{}' ORDER BY table_name",
                self.search_path.as_deref().unwrap_or("public")
            ),
        };
        let rows = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect("list tables");
        rows.iter()
            .filter_map(|r| r.try_get::<String>("", "t").ok())
            .collect()
    }
}

/// Environment for a test configuration: development mode, shipped site.toml, data under the temp dir.
pub fn test_env(db: &TestDb, extra: &[(&str, &str)]) -> EnvSource {
    let mut pairs: Vec<(String, String)> = vec![
        ("ENVIRONMENT".into(), "development".into()),
        (
            "SECRET_KEY".into(),
            "test-secret-key-that-is-long-enough-for-the-checks-0123456789".into(),
        ),
        ("DATA_DIR".into(), db.dir.path().display().to_string()),
        (
            "SITE_CONFIG".into(),
            repo_path("config/site.toml").display().to_string(),
        ),
    ];
    if let DatabaseConfig::Sqlite { path } = &db.cfg {
        pairs.push((
            "DATABASE_URL".into(),
            format!("sqlite://{}", path.display()),
        ));
    }
    for (k, v) in extra {
        pairs.retain(|(key, _)| key != k);
        pairs.push((k.to_string(), v.to_string()));
    }
    EnvSource::from_pairs(pairs)
}

pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
    pub router: Router,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::build(&[], Router::new()).await
    }

    /// An app whose configuration has these extra environment variables and these extra `/api/v1` routes.
    pub async fn build(extra_env: &[(&str, &str)], extra_api: Router<AppState>) -> Self {
        Self::build_with(extra_env, extra_api, Router::new()).await
    }

    /// Like [`TestApp::build`], with extra page routes merged in beside the real ones (test-only
    /// handlers that exercise the form-security kit through every layer).
    pub async fn build_with(
        extra_env: &[(&str, &str)],
        extra_api: Router<AppState>,
        extra_pages: Router<AppState>,
    ) -> Self {
        Self::build_on(TestDb::new().await, extra_env, extra_api, extra_pages).await
    }

    /// The app on a given database (prepared like at start-up: migrations, roles, seed when empty).
    pub async fn on(db: TestDb, extra_env: &[(&str, &str)]) -> Self {
        Self::build_on(db, extra_env, Router::new(), Router::new()).await
    }

    async fn build_on(
        db: TestDb,
        extra_env: &[(&str, &str)],
        extra_api: Router<AppState>,
        extra_pages: Router<AppState>,
    ) -> Self {
        service_registry::app::prepare_database(&db.cfg, db.search_path.as_deref())
            .await
            .expect("prepare database");
        let mut config =
            Config::load(&test_env(&db, extra_env), &Overrides::default()).expect("config");
        config.database = db.cfg.clone();
        let conn = db.connect().await;
        let state = AppState::build(config, conn).await.expect("state");
        let router = router_with_extra(state.clone(), extra_api, extra_pages);
        Self { db, state, router }
    }

    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).expect("request"))
            .await
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> TestResponse {
        self.send(
            Request::builder()
                .method(method)
                .uri(path)
                .header("content-type", content_type)
                .body(Body::from(body.to_string()))
                .expect("request"),
        )
        .await
    }
}

/// Shared test data under `../shared/data`, or `None` (with a visible note) in a clone without it.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let p = repo_path("../shared/data").join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (../shared is not beside this clone)",
            p.display()
        );
        None
    }
}

/// What one run of the binary wrote, each stream on its own.
pub struct BinOutput {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary with a clean environment and its data under `dir`, keeping stdout and stderr apart.
pub fn run_bin_split(dir: &std::path::Path, args: &[&str]) -> BinOutput {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_service-registry"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", dir)
        .env("SITE_CONFIG", repo_path("config/site.toml"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run the binary");
    BinOutput {
        success: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the binary with a clean environment and its data under `dir`: (success, stdout + stderr).
pub fn run_bin(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = run_bin_split(dir, args);
    (out.success, format!("{}{}", out.stdout, out.stderr))
}
