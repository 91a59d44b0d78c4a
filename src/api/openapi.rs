//! The OpenAPI 3.1 document (`/api/schema/`, YAML by default, JSON with `?format=json`) and the Swagger UI
//! and ReDoc pages, served from vendored files with no external URL.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::openapi::schema::{
    KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::{OpenApi, ToSchema};

use crate::app::AppState;
use crate::error::AppError;
use crate::web::{PageContext, render};

#[derive(OpenApi)]
#[openapi(
    paths(
        crate::health::live,
        crate::health::ready,
        crate::edam::api::list,
        crate::edam::api::detail,
        crate::api::root::root,
        crate::registry::api_types::paths::list_categories,
        crate::registry::api_types::paths::create_category,
        crate::registry::api_types::paths::get_category,
        crate::registry::api_types::paths::put_category,
        crate::registry::api_types::paths::patch_category,
        crate::registry::api_types::paths::delete_category,
        crate::registry::api_types::paths::list_centers,
        crate::registry::api_types::paths::create_center,
        crate::registry::api_types::paths::get_center,
        crate::registry::api_types::paths::put_center,
        crate::registry::api_types::paths::patch_center,
        crate::registry::api_types::paths::delete_center,
        crate::registry::api_types::paths::list_pis,
        crate::registry::api_types::paths::create_pi,
        crate::registry::api_types::paths::get_pi,
        crate::registry::api_types::paths::put_pi,
        crate::registry::api_types::paths::patch_pi,
        crate::registry::api_types::paths::delete_pi,
        crate::submissions::api::create,
        crate::submissions::api::list,
        crate::submissions::api::detail,
        crate::submissions::api::update,
    ),
    components(schemas(
        crate::health::HealthStatus,
        crate::edam::api::EdamItem,
        crate::edam::api::EdamDetail,
        crate::edam::api::ParentRef,
        crate::edam::model::Branch,
        crate::api::root::ApiRoot,
        crate::registry::api_types::CategoryWrite,
        crate::registry::api_types::CategoryOut,
        crate::registry::api_types::ServiceCenterWrite,
        crate::registry::api_types::ServiceCenterOut,
        crate::registry::api_types::PiWrite,
        crate::registry::api_types::PiOut,
        crate::submissions::view::SubmissionView,
        crate::submissions::view::CategoryRef,
        crate::submissions::view::CenterRef,
        crate::submissions::view::PiRef,
        crate::submissions::view::EdamRef,
        crate::submissions::view::Links,
        crate::submissions::api::CreatedSubmission,
        crate::submissions::schema::SubmissionCreate,
        crate::submissions::schema::SubmissionCreateForm,
        crate::submissions::schema::SubmissionPatch,
        crate::submissions::schema::SubmissionPatchForm,
        crate::registry::api_types::CategoryCreate,
        crate::registry::api_types::ServiceCenterCreate,
        crate::registry::api_types::PiCreate,
        ErrorEnvelope,
        ErrorBody,
    )),
    tags(
        (name = "edam", description = "EDAM ontology terms (public, no authentication)"),
        (name = "api", description = "The API root: links to every collection (any valid key)"),
        (name = "reference-data", description = "Service categories, service centres and PIs (admin key; read scope: GET only)"),
        (name = "submissions", description = "Service registrations: public create, keyed read and update"),
        (name = "health", description = "Liveness and readiness probes for load balancers and orchestrators"),
    )
)]
struct ApiDoc;

/// The body of every error response under `/api/`.
#[derive(Debug, ToSchema)]
#[schema(example = json!({"error": {"status": 400, "code": "validation_error", "message": "Invalid input.", "details": {"service_name": ["This field is required."]}}, "request_id": "5f0b2c1e9a7d4e3f"}))]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
    /// Equals the response's `X-Request-ID` header.
    pub request_id: String,
}

#[derive(Debug, ToSchema)]
pub struct ErrorBody {
    /// The HTTP status code.
    pub status: u16,
    /// Machine-readable: `bad_request`, `malformed_json`, `invalid_json`, `validation_error`, `forbidden`,
    /// `not_found`, `method_not_allowed`, `payload_too_large`, `unsupported_media_type`, `rate_limited`,
    /// `unavailable`, `internal_error`.
    pub code: String,
    /// For people; may change between releases.
    pub message: String,
    /// Validation errors only: every invalid field with its messages (`non_field_errors` for the body as a
    /// whole), all reported at once.
    #[schema(nullable = false)]
    pub details: Option<BTreeMap<String, Vec<String>>>,
}

/// `page`: a 1-based page number, or `last`.
pub fn page_schema() -> Schema {
    Schema::OneOf(
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(1)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["last"])),
            )
            .build(),
    )
}

/// `page_size`: any integer of at least 1. No `format`: a value too large for 64 bits is still
/// accepted and capped at `API_MAX_PAGE_SIZE` like any other, so the document must not bound it.
pub fn page_size_schema() -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .build(),
    )
}

/// A string parameter with a fixed set of values.
pub fn choice_schema(values: &[&str]) -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied()))
            .build(),
    )
}

/// What the parameter derive cannot say next to `schema_with`: `page_size`'s maximum (the configured
/// largest page) and that `secondary_maturity_tags` is one comma-separated value.
fn tune_parameters(doc: &mut utoipa::openapi::OpenApi, max_page_size: u64) {
    use utoipa::openapi::path::ParameterStyle;
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            for p in op.parameters.iter_mut().flatten() {
                match p.name.as_str() {
                    "page_size" => {
                        // Larger values are capped, as the original does, so they are valid input:
                        // the schema has no `maximum`, the description says where the cap is.
                        p.description = Some(format!(
                            "Items per page, at least 1; larger values than {max_page_size} \
                             (`API_MAX_PAGE_SIZE`) are capped to it."
                        ));
                    }
                    "page" => {
                        p.description = Some(
                            "1-based page number, or `last`; a page past the end is 404.".into(),
                        );
                    }
                    "secondary_maturity_tags" => {
                        p.style = Some(ParameterStyle::Form);
                        p.explode = Some(false);
                        p.description = Some(
                            "Comma-separated secondary maturity tags; a submission must carry every one."
                                .into(),
                        );
                    }
                    "ordering" => {
                        p.description =
                            Some("Sort order (default `-submitted_at`: newest first).".into());
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The document with the site's title, version, licence and contact filled in.
pub fn document(state: &AppState) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    add_key_schemes(&mut doc);
    tune_parameters(&mut doc, state.config.api_max_page_size);
    let site = &state.config.site;
    doc.info.title = site.api.title.clone();
    doc.info.version = site.api.version.clone();
    doc.info.description = Some(format!(
        "REST API of the {}. Submission keys use `Authorization: ApiKey <key>`, admin keys \
         `Authorization: AdminKey <key>`. Errors always have the shape \
         `{{\"error\": {{\"status\", \"code\", \"message\", \"details\"?}}, \"request_id\"}}`.",
        site.site.name
    ));
    doc.info.license = Some(utoipa::openapi::License::new(site.api.license_name.clone()));
    let mut contact = utoipa::openapi::Contact::new();
    contact.email = Some(site.contact.email.clone());
    if !site.site.url.is_empty() {
        contact.url = Some(site.site.url.clone());
    }
    doc.info.contact = Some(contact);
    doc
}

/// `Authorization: AdminKey <key>` and `Authorization: ApiKey <key>` as security schemes.
fn add_key_schemes(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, what) in [
        (
            "AdminKey",
            "Admin key: `Authorization: AdminKey <key>` (scope read or full).",
        ),
        (
            "ApiKey",
            "Submission key: `Authorization: ApiKey <key>` (scope read or write).",
        ),
    ] {
        components.add_security_scheme(
            name,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                what,
            ))),
        );
    }
}

#[derive(Deserialize)]
struct SchemaQuery {
    format: Option<String>,
}

async fn schema(
    State(state): State<AppState>,
    Query(q): Query<SchemaQuery>,
) -> Result<Response, AppError> {
    let doc = document(&state);
    let (body, content_type) = match q.format.as_deref() {
        Some("json") => (
            doc.to_pretty_json().map_err(AppError::internal)?,
            "application/vnd.oai.openapi+json; charset=utf-8",
        ),
        None | Some("yaml") => (
            doc.to_yaml().map_err(AppError::internal)?,
            "application/vnd.oai.openapi; charset=utf-8",
        ),
        Some(other) => {
            return Err(AppError::BadRequest(format!(
                "Unknown format '{other}': use 'yaml' (default) or 'json'."
            )));
        }
    };
    let mut resp = body.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(resp)
}

/// Where the documentation pages load the document from.
const SPEC_URL: &str = "/api/schema/?format=json";

async fn swagger(State(state): State<AppState>, page: PageContext) -> Result<Response, AppError> {
    render(
        &state,
        "api/swagger.html",
        &page,
        context! { spec_url => minijinja::Value::from_safe_string(SPEC_URL.into()) },
    )
}

async fn redoc(State(state): State<AppState>, page: PageContext) -> Result<Response, AppError> {
    render(
        &state,
        "api/redoc.html",
        &page,
        context! { spec_url => minijinja::Value::from_safe_string(SPEC_URL.into()) },
    )
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/schema/", get(schema))
        .route("/api/docs/", get(swagger))
        .route("/api/redoc/", get(redoc))
}
