//! OpenAPI schemas of the submission request bodies (create and PATCH, JSON and multipart), built from
//! the parser's own field table (`input::FIELDS`) so the document cannot drift from what the server
//! accepts: names, types, `required`, length limits, formats, patterns and enums per field.

use std::borrow::Cow;
use utoipa::openapi::schema::{
    AdditionalProperties, Array, ArrayBuilder, KnownFormat, Object, ObjectBuilder, Schema,
    SchemaFormat, Type,
};
use utoipa::openapi::{RefOr, schema::SchemaType};
use utoipa::{PartialSchema, ToSchema};

use super::input::{FIELDS, FieldSpec, Kind, MAX_TEXT};
use super::rules::{DESCRIPTION_MAX, DESCRIPTION_MIN};

/// Which body a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Create,
    Patch,
}

/// Extra, field-specific constraints the server enforces beyond the field's kind.
#[derive(Default)]
struct Extra {
    description: &'static str,
    min_length: Option<usize>,
    format: Option<SchemaFormat>,
    pattern: Option<&'static str>,
    choices: Option<&'static [&'static str]>,
    minimum: Option<i64>,
    min_items: Option<usize>,
    write_only: bool,
    /// `null` is accepted and stored as an empty string.
    nullable: bool,
}

/// `publications_pmids`: comma-separated PMIDs (1–8 digits) or DOIs (`10.NNNN/…`), empty items ignored.
const PUBLICATIONS: &str =
    r"^[\s,]*(\d{1,8}|10\.\d{4,}/[^\s,]+)(\s*,[\s,]*(\d{1,8}|10\.\d{4,}/[^\s,]+))*[\s,]*$";

fn extra(name: &str) -> Extra {
    let text = |d| Extra {
        description: d,
        nullable: true,
        ..Default::default()
    };
    match name {
        "date_of_entry" => Extra {
            description: "Date of entry (YYYY-MM-DD).",
            format: Some(SchemaFormat::KnownFormat(KnownFormat::Date)),
            ..Default::default()
        },
        "submitter_first_name" => text("First name of the person submitting."),
        "submitter_last_name" => text("Last name of the person submitting."),
        "submitter_affiliation" => text("Affiliation of the person submitting."),
        "register_as_elixir" => Extra {
            description: "Also register the service as an ELIXIR service (default false).",
            ..Default::default()
        },
        "service_name" => Extra {
            description: "Name of the service; at least 3 characters after sanitising.",
            min_length: Some(3),
            ..Default::default()
        },
        "service_description" => Extra {
            description: "What the service does; 50–5000 characters after sanitising.",
            min_length: Some(DESCRIPTION_MIN),
            ..Default::default()
        },
        "year_established" => Extra {
            description: "Year the service was established: 1900 up to the current year.",
            minimum: Some(1900),
            ..Default::default()
        },
        "service_category_ids" => Extra {
            description: "Ids of active service categories (`GET /api/v1/categories/`); at least one.",
            min_items: Some(1),
            ..Default::default()
        },
        "is_toolbox" => Extra {
            description: "The service is part of a toolbox; then `toolbox_name` is required.",
            ..Default::default()
        },
        "toolbox_name" => text("Name of the toolbox; required when `is_toolbox` is true."),
        "user_knowledge_required" => text("What users need to know to use the service."),
        "publications_pmids" => Extra {
            description: "1–50 comma-separated PMIDs (digits) or DOIs (`10.xxxx/…`).",
            pattern: Some(PUBLICATIONS),
            ..Default::default()
        },
        "edam_topic_ids" => Extra {
            description: "Ids of non-obsolete EDAM topics (`GET /api/v1/edam/?branch=topic`).",
            ..Default::default()
        },
        "edam_operation_ids" => Extra {
            description: "Ids of non-obsolete EDAM operations (`GET /api/v1/edam/?branch=operation`).",
            ..Default::default()
        },
        "responsible_pi_ids" => Extra {
            description: "Ids of active principal investigators (`GET /api/v1/pis/`); at least one.",
            min_items: Some(1),
            ..Default::default()
        },
        "associated_partner_note" => text(
            "Name and affiliation of the associated partner; required when a selected PI is the associated-partner placeholder.",
        ),
        "host_institute" => Extra {
            description: "Institute hosting the service.",
            min_length: Some(1),
            ..Default::default()
        },
        "service_center_id" => Extra {
            description: "Id of an active service centre (`GET /api/v1/service-centers/`).",
            ..Default::default()
        },
        "public_contact_email" => Extra {
            description: "Public contact: an e-mail address or an `https://` URL.",
            pattern: Some(r"^\s*(https://\S+|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)\s*$"),
            ..Default::default()
        },
        "internal_contact_name" => Extra {
            description: "Internal contact person. Never shown publicly nor returned by the API.",
            min_length: Some(1),
            write_only: true,
            ..Default::default()
        },
        "internal_contact_email" => Extra {
            description: "E-mail address of the internal contact; receives the submitter's notifications. Never shown publicly nor returned by the API.",
            format: Some(SchemaFormat::KnownFormat(KnownFormat::Email)),
            write_only: true,
            ..Default::default()
        },
        "website_url" => Extra {
            description: "Website of the service (`https://` only).",
            format: Some(SchemaFormat::Custom("uri".into())),
            pattern: Some("^https://"),
            ..Default::default()
        },
        "terms_of_use_url" => Extra {
            description: "Terms of use (`https://` only).",
            format: Some(SchemaFormat::Custom("uri".into())),
            pattern: Some("^https://"),
            ..Default::default()
        },
        "licenses" => Extra {
            description: "SPDX licence ids (e.g. `MIT`); at least one of `licenses` or `license_note`.",
            ..Default::default()
        },
        "license_note" => text("Licence note when no standard licence applies."),
        "github_url" => Extra {
            description: "GitHub repository: empty, or a URL starting with `https://github.com/`.",
            pattern: Some(r"^(https://github\.com/\S*)?$"),
            nullable: true,
            ..Default::default()
        },
        "biotools_url" => Extra {
            description: "bio.tools entry: empty, or a URL starting with `https://bio.tools/`.",
            pattern: Some(r"^(https://bio\.tools/\S*)?$"),
            nullable: true,
            ..Default::default()
        },
        "fairsharing_url" => Extra {
            description: "FAIRsharing entry: empty, or a URL starting with `https://fairsharing.org/`.",
            pattern: Some(r"^(https://fairsharing\.org/\S*)?$"),
            nullable: true,
            ..Default::default()
        },
        "other_registry_url" => Extra {
            description: "Entry in another registry: empty, or an `https://` URL.",
            pattern: Some(r"^(https://\S+)?$"),
            nullable: true,
            ..Default::default()
        },
        "kpi_monitoring" => Extra {
            description: "KPI monitoring: `yes` (then `kpi_start_year` is required) or `planned`.",
            choices: Some(&["yes", "planned"]),
            ..Default::default()
        },
        "kpi_start_year" => text("Since when KPIs are monitored (YYYY or short text)."),
        "keywords_uncited" => text("Keywords of uncited use."),
        "keywords_seo" => text("Keywords for search engines."),
        "survey_participation" => Extra {
            description: "Willing to take part in surveys (default true).",
            ..Default::default()
        },
        "comments" => text("Comments for the administration office."),
        "data_protection_consent" => Extra {
            description: "Consent to the data protection information; must be true on create. Ignored on PATCH.",
            ..Default::default()
        },
        _ => Extra::default(),
    }
}

fn string(max: usize, ex: &Extra) -> ObjectBuilder {
    let ty = if ex.nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    let mut b = ObjectBuilder::new()
        .schema_type(ty)
        .max_length(Some(max))
        .min_length(ex.min_length)
        .pattern(ex.pattern);
    if let Some(f) = &ex.format {
        b = b.format(Some(f.clone()));
    }
    if let Some(choices) = ex.choices {
        b = b.enum_values(Some(choices.iter().copied()));
    }
    b
}

fn list(item: ObjectBuilder, ex: &Extra, multipart: bool) -> Array {
    ArrayBuilder::new()
        .items(item)
        .max_items(Some(100))
        .min_items(ex.min_items)
        .description(Some(format!(
            "{} Duplicates are ignored; at most 100 items.{}",
            ex.description,
            if multipart {
                " In a form: repeat the field once per item."
            } else {
                ""
            }
        )))
        .build()
}

fn property(spec: &FieldSpec, body: Body, multipart: bool) -> Schema {
    let ex = extra(spec.name);
    let obj = match spec.kind {
        Kind::Text { max } => {
            let max = match spec.name {
                "service_description" => DESCRIPTION_MAX,
                _ => max.unwrap_or(MAX_TEXT),
            };
            string(max, &ex)
        }
        Kind::Plain { max } => string(max, &ex),
        Kind::Bool => {
            let b = ObjectBuilder::new().schema_type(Type::Boolean);
            if spec.name == "data_protection_consent" && body == Body::Create {
                b.enum_values(Some([true]))
            } else {
                b
            }
        }
        Kind::Int => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .minimum(ex.minimum),
        Kind::Date => string(10, &ex),
        Kind::Uuid => ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
        Kind::IntList => {
            let item = ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)));
            return Schema::Array(list(item, &ex, multipart));
        }
        Kind::UuidList => {
            let item = ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)));
            return Schema::Array(list(item, &ex, multipart));
        }
        Kind::StrList => {
            let item = ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(80))
                .pattern(Some(r"\S"));
            return Schema::Array(list(item, &ex, multipart));
        }
    };
    let mut obj = obj.description(Some(ex.description));
    if ex.write_only {
        obj = obj.write_only(Some(true));
    }
    Schema::Object(obj.build())
}

fn body_schema(body: Body, multipart: bool) -> Object {
    let mut b = ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::FreeForm(false)));
    for spec in FIELDS {
        b = b.property(spec.name, property(spec, body, multipart));
        if body == Body::Create && (spec.required || spec.name == "data_protection_consent") {
            b = b.required(spec.name);
        }
    }
    let logo = if multipart {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .content_media_type("application/octet-stream")
            .description(Some(
                "Logo file: PNG, JPEG or SVG (re-encoded or sanitised on upload). An empty file removes the logo.",
            ))
    } else {
        ObjectBuilder::new().schema_type(Type::Null).description(Some(
            "`null` removes the logo. Upload a logo as a file in a multipart/form-data request.",
        ))
    };
    b = b.property("logo", logo);
    b.description(Some(match (body, multipart) {
        (Body::Create, false) => {
            "A new submission. Every problem is reported at once in `error.details`; besides the field rules, \
             cross-field rules apply (`is_toolbox` ⇒ `toolbox_name`, `kpi_monitoring: yes` ⇒ `kpi_start_year`, \
             an associated-partner PI ⇒ `associated_partner_note`, at least one of `licenses` or `license_note`). \
             Text is NFC-normalised, stripped of control characters and HTML tags, and trimmed; a NUL byte is refused. \
             Read-only fields of the submission representation are ignored; any other unknown field is refused."
        }
        (Body::Create, true) => {
            "A new submission as form fields, optionally with a `logo` file; the same rules as the JSON body. \
             Booleans are `true`/`false`; list fields repeat (or carry a JSON array)."
        }
        (Body::Patch, false) => {
            "Any subset of the submission fields; the same rules as on create, with cross-field rules checked \
             against the stored values. Only changed values count."
        }
        (Body::Patch, true) => {
            "Any subset of the submission fields as form fields, optionally with a `logo` file."
        }
    }))
    .build()
}

macro_rules! body_type {
    ($ty:ident, $name:literal, $body:expr, $multipart:expr, $doc:literal) => {
        #[doc = $doc]
        pub struct $ty;

        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                RefOr::T(Schema::Object(body_schema($body, $multipart)))
            }
        }

        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

body_type!(
    SubmissionCreate,
    "SubmissionCreate",
    Body::Create,
    false,
    "`POST /api/v1/submissions/` as JSON."
);
body_type!(
    SubmissionCreateForm,
    "SubmissionCreateForm",
    Body::Create,
    true,
    "`POST /api/v1/submissions/` as multipart/form-data."
);
body_type!(
    SubmissionPatch,
    "SubmissionPatch",
    Body::Patch,
    false,
    "`PATCH /api/v1/submissions/{id}/` as JSON."
);
body_type!(
    SubmissionPatchForm,
    "SubmissionPatchForm",
    Body::Patch,
    true,
    "`PATCH /api/v1/submissions/{id}/` as multipart/form-data."
);

fn status_schema() -> Schema {
    crate::api::openapi::choice_schema(&super::lifecycle::STATUSES)
}

fn primary_tag_schema() -> Schema {
    crate::api::openapi::choice_schema(&super::lifecycle::PRIMARY_TAGS)
}

fn secondary_tags_schema() -> Schema {
    Schema::Array(
        ArrayBuilder::new()
            .items(RefOr::T(crate::api::openapi::choice_schema(
                &super::lifecycle::SECONDARY_TAGS,
            )))
            .build(),
    )
}

fn ordering_schema() -> Schema {
    crate::api::openapi::choice_schema(&super::api::ORDERINGS)
}

/// The query of `GET /api/v1/submissions/`, as documented (the handler parses `api::ListFilters`).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmissionListQuery {
    #[param(schema_with = status_schema)]
    pub status: Option<String>,
    /// Short name of the service centre (exact match).
    pub service_center: Option<String>,
    pub year_established: Option<i32>,
    pub register_as_elixir: Option<bool>,
    #[param(schema_with = primary_tag_schema)]
    pub primary_maturity_tag: Option<String>,
    /// Comma-separated secondary tags; a submission must carry every one.
    #[param(schema_with = secondary_tags_schema, style = Form, explode = false)]
    pub secondary_maturity_tags: Option<String>,
    /// Sort order (default `-submitted_at`, newest first).
    #[param(schema_with = ordering_schema)]
    pub ordering: Option<String>,
    #[param(schema_with = crate::api::openapi::page_schema)]
    pub page: Option<String>,
    #[param(schema_with = crate::api::openapi::page_size_schema)]
    pub page_size: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_requires_what_the_validator_requires() {
        let s = body_schema(Body::Create, false);
        let mut want: Vec<&str> = FIELDS
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name)
            .collect();
        want.push("data_protection_consent");
        let mut got: Vec<&str> = s.required.iter().map(String::as_str).collect();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want);
        assert_eq!(s.properties.len(), FIELDS.len() + 1);
        assert!(body_schema(Body::Patch, true).required.is_empty());
        for f in FIELDS {
            let ex = extra(f.name);
            assert!(!ex.description.is_empty(), "{} has no description", f.name);
        }
    }
}
