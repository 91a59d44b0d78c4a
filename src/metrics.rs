//! `/metrics`: Prometheus metrics in the OpenMetrics text format (Prometheus' own exposition format,
//! which it scrapes natively). Request counts and latency by route template (axum's matched route, never
//! the raw path, so ids in paths cannot blow up the series), and, read from the database at scrape
//! time, the job queue by kind and state, bio.tools records whose last sync failed, and EDAM terms.
//!
//! Optional bearer token: with `METRICS_TOKEN` set, a scrape without `Authorization: Bearer <token>`
//! is answered 401, one with another token 403. The endpoint has no rate limit.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use std::sync::Arc;

use crate::error::AppError;
use crate::state::AppState;

pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    state: String,
}

fn latency_histogram() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ])
}

/// The registry and its series; one per application state.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    jobs: Family<JobLabels, Gauge>,
    biotools_sync_errors: Gauge,
    edam_terms: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("service_registry");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let jobs = Family::<JobLabels, Gauge>::default();
        let biotools_sync_errors = Gauge::default();
        let edam_terms = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by method and route template",
            latency.clone(),
        );
        registry.register(
            "jobs",
            "Background jobs in the queue, by kind and state (queued, running, done, failed)",
            jobs.clone(),
        );
        registry.register(
            "biotools_sync_errors",
            "bio.tools records whose last sync failed",
            biotools_sync_errors.clone(),
        );
        registry.register(
            "edam_terms",
            "EDAM terms in the database (obsolete ones included)",
            edam_terms.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            jobs,
            biotools_sync_errors,
            edam_terms,
        }
    }
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let (method, route) = (method.to_owned(), route.to_owned());
        self.latency
            .get_or_create(&RouteLabels {
                method: method.clone(),
                route: route.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status,
            })
            .inc();
    }
}

/// Route layer: counts and times every request that matched a route, labelled with its template.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let resp = next.run(req).await;
    if let Some(route) = route {
        metrics.observe(
            method.as_str(),
            route.as_str(),
            resp.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    resp
}

/// `GET /metrics`.
pub async fn serve(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if let Some(denied) = check_token(&state.config.metrics_token, &headers) {
        return Ok(denied);
    }
    refresh(&state).await?;
    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &state.metrics.registry)
        .map_err(AppError::internal)?;
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        body,
    )
        .into_response())
}

fn check_token(token: &crate::config::Secret, headers: &HeaderMap) -> Option<Response> {
    if token.is_empty() {
        return None;
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match presented {
        None => Some(
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
                "Metrics need a bearer token (Authorization: Bearer <METRICS_TOKEN>).\n",
            )
                .into_response(),
        ),
        Some(p)
            if bool::from(subtle::ConstantTimeEq::ct_eq(
                p.as_bytes(),
                token.expose().as_bytes(),
            )) =>
        {
            None
        }
        Some(_) => Some((StatusCode::FORBIDDEN, "Wrong metrics token.\n").into_response()),
    }
}

/// Reads the database-derived gauges (three aggregate queries).
async fn refresh(state: &AppState) -> Result<(), AppError> {
    use crate::biotools::entity::biotools_record as bt;
    use crate::edam::entity::edam_term;
    use crate::jobs::entity::job;
    let db = &state.db;
    let per_state: Vec<(String, String, i64)> = job::Entity::find()
        .select_only()
        .column(job::Column::Kind)
        .column(job::Column::State)
        .column_as(job::Column::Id.count(), "n")
        .group_by(job::Column::Kind)
        .group_by(job::Column::State)
        .into_tuple()
        .all(db)
        .await?;
    let m = &state.metrics;
    m.jobs.clear();
    for (kind, state, n) in per_state {
        m.jobs.get_or_create(&JobLabels { kind, state }).set(n);
    }
    let errors = bt::Entity::find()
        .filter(bt::Column::SyncError.ne(""))
        .count(db)
        .await?;
    m.biotools_sync_errors.set(errors as i64);
    m.edam_terms
        .set(edam_term::Entity::find().count(db).await? as i64);
    Ok(())
}
