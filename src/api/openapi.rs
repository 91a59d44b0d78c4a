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

use crate::config::Config;
use crate::error::AppError;
use crate::web::templates::Templates;
use crate::web::{PageContext, render};
use axum::extract::FromRef;
use std::sync::Arc;

/// The document's shell: the error envelope every domain refers to. The paths, schemas and tags come
/// from the domains' routers (`utoipa_axum::router::OpenApiRouter`), which the application collects.
#[derive(OpenApi)]
#[openapi(components(schemas(ErrorEnvelope, ErrorBody)))]
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

/// Calls `f` on every parameter of every operation of `doc` (domains use it to say what the parameter
/// derive cannot say next to `schema_with`).
pub fn for_each_parameter(
    doc: &mut utoipa::openapi::OpenApi,
    mut f: impl FnMut(&mut utoipa::openapi::path::Parameter),
) {
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
            op.parameters.iter_mut().flatten().for_each(&mut f);
        }
    }
}

/// What the parameter derive cannot say about the pagination parameters: where `page_size` is capped
/// (the configured largest page) and what `page` accepts.
fn tune_parameters(doc: &mut utoipa::openapi::OpenApi, max_page_size: u64) {
    for_each_parameter(doc, |p| match p.name.as_str() {
        "page_size" => {
            // Larger values are capped, as the original does, so they are valid input:
            // the schema has no `maximum`, the description says where the cap is.
            p.description = Some(format!(
                "Items per page, at least 1; larger values than {max_page_size} \
                             (`API_MAX_PAGE_SIZE`) are capped to it."
            ));
        }
        "page" => {
            p.description =
                Some("1-based page number, or `last`; a page past the end is 404.".into());
        }
        _ => {}
    });
}

/// The whole document: the domains' paths and schemas (`paths`) in the shell, with the site's title,
/// version, licence and contact filled in.
pub fn document(config: &Config, paths: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = paths;
    doc.merge(ApiDoc::openapi());
    add_key_schemes(&mut doc);
    tune_parameters(&mut doc, config.api_max_page_size);
    let site = &config.site;
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

fn schema(doc: &utoipa::openapi::OpenApi, q: SchemaQuery) -> Result<Response, AppError> {
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

async fn swagger<S>(State(state): State<S>, page: PageContext) -> Result<Response, AppError>
where
    Arc<Templates>: FromRef<S>,
{
    render(
        &state,
        "api/swagger.html",
        &page,
        context! { spec_url => minijinja::Value::from_safe_string(SPEC_URL.into()) },
    )
}

async fn redoc<S>(State(state): State<S>, page: PageContext) -> Result<Response, AppError>
where
    Arc<Templates>: FromRef<S>,
{
    render(
        &state,
        "api/redoc.html",
        &page,
        context! { spec_url => minijinja::Value::from_safe_string(SPEC_URL.into()) },
    )
}

/// `/api/schema/` serving `doc` (built once: it depends only on the configuration), and the pages.
pub fn router<S>(doc: utoipa::openapi::OpenApi) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Templates>: FromRef<S>,
{
    let doc = Arc::new(doc);
    Router::new()
        .route(
            "/api/schema/",
            get(move |Query(q): Query<SchemaQuery>| {
                let doc = doc.clone();
                async move { schema(&doc, q) }
            }),
        )
        .route("/api/docs/", get(swagger::<S>))
        .route("/api/redoc/", get(redoc::<S>))
}
