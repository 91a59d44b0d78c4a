//! Request and response bodies of the reference-data API, and its OpenAPI path descriptions (the
//! `doc_*!` macros the handlers wear).
//!
//! Write bodies have every field optional so that missing required fields are reported together with
//! the other field errors (POST/PUT) and PATCH can change any subset; unknown fields are refused.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::entity::{
    principal_investigator as pi, service_category as cat, service_center as center,
};

/// Fields of a category to change (PATCH): any subset; `null` leaves a field as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Data analysis", "is_active": true}))]
pub struct CategoryWrite {
    /// At most 100 characters after sanitising, unique (case-insensitive).
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: Option<String>,
    pub is_active: Option<bool>,
}

/// A category to create (POST) or replace (PUT).
#[derive(Debug, ToSchema)]
#[schema(example = json!({"name": "Data analysis", "is_active": true}))]
pub struct CategoryCreate {
    /// 1–100 characters after sanitising, unique (case-insensitive).
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// Defaults to true.
    pub is_active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 3, "name": "Data analysis", "is_active": true}))]
pub struct CategoryOut {
    pub id: i64,
    pub name: String,
    pub is_active: bool,
}

impl From<cat::Model> for CategoryOut {
    fn from(m: cat::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            is_active: m.is_active,
        }
    }
}

/// Fields of a service centre to change (PATCH): any subset; `null` leaves a field as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"short_name": "HD-HuB", "full_name": "Heidelberg Center for Human Bioinformatics", "website": "https://www.hd-hub.de/"}))]
pub struct ServiceCenterWrite {
    /// 1–50 characters.
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub short_name: Option<String>,
    /// 1–300 characters.
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub full_name: Option<String>,
    /// Empty, or an `https://` URL of at most 200 characters (surrounding spaces are trimmed).
    #[schema(max_length = 200, pattern = r"^\s*(https://\S+)?\s*$")]
    pub website: Option<String>,
    pub is_active: Option<bool>,
}

/// A service centre to create (POST) or replace (PUT).
#[derive(Debug, ToSchema)]
#[schema(example = json!({"short_name": "HD-HuB", "full_name": "Heidelberg Center for Human Bioinformatics", "website": "https://www.hd-hub.de/"}))]
pub struct ServiceCenterCreate {
    /// 1–50 characters.
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub short_name: String,
    /// 1–300 characters.
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub full_name: String,
    /// Empty, or an `https://` URL of at most 200 characters (surrounding spaces are trimmed).
    #[schema(max_length = 200, pattern = r"^\s*(https://\S+)?\s*$")]
    pub website: Option<String>,
    /// Defaults to true.
    pub is_active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "6f1c2a9e-5a55-4f0e-9d8f-1a2b3c4d5e6f", "short_name": "HD-HuB", "full_name": "Heidelberg Center for Human Bioinformatics", "website": "https://www.hd-hub.de/", "is_active": true}))]
pub struct ServiceCenterOut {
    pub id: Uuid,
    pub short_name: String,
    pub full_name: String,
    pub website: String,
    pub is_active: bool,
}

impl From<center::Model> for ServiceCenterOut {
    fn from(m: center::Model) -> Self {
        Self {
            id: m.id,
            short_name: m.short_name,
            full_name: m.full_name,
            website: m.website,
            is_active: m.is_active,
        }
    }
}

/// Fields of a principal investigator to change (PATCH): any subset; `null` leaves a field as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"last_name": "Doe", "first_name": "Jane", "email": "jane.doe@example.org", "institute": "Example University", "orcid": "0000-0002-1825-0097"}))]
pub struct PiWrite {
    /// 1–100 characters.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub last_name: Option<String>,
    /// 1–100 characters.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub first_name: Option<String>,
    /// Empty, or an e-mail address (admin-only: never shown outside this API).
    #[schema(pattern = r"^\s*([^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)?\s*$")]
    pub email: Option<String>,
    /// At most 200 characters.
    #[schema(max_length = 200)]
    pub institute: Option<String>,
    /// Empty, or an ORCID iD with a valid check digit.
    #[schema(pattern = r"^\s*(\d{4}-\d{4}-\d{4}-\d{3}[\dX])?\s*$")]
    pub orcid: Option<String>,
    pub is_active: Option<bool>,
    pub is_associated_partner: Option<bool>,
}

/// A principal investigator to create (POST) or replace (PUT).
#[derive(Debug, ToSchema)]
#[schema(example = json!({"last_name": "Doe", "first_name": "Jane", "email": "jane.doe@example.org", "institute": "Example University", "orcid": "0000-0002-1825-0097"}))]
pub struct PiCreate {
    /// 1–100 characters.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub last_name: String,
    /// 1–100 characters.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub first_name: String,
    /// Empty, or an e-mail address (admin-only: never shown outside this API).
    #[schema(pattern = r"^\s*([^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)?\s*$")]
    pub email: Option<String>,
    /// At most 200 characters.
    #[schema(max_length = 200)]
    pub institute: Option<String>,
    /// Empty, or an ORCID iD with a valid check digit.
    #[schema(pattern = r"^\s*(\d{4}-\d{4}-\d{4}-\d{3}[\dX])?\s*$")]
    pub orcid: Option<String>,
    /// Defaults to true.
    pub is_active: Option<bool>,
    /// The associated-partner placeholder PI (defaults to false).
    pub is_associated_partner: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0b7e4a4c-3f7e-4e59-a1e4-2d9b7c1f0a11", "last_name": "Doe", "first_name": "Jane", "display_name": "Doe, Jane", "email": "jane.doe@example.org", "institute": "Example University", "orcid": "0000-0002-1825-0097", "is_active": true, "is_associated_partner": false}))]
pub struct PiOut {
    pub id: Uuid,
    pub last_name: String,
    pub first_name: String,
    /// `Last, First`, or the associated-partner placeholder.
    pub display_name: String,
    /// Only admin keys reach this API, so the e-mail is included here and nowhere else.
    pub email: String,
    pub institute: String,
    pub orcid: String,
    pub is_active: bool,
    pub is_associated_partner: bool,
}

/// What a PI is called in lists and forms.
pub fn display_name(m: &pi::Model) -> String {
    if m.is_associated_partner {
        "Associated partner [please state below]".into()
    } else if m.first_name.is_empty() {
        m.last_name.clone()
    } else {
        format!("{}, {}", m.last_name, m.first_name)
    }
}

impl From<pi::Model> for PiOut {
    fn from(m: pi::Model) -> Self {
        Self {
            display_name: display_name(&m),
            id: m.id,
            last_name: m.last_name,
            first_name: m.first_name,
            email: m.email,
            institute: m.institute,
            orcid: m.orcid,
            is_active: m.is_active,
            is_associated_partner: m.is_associated_partner,
        }
    }
}

/// The query of the reference-data lists, as documented (the handlers parse `registry::api::ListParams`).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `true`: active rows only; `false`: inactive (soft-deleted) rows only; absent: both.
    pub is_active: Option<bool>,
}

// The OpenAPI descriptions of the handlers in `api` and `api_pis`: the three resources share them, so each
// is written once here and put on a handler with `doc_list!(…; handler)` and so on (the handler files
// stay readable). Responses name `ErrorEnvelope` by full path: these expand in the handlers' modules.

macro_rules! doc_list {
    ($base:literal, $what:literal, $out:ty; $handler:item) => {
        #[utoipa::path(get, description = concat!("List ", $what, " (admin key, read or full scope), inactive ones included unless filtered."), path = $base, tag = "reference-data", params(crate::registry::api_types::ListQuery),
            security(("AdminKey" = [])),
            responses((status = 200, description = "Every row (a plain array, not paginated)", body = Vec<$out>),
                (status = 400, description = "A query parameter is malformed (e.g. `is_active` not `true`/`false`)", body = crate::api::openapi::ErrorEnvelope),
                (status = 403, description = "No valid admin key", body = crate::api::openapi::ErrorEnvelope),
                (status = 429, description = "Rate limit of this key exceeded", body = crate::api::openapi::ErrorEnvelope,
                    headers(("Retry-After" = u64, description = "Seconds until the limit resets")))))]
        $handler
    };
}

macro_rules! doc_create {
    ($base:literal, $what:literal, $create_body:ty, $out:ty; $handler:item) => {
        #[utoipa::path(post, description = concat!("Create one of the ", $what, " (full-scope admin key)."), path = $base, tag = "reference-data", request_body = $create_body,
            security(("AdminKey" = [])),
            responses((status = 201, description = "Created", body = $out),
                (status = 400, description = "Malformed JSON, or field errors (all at once, under `error.details`)", body = crate::api::openapi::ErrorEnvelope),
                (status = 403, description = "No valid admin key, or a read-only one", body = crate::api::openapi::ErrorEnvelope),
                (status = 413, description = "Body larger than `MAX_BODY_BYTES`", body = crate::api::openapi::ErrorEnvelope),
                (status = 415, description = "Body is not `application/json`", body = crate::api::openapi::ErrorEnvelope),
                (status = 429, description = "Rate limit of this key exceeded", body = crate::api::openapi::ErrorEnvelope,
                    headers(("Retry-After" = u64, description = "Seconds until the limit resets")))))]
        $handler
    };
}

macro_rules! doc_get {
    ($item:literal, $what:literal, $id:ty, $out:ty; $handler:item) => {
        #[utoipa::path(get, description = concat!("One of the ", $what, ", active or not (admin key, read or full scope)."), path = $item, tag = "reference-data", params(("id" = $id, Path)),
            security(("AdminKey" = [])),
            responses((status = 200, body = $out),
                (status = 403, description = "No valid admin key", body = crate::api::openapi::ErrorEnvelope),
                (status = 404, description = "No such row", body = crate::api::openapi::ErrorEnvelope),
                (status = 429, description = "Rate limit of this key exceeded", body = crate::api::openapi::ErrorEnvelope,
                    headers(("Retry-After" = u64, description = "Seconds until the limit resets")))))]
        $handler
    };
}

macro_rules! doc_put {
    ($item:literal, $what:literal, $id:ty, $create_body:ty, $out:ty; $handler:item) => {
        #[utoipa::path(put, description = concat!("Replace one of the ", $what, " (full-scope admin key): absent optional fields get their defaults."), path = $item, tag = "reference-data", params(("id" = $id, Path)),
            request_body = $create_body, security(("AdminKey" = [])),
            responses((status = 200, description = "Replaced", body = $out),
                (status = 400, description = "Malformed JSON, or field errors", body = crate::api::openapi::ErrorEnvelope),
                (status = 403, description = "No valid admin key, or a read-only one", body = crate::api::openapi::ErrorEnvelope),
                (status = 404, description = "No such row", body = crate::api::openapi::ErrorEnvelope),
                (status = 413, description = "Body larger than `MAX_BODY_BYTES`", body = crate::api::openapi::ErrorEnvelope),
                (status = 415, description = "Body is not `application/json`", body = crate::api::openapi::ErrorEnvelope),
                (status = 429, description = "Rate limit of this key exceeded", body = crate::api::openapi::ErrorEnvelope,
                    headers(("Retry-After" = u64, description = "Seconds until the limit resets")))))]
        $handler
    };
}

macro_rules! doc_patch {
    ($item:literal, $what:literal, $id:ty, $write:ty, $out:ty; $handler:item) => {
        #[utoipa::path(patch, description = concat!("Change the given fields of one of the ", $what, " (full-scope admin key)."), path = $item, tag = "reference-data", params(("id" = $id, Path)),
            request_body = $write, security(("AdminKey" = [])),
            responses((status = 200, description = "Updated", body = $out),
                (status = 400, description = "Malformed JSON, or field errors", body = crate::api::openapi::ErrorEnvelope),
                (status = 403, description = "No valid admin key, or a read-only one", body = crate::api::openapi::ErrorEnvelope),
                (status = 404, description = "No such row", body = crate::api::openapi::ErrorEnvelope),
                (status = 413, description = "Body larger than `MAX_BODY_BYTES`", body = crate::api::openapi::ErrorEnvelope),
                (status = 415, description = "Body is not `application/json`", body = crate::api::openapi::ErrorEnvelope),
                (status = 429, description = "Rate limit of this key exceeded", body = crate::api::openapi::ErrorEnvelope,
                    headers(("Retry-After" = u64, description = "Seconds until the limit resets")))))]
        $handler
    };
}

macro_rules! doc_delete {
    ($item:literal, $what:literal, $id:ty; $handler:item) => {
        #[utoipa::path(delete, description = concat!("Soft-delete one of the ", $what, " (full-scope admin key): the row is kept with \
            `is_active: false`, so submissions that use it stay linked; it is hidden from the registration \
            form and refused for new links, and `GET` still returns it. Deleting an inactive row again is a \
            no-op (204). Reactivate with `PATCH {\"is_active\": true}`."), path = $item, tag = "reference-data", params(("id" = $id, Path)),
            security(("AdminKey" = [])),
            responses((status = 204, description = "Deactivated (soft delete; idempotent)"),
                (status = 403, description = "No valid admin key, or a read-only one", body = crate::api::openapi::ErrorEnvelope),
                (status = 404, description = "No such row", body = crate::api::openapi::ErrorEnvelope),
                (status = 429, description = "Rate limit of this key exceeded", body = crate::api::openapi::ErrorEnvelope,
                    headers(("Retry-After" = u64, description = "Seconds until the limit resets")))))]
        $handler
    };
}

pub(crate) use {doc_create, doc_delete, doc_get, doc_list, doc_patch, doc_put};
