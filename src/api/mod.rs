//! The REST API kit: JSON body extraction, the key principal, pagination, the API root and the
//! OpenAPI document's shell. It knows no domain: each domain brings its own `OpenApiRouter`, and the
//! application layer (`app.rs`) collects them.

pub mod auth;
pub mod json;
pub mod openapi;
pub mod pagination;
pub mod root;

/// The API contract's own semantic version (release runbook): bump MINOR for a new endpoint or optional
/// field, MAJOR for a breaking change, PATCH for fixes — independently of the application version.
pub const API_VERSION: &str = "1.1.0";
