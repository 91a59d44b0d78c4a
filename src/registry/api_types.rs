//! Request and response bodies of the reference-data API, and its OpenAPI path descriptions.
//!
//! Write bodies have every field optional so that missing required fields are reported together with
//! the other field errors (POST/PUT) and PATCH can change any subset; unknown fields are refused.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::entity::{
    principal_investigator as pi, service_category as cat, service_center as center,
};

/// Fields of a category to write. POST/PUT need `name`; PATCH takes any subset.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Data analysis", "is_active": true}))]
pub struct CategoryWrite {
    /// Required on POST/PUT, at most 100 characters, unique (case-insensitive).
    pub name: Option<String>,
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

/// Fields of a service centre to write. POST/PUT need `short_name` and `full_name`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"short_name": "HD-HuB", "full_name": "Heidelberg Center for Human Bioinformatics", "website": "https://www.hd-hub.de/"}))]
pub struct ServiceCenterWrite {
    /// At most 50 characters.
    pub short_name: Option<String>,
    /// At most 300 characters.
    pub full_name: Option<String>,
    /// Optional https:// URL, at most 200 characters.
    pub website: Option<String>,
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

/// Fields of a principal investigator to write. POST/PUT need `last_name` and `first_name`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"last_name": "Doe", "first_name": "Jane", "email": "jane.doe@example.org", "institute": "Example University", "orcid": "0000-0002-1825-0097"}))]
pub struct PiWrite {
    /// At most 100 characters.
    pub last_name: Option<String>,
    /// At most 100 characters.
    pub first_name: Option<String>,
    /// Optional e-mail address (admin-only: never shown outside this API).
    pub email: Option<String>,
    /// At most 200 characters.
    pub institute: Option<String>,
    /// Optional ORCID iD with a valid check digit.
    pub orcid: Option<String>,
    pub is_active: Option<bool>,
    /// Defaults to false.
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

/// OpenAPI descriptions of the routes (the handlers live in `api` and `api_pis`; these functions only
/// carry the annotations so the handler files stay readable).
pub mod paths {
    #![allow(dead_code)]
    use super::*;
    use crate::registry::api::ListParams;

    macro_rules! resource_paths {
        ($tag:literal, $base:literal, $item:literal, $id:ty, $write:ty, $out:ty,
         $list:ident, $create:ident, $get:ident, $put:ident, $patch:ident, $delete:ident) => {
            #[utoipa::path(get, path = $base, tag = $tag, params(ListParams),
                security(("AdminKey" = [])),
                responses((status = 200, description = "Every row (a plain array, not paginated)", body = Vec<$out>),
                    (status = 400, description = "`is_active` is not `true` or `false`"),
                    (status = 403, description = "No valid admin key"),
                    (status = 429, description = "Rate limit exceeded (see Retry-After)")))]
            pub fn $list() {}
            #[utoipa::path(post, path = $base, tag = $tag, request_body = $write,
                security(("AdminKey" = [])),
                responses((status = 201, description = "Created", body = $out),
                    (status = 400, description = "Field errors, all at once, under error.details"),
                    (status = 403, description = "No valid admin key, or a read-only one")))]
            pub fn $create() {}
            #[utoipa::path(get, path = $item, tag = $tag, params(("id" = $id, Path)),
                security(("AdminKey" = [])),
                responses((status = 200, body = $out), (status = 404, description = "No such row")))]
            pub fn $get() {}
            #[utoipa::path(put, path = $item, tag = $tag, params(("id" = $id, Path)),
                request_body = $write, security(("AdminKey" = [])),
                responses((status = 200, description = "Replaced", body = $out),
                    (status = 400, description = "Field errors"), (status = 404, description = "No such row")))]
            pub fn $put() {}
            #[utoipa::path(patch, path = $item, tag = $tag, params(("id" = $id, Path)),
                request_body = $write, security(("AdminKey" = [])),
                responses((status = 200, description = "Updated", body = $out),
                    (status = 400, description = "Field errors"), (status = 404, description = "No such row")))]
            pub fn $patch() {}
            #[utoipa::path(delete, path = $item, tag = $tag, params(("id" = $id, Path)),
                security(("AdminKey" = [])),
                responses((status = 204, description = "Deactivated (soft delete; idempotent)"),
                    (status = 404, description = "No such row")))]
            pub fn $delete() {}
        };
    }

    resource_paths!(
        "reference-data",
        "/api/v1/categories/",
        "/api/v1/categories/{id}/",
        i64,
        CategoryWrite,
        CategoryOut,
        list_categories,
        create_category,
        get_category,
        put_category,
        patch_category,
        delete_category
    );
    resource_paths!(
        "reference-data",
        "/api/v1/service-centers/",
        "/api/v1/service-centers/{id}/",
        Uuid,
        ServiceCenterWrite,
        ServiceCenterOut,
        list_centers,
        create_center,
        get_center,
        put_center,
        patch_center,
        delete_center
    );
    resource_paths!(
        "reference-data",
        "/api/v1/pis/",
        "/api/v1/pis/{id}/",
        Uuid,
        PiWrite,
        PiOut,
        list_pis,
        create_pi,
        get_pi,
        put_pi,
        patch_pi,
        delete_pi
    );
}
