//! `/api/v1/submissions/`: public registration, admin listing, and reading/updating one submission with
//! its own key (or an admin key). Handlers only extract, call the service and shape the response.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::body::{LogoChange, SubmissionBody};
use super::input::{NewSubmission, RawSubmission};
use super::model::{FieldErrors, PrimaryTag, SecondaryTag, Status, SubmissionId};
use super::repo::{self, ListFilter, Ordering};
use super::schema::{
    SubmissionCreate, SubmissionCreateForm, SubmissionListQuery, SubmissionPatch,
    SubmissionPatchForm,
};
use super::service::{self, Ctx, LogoUpdate, Origin};
use super::view::{SubmissionView, view};
use crate::api::auth::ApiPrincipal;
use crate::api::openapi::ErrorEnvelope;
use crate::api::pagination::{Page, PageParams, PageQuery, list_url, query_pairs};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The absolute site root (`https://host/`) of a request: its `Host` when that host is allowed, else the
/// configured site URL.
pub fn site_root(state: &AppState, parts: &Parts) -> String {
    format!("{}/", crate::web::client::origin(&state.config, parts))
}

/// The created submission with its key, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedSubmission {
    #[serde(flatten)]
    pub submission: SubmissionView,
    /// The submission's API key. It is shown only in this response and cannot be recovered.
    pub api_key: String,
    pub api_key_warning: String,
}

pub fn client_origin(state: &AppState, parts: &Parts) -> Origin {
    Origin {
        ip: crate::web::client::client_ip(parts, &state.config.forwarded_allow_ips)
            .map(|ip| ip.to_string()),
        user_agent: parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        form_id: None,
    }
}

/// Sniffs, checks and re-encodes an uploaded logo (off the async threads); a refusal is a field error.
async fn logo_update(state: &AppState, change: LogoChange) -> AppResult<Option<LogoUpdate>> {
    match change {
        LogoChange::Keep => Ok(None),
        LogoChange::Remove => Ok(Some(LogoUpdate::Remove)),
        LogoChange::Upload(bytes) => {
            let max = state.config.site.uploads.logo_max_bytes;
            match super::logo::process_off_thread(bytes, max).await {
                Ok(p) => Ok(Some(LogoUpdate::New(p))),
                Err(e) => Err(FieldErrors::single("logo", e.to_string()).into()),
            }
        }
    }
}

fn parse<T: for<'a> TryFrom<&'a RawSubmission, Error = FieldErrors>>(
    raw: &RawSubmission,
) -> AppResult<T> {
    T::try_from(raw).map_err(AppError::from)
}

/// Register a service (public). The response carries the submission's API key, once.
#[utoipa::path(post, path = "/api/v1/submissions/", operation_id = "create_submission", tag = "submissions",
    request_body(description = "The submission's fields, as JSON or as multipart form data (with an optional `logo` file)",
        content((SubmissionCreate = "application/json"), (SubmissionCreateForm = "multipart/form-data"))),
    responses(
        (status = 201, description = "Created; `api_key` is shown only here", body = CreatedSubmission),
        (status = 400, description = "Malformed body, or validation errors for every invalid field under `error.details`", body = ErrorEnvelope),
        (status = 413, description = "Body larger than `MAX_BODY_BYTES`", body = ErrorEnvelope),
        (status = 415, description = "Body is neither `application/json` nor `multipart/form-data`", body = ErrorEnvelope),
        (status = 429, description = "Too many registrations from this client (`RATE_LIMIT_API_ANON`)", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds until the limit resets"))),
    ))]
pub async fn create(
    State(state): State<AppState>,
    parts: Parts,
    body: SubmissionBody,
) -> AppResult<Response> {
    let input: NewSubmission = parse(&body.fields)?;
    let logo = logo_update(&state, body.logo).await?;
    let ctx = Ctx::new(&state);
    let (record, key) = service::create(&ctx, &input, logo, &client_origin(&state, &parts)).await?;
    let submission = one_view(&state, &record, &site_root(&state, &parts)).await?;
    let body = CreatedSubmission {
        submission,
        api_key: key,
        api_key_warning: "Store this API key now: it is shown only once and cannot be recovered."
            .into(),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The sort orders of the list (documented in the query schema).
pub const ORDERINGS: [&str; 6] = [
    "submitted_at",
    "-submitted_at",
    "updated_at",
    "-updated_at",
    "service_name",
    "-service_name",
];

/// A filter value outside its fixed set is refused (400) rather than matching nothing.
fn check_choice(name: &str, value: &str, allowed: &[&str]) -> AppResult<()> {
    if allowed.contains(&value) {
        return Ok(());
    }
    let shown: String = crate::text::clean_text(value).chars().take(40).collect();
    Err(AppError::BadRequest(format!(
        "Unknown {name} '{shown}': use one of {}.",
        allowed.join(", ")
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListFilters {
    pub status: Option<String>,
    /// Short name of the service centre.
    pub service_center: Option<String>,
    pub year_established: Option<i32>,
    pub register_as_elixir: Option<bool>,
    pub primary_maturity_tag: Option<String>,
    pub secondary_maturity_tags: Option<String>,
    /// `submitted_at`, `updated_at`, `service_name`, optionally prefixed with `-` (default `-submitted_at`).
    pub ordering: Option<String>,
    /// 1-based page number, or `last`. Past the end → 404.
    #[param(value_type = Option<String>, pattern = r"^([1-9][0-9]*|last)$", example = "2")]
    pub page: Option<String>,
    /// Items per page (default `API_PAGE_SIZE`, capped at `API_MAX_PAGE_SIZE`).
    #[param(value_type = Option<u64>, minimum = 1)]
    pub page_size: Option<String>,
}

/// All submissions (admin key, read or full scope), filtered and paginated.
#[utoipa::path(get, path = "/api/v1/submissions/", operation_id = "list_submissions", tag = "submissions", params(SubmissionListQuery),
    security(("AdminKey" = [])),
    responses((status = 200, description = "One page of submissions", body = Page<SubmissionView>),
        (status = 400, description = "A malformed or unknown filter value, or an invalid page_size", body = ErrorEnvelope),
        (status = 403, description = "No valid admin key", body = ErrorEnvelope),
        (status = 404, description = "Invalid page: 0, not a number, or past the end", body = ErrorEnvelope),
        (status = 429, description = "Rate limit of this key exceeded", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds until the limit resets")))))]
pub async fn list(
    State(state): State<AppState>,
    parts: Parts,
    ApiPrincipal(principal): ApiPrincipal,
    Query(f): Query<ListFilters>,
) -> AppResult<Json<Page<SubmissionView>>> {
    principal.require_admin()?;
    let filter = list_filter(&f)?;
    // The page parameters are checked before the database is asked anything.
    let page = PageQuery::parse(
        &PageParams {
            page: f.page,
            page_size: f.page_size,
        },
        state.config.api_page_size,
        state.config.api_max_page_size,
    )?;
    let count = repo::count(&state.db, &filter).await?;
    let req = page.resolve(count)?;
    let records = repo::page(&state.db, &filter, req.offset(), req.size).await?;
    let root = site_root(&state, &parts);
    let results = views(&state, &records, &root).await?;
    Ok(Json(req.wrap(
        count,
        results,
        &list_url(&state.config, &parts),
        &query_pairs(&parts),
    )))
}

/// The query's filters, each checked against its fixed set (in the order they are reported).
fn list_filter(f: &ListFilters) -> AppResult<ListFilter> {
    let mut filter = ListFilter::default();
    if let Some(s) = &f.status {
        check_choice("status", s, &super::lifecycle::STATUSES)?;
        filter.status = Status::parse(s);
    }
    filter.service_center = f.service_center.clone();
    filter.year_established = f.year_established;
    filter.register_as_elixir = f.register_as_elixir;
    if let Some(t) = &f.primary_maturity_tag {
        check_choice("primary_maturity_tag", t, &super::lifecycle::PRIMARY_TAGS)?;
        filter.primary_maturity_tag = PrimaryTag::ALL.into_iter().find(|p| p.code() == t);
    }
    // Comma-separated tags: every one must be present.
    for tag in f
        .secondary_maturity_tags
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
    {
        if tag.is_empty() {
            continue;
        }
        check_choice(
            "secondary_maturity_tags",
            tag,
            &super::lifecycle::SECONDARY_TAGS,
        )?;
        filter
            .secondary_maturity_tags
            .extend(SecondaryTag::ALL.into_iter().find(|s| s.code() == tag));
    }
    let ordering = f.ordering.as_deref().unwrap_or("-submitted_at");
    filter.ordering = Ordering::parse(ordering).ok_or_else(|| {
        AppError::BadRequest(format!(
            "Unknown ordering '{ordering}': use submitted_at, updated_at or service_name, optionally with a leading '-'."
        ))
    })?;
    Ok(filter)
}

/// A submission id from the path; one that is not a UUID (traversal attempts included) is simply not
/// found.
pub struct SubmissionPath(pub SubmissionId);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for SubmissionPath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        SubmissionId::parse(&raw)
            .map(Self)
            .ok_or_else(|| not_found().into_response())
    }
}

/// The API views of `records` with their bio.tools records nested (at most three queries for them all).
async fn views(
    state: &AppState,
    records: &[repo::SubmissionRecord],
    root: &str,
) -> AppResult<Vec<SubmissionView>> {
    let ids: Vec<uuid::Uuid> = records.iter().map(|r| r.row.id).collect();
    let mut biotools = crate::biotools::view::of_submissions(&state.db, &ids, root).await?;
    Ok(records
        .iter()
        .map(|r| {
            let mut v = view(r, root);
            v.biotoolsrecord = biotools.remove(&r.row.id);
            v
        })
        .collect())
}

async fn one_view(
    state: &AppState,
    record: &repo::SubmissionRecord,
    root: &str,
) -> AppResult<SubmissionView> {
    views(state, std::slice::from_ref(record), root)
        .await?
        .pop()
        .ok_or_else(not_found)
}

fn not_found() -> AppError {
    AppError::NotFound("Not found.".into())
}

/// One submission: its own key (any scope) or an admin key.
#[utoipa::path(get, path = "/api/v1/submissions/{id}/", operation_id = "get_submission", tag = "submissions",
    params(("id" = Uuid, Path, description = "Submission id")),
    security(("ApiKey" = []), ("AdminKey" = [])),
    responses((status = 200, body = SubmissionView),
        (status = 403, description = "No valid key", body = ErrorEnvelope),
        (status = 404, description = "Unknown, or not this key's submission", body = ErrorEnvelope),
        (status = 429, description = "Rate limit of this key exceeded", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds until the limit resets")))))]
pub async fn detail(
    State(state): State<AppState>,
    parts: Parts,
    ApiPrincipal(principal): ApiPrincipal,
    SubmissionPath(id): SubmissionPath,
) -> AppResult<Json<SubmissionView>> {
    let record = repo::load(&state.db, id).await?.ok_or_else(not_found)?;
    principal.require_read_submission(id.uuid())?;
    Ok(Json(
        one_view(&state, &record, &site_root(&state, &parts)).await?,
    ))
}

/// Partial update: its own write-scope key or a full admin key. Only changed values count: an approved
/// submission returns to review unless every changed field is exempt; no change → no log, no e-mail.
#[utoipa::path(patch, path = "/api/v1/submissions/{id}/", operation_id = "update_submission", tag = "submissions",
    params(("id" = Uuid, Path, description = "Submission id")),
    request_body(description = "Any subset of the submission's fields, as JSON or as multipart form data (with an optional `logo` file)",
        content((SubmissionPatch = "application/json"), (SubmissionPatchForm = "multipart/form-data"))),
    security(("ApiKey" = []), ("AdminKey" = [])),
    responses((status = 200, body = SubmissionView),
        (status = 400, description = "Malformed body, or validation errors under `error.details`", body = ErrorEnvelope),
        (status = 403, description = "No valid key, or a read-only key", body = ErrorEnvelope),
        (status = 404, description = "Unknown, or not this key's submission", body = ErrorEnvelope),
        (status = 413, description = "Body larger than `MAX_BODY_BYTES`", body = ErrorEnvelope),
        (status = 415, description = "Body is neither `application/json` nor `multipart/form-data`", body = ErrorEnvelope),
        (status = 429, description = "Rate limit of this key exceeded", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds until the limit resets")))))]
pub async fn update(
    State(state): State<AppState>,
    parts: Parts,
    ApiPrincipal(principal): ApiPrincipal,
    SubmissionPath(id): SubmissionPath,
    body: SubmissionBody,
) -> AppResult<Json<SubmissionView>> {
    // Unknown before forbidden, as for every keyed path; the update itself reads the record again
    // inside its transaction.
    repo::row(&state.db, id.uuid())
        .await?
        .ok_or_else(not_found)?;
    principal.require_write_submission(id.uuid())?;
    let input: super::input::SubmissionPatch = parse(&body.fields)?;
    let logo = logo_update(&state, body.logo).await?;
    let ctx = Ctx::new(&state);
    let (record, _) = service::patch(&ctx, id, &input, logo, &principal.actor()).await?;
    Ok(Json(
        one_view(&state, &record, &site_root(&state, &parts)).await?,
    ))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(
        crate::submissions::view::SubmissionView,
        crate::submissions::view::CategoryRef,
        crate::submissions::view::CenterRef,
        crate::submissions::view::PiRef,
        crate::submissions::view::EdamRef,
        crate::submissions::view::ResourceLinks,
        CreatedSubmission,
        crate::submissions::schema::SubmissionCreate,
        crate::submissions::schema::SubmissionCreateForm,
        crate::submissions::schema::SubmissionPatch,
        crate::submissions::schema::SubmissionPatchForm,
    )),
    tags((name = "submissions", description = "Service registrations: public create, keyed read and update"))
)]
struct SubmissionsDoc;

/// `/api/v1/submissions/…`, documented.
pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    use utoipa::OpenApi;
    // Anonymous registration is limited per client address (RATE_LIMIT_API_ANON).
    let (schemas, paths, create_route) = routes!(create);
    let create_route = create_route.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        crate::web::rate_limit::anonymous_layer,
    ));
    let mut router = OpenApiRouter::with_openapi(SubmissionsDoc::openapi())
        .routes(routes!(list))
        .routes((schemas, paths, create_route))
        .routes(routes!(detail, update));
    tune_list_parameters(router.get_openapi_mut());
    router
}

/// What the parameter derive cannot say about the list's filters: `secondary_maturity_tags` is one
/// comma-separated value, and the default of `ordering`.
fn tune_list_parameters(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterStyle;
    crate::api::openapi::for_each_parameter(doc, |p| {
        if p.name == "secondary_maturity_tags" {
            p.style = Some(ParameterStyle::Form);
            p.explode = Some(false);
            p.description = Some(
                "Comma-separated secondary maturity tags; a submission must carry every one."
                    .into(),
            );
        } else if p.name == "ordering" {
            p.description = Some("Sort order (default `-submitted_at`: newest first).".into());
        }
    });
}
