//! Health probes: `/health/live/` (the process answers) and `/health/ready/` (database reachable,
//! migrations applied, Redis reachable when configured), always answered within a second.
//!
//! Both answer exactly `{"status": "ok"}`; a failed readiness check answers 503 `{"status": "degraded"}`
//! and names what failed only in the log, never to the (public) caller.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

/// Readiness must answer quickly even when a dependency hangs.
const CHECK_TIMEOUT: Duration = Duration::from_millis(800);

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct HealthStatus {
    /// `ok`, or `degraded` when a readiness check failed.
    #[schema(value_type = String, pattern = "^(ok|degraded)$")]
    pub status: &'static str,
}

#[utoipa::path(get, path = "/health/live/", tag = "health",
    responses((status = 200, description = "The process is up", body = HealthStatus)))]
pub async fn live() -> Json<HealthStatus> {
    Json(HealthStatus { status: "ok" })
}

#[utoipa::path(get, path = "/health/ready/", tag = "health",
    responses(
        (status = 200, description = "Ready to serve traffic: `{\"status\": \"ok\"}`", body = HealthStatus),
        (status = 503, description = "A dependency failed: `{\"status\": \"degraded\"}` (the log says which)", body = HealthStatus),
    ))]
pub async fn ready(State(state): State<AppState>) -> Response {
    let failed = state.readiness.clone().outcome(&state).await;
    let (status, body) = if failed.is_empty() {
        (StatusCode::OK, HealthStatus { status: "ok" })
    } else {
        tracing::warn!(failed = %failed.join("; "), "readiness check failed");
        (
            StatusCode::SERVICE_UNAVAILABLE,
            HealthStatus { status: "degraded" },
        )
    };
    (status, [("cache-control", "no-store")], Json(body)).into_response()
}

/// What failed, one line per dependency; empty when ready.
type Outcome = Arc<Vec<String>>;

/// The readiness checks of one process. Probes that arrive while a check is running wait for that check
/// instead of starting another, so a burst of probes costs one round trip per dependency per check; no
/// probe is answered from a check that had finished before it arrived. The check runs in its own task,
/// so a probe that gives up (client gone) never leaves the others waiting.
#[derive(Default)]
pub struct Readiness {
    running: std::sync::Mutex<Option<watch::Receiver<Option<Outcome>>>>,
    /// Set once a check has seen every migration applied; migrations only run at start-up, so from then
    /// on a check costs one database ping and nothing more.
    migrations_applied: AtomicBool,
}

impl Readiness {
    async fn outcome(self: Arc<Self>, state: &AppState) -> Outcome {
        let mut rx = {
            let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
            match running.as_ref() {
                Some(rx) => rx.clone(),
                None => {
                    let (tx, rx) = watch::channel(None);
                    *running = Some(rx.clone());
                    let (this, state) = (self.clone(), state.clone());
                    tokio::spawn(async move {
                        let outcome = Arc::new(this.check(&state).await);
                        *this.running.lock().unwrap_or_else(|p| p.into_inner()) = None;
                        let _ = tx.send(Some(outcome));
                    });
                    rx
                }
            }
        };
        match rx.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or_default(),
            // The check's task ended without an answer (it panicked).
            Err(_) => {
                *self.running.lock().unwrap_or_else(|p| p.into_inner()) = None;
                Arc::new(vec!["readiness check: failed to run".to_string()])
            }
        }
    }

    /// Every check, side by side so the whole answer stays within one timeout.
    async fn check(&self, state: &AppState) -> Vec<String> {
        let database = async {
            match tokio::time::timeout(CHECK_TIMEOUT, self.database_check(state)).await {
                Ok(result) => result,
                Err(_) => Err("timed out".to_string()),
            }
        };
        let redis = async {
            match &state.redis {
                None => Ok(()),
                Some(client) => {
                    match tokio::time::timeout(CHECK_TIMEOUT, redis_check(client)).await {
                        Ok(result) => result,
                        Err(_) => Err("timed out".to_string()),
                    }
                }
            }
        };
        let (database, redis) = tokio::join!(database, redis);
        [("database", database), ("redis", redis)]
            .into_iter()
            .filter_map(|(name, r)| r.err().map(|e| format!("{name}: {e}")))
            .collect()
    }

    /// One ping per check; the migration state is read until it is first seen complete, then remembered.
    async fn database_check(&self, state: &AppState) -> Result<(), String> {
        crate::db::ping(&state.db)
            .await
            .map_err(|_| "unreachable".to_string())?;
        if self.migrations_applied.load(Ordering::Relaxed) {
            return Ok(());
        }
        match crate::db::pending_migrations(&state.db).await {
            Ok(0) => {
                self.migrations_applied.store(true, Ordering::Relaxed);
                Ok(())
            }
            Ok(n) => Err(format!("{n} migration(s) not applied")),
            Err(_) => Err("migration status unavailable".to_string()),
        }
    }
}

async fn redis_check(client: &redis::Client) -> Result<(), String> {
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .map_err(|_| "unreachable".to_string())?;
    redis::cmd("PING")
        .query_async::<String>(&mut conn)
        .await
        .map(|_| ())
        .map_err(|_| "ping failed".to_string())
}

#[derive(OpenApi)]
#[openapi(
    components(schemas(HealthStatus)),
    tags((name = "health", description = "Liveness and readiness probes for load balancers and orchestrators"))
)]
struct HealthDoc;

/// The probes, documented.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(HealthDoc::openapi())
        .routes(routes!(live))
        .routes(routes!(ready))
}
