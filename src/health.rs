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
use std::sync::atomic::Ordering;
use std::time::Duration;
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
    // Checks run side by side so the whole answer stays within one timeout.
    let database = async {
        match tokio::time::timeout(CHECK_TIMEOUT, database_check(&state)).await {
            Ok(result) => result,
            Err(_) => Err("timed out".to_string()),
        }
    };
    let redis = async {
        match &state.redis {
            None => Ok(()),
            Some(client) => match tokio::time::timeout(CHECK_TIMEOUT, redis_check(client)).await {
                Ok(result) => result,
                Err(_) => Err("timed out".to_string()),
            },
        }
    };
    let (database, redis) = tokio::join!(database, redis);
    let failed: Vec<String> = [("database", database), ("redis", redis)]
        .into_iter()
        .filter_map(|(name, r)| r.err().map(|e| format!("{name}: {e}")))
        .collect();
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

/// One ping per call; the migration state is read until it is first seen complete, then remembered.
async fn database_check(state: &AppState) -> Result<(), String> {
    crate::db::ping(&state.db)
        .await
        .map_err(|_| "unreachable".to_string())?;
    if state.migrations_applied.load(Ordering::Relaxed) {
        return Ok(());
    }
    match crate::db::pending_migrations(&state.db).await {
        Ok(0) => {
            state.migrations_applied.store(true, Ordering::Relaxed);
            Ok(())
        }
        Ok(n) => Err(format!("{n} migration(s) not applied")),
        Err(_) => Err("migration status unavailable".to_string()),
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
