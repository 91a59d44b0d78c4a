//! Health probes: `/health/live/` (the process answers) and `/health/ready/` (database reachable,
//! migrations applied, Redis reachable when configured), always answered within a second.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;
use utoipa::ToSchema;

use crate::app::AppState;

/// Readiness must answer quickly even when a dependency hangs.
const CHECK_TIMEOUT: Duration = Duration::from_millis(800);

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok` or `error`.
    pub status: &'static str,
    /// Per-check result (`ok` or what failed); only on readiness.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<&'static str, String>,
}

#[utoipa::path(get, path = "/health/live/", tag = "health",
    responses((status = 200, description = "The process is up", body = HealthStatus)))]
pub async fn live() -> Json<HealthStatus> {
    Json(HealthStatus {
        status: "ok",
        checks: BTreeMap::new(),
    })
}

#[utoipa::path(get, path = "/health/ready/", tag = "health",
    responses(
        (status = 200, description = "Ready to serve traffic", body = HealthStatus),
        (status = 503, description = "A dependency failed; `checks` names it", body = HealthStatus),
    ))]
pub async fn ready(State(state): State<AppState>) -> Response {
    // Checks run side by side so the whole answer stays within one timeout.
    let database = async {
        match tokio::time::timeout(CHECK_TIMEOUT, database_check(&state)).await {
            Ok(Ok(())) => "ok".to_string(),
            Ok(Err(e)) => e,
            Err(_) => "timed out".to_string(),
        }
    };
    let redis = async {
        match &state.redis {
            None => None,
            Some(client) => Some(
                match tokio::time::timeout(CHECK_TIMEOUT, redis_check(client)).await {
                    Ok(Ok(())) => "ok".to_string(),
                    Ok(Err(e)) => e,
                    Err(_) => "timed out".to_string(),
                },
            ),
        }
    };
    let (database, redis) = tokio::join!(database, redis);
    let mut checks = BTreeMap::new();
    checks.insert("database", database);
    if let Some(redis) = redis {
        checks.insert("redis", redis);
    }
    let healthy = checks.values().all(|v| v == "ok");
    if !healthy {
        tracing::warn!(?checks, "readiness check failed");
    }
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = HealthStatus {
        status: if healthy { "ok" } else { "error" },
        checks,
    };
    (status, [("cache-control", "no-store")], Json(body)).into_response()
}

async fn database_check(state: &AppState) -> Result<(), String> {
    crate::db::ping(&state.db)
        .await
        .map_err(|_| "unreachable".to_string())?;
    match crate::db::pending_migrations(&state.db).await {
        Ok(0) => Ok(()),
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

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health/live/", get(live))
        .route("/health/ready/", get(ready))
}
