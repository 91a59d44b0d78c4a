//! Exports of the list's current selection (admin-jobs §4): CSV with the spec's 61 columns (UTF-8 with
//! a BOM, so spreadsheet programs read the accents right; CRLF lines) and JSON in the nested shape.
//! Internal contacts are included; the submission IP and user-agent hash never are.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sea_orm::QuerySelect;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

use super::query;
use crate::admin::list::ListQuery;
use crate::admin::{Cap, Staff};
use crate::biotools::entity::{biotools_function as func, biotools_record as rec};
use crate::error::AppError;
use crate::state::AppState;
use crate::submissions::diff::secondary_tags;
use crate::submissions::model::tag_label;
use crate::submissions::repo::{self, SubmissionRecord};

/// Rows read per query while exporting.
const BATCH: u64 = 200;

/// A JSON object whose keys keep the spec's order.
struct Ordered(Vec<(&'static str, Value)>);

impl Serialize for Ordered {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The bio.tools part: the 18 `biotools_*` values (JSON types as the JSON export has them).
fn biotools_values(b: Option<&(rec::Model, Vec<func::Model>)>) -> Vec<(&'static str, Value)> {
    let Some((r, funcs)) = b else {
        let mut out: Vec<(&'static str, Value)> = [
            "biotools_id",
            "biotools_name",
            "biotools_description",
            "biotools_homepage",
            "biotools_version",
            "biotools_license",
            "biotools_maturity",
            "biotools_cost",
        ]
        .iter()
        .map(|k| (*k, json!("")))
        .collect();
        for k in [
            "biotools_tool_type",
            "biotools_operating_system",
            "biotools_edam_topic_uris",
            "biotools_edam_operation_uris",
            "biotools_functions",
            "biotools_publications",
            "biotools_documentation",
            "biotools_download",
            "biotools_links",
        ] {
            out.push((k, json!([])));
        }
        out.push(("biotools_last_synced_at", json!("")));
        return out;
    };
    let op_uris: Vec<Value> = funcs
        .iter()
        .flat_map(|f| f.operations.as_array().cloned().unwrap_or_default())
        .filter_map(|o| o.get("uri").cloned())
        .collect();
    let functions: Vec<Value> = funcs
        .iter()
        .map(|f| json!({"operations": f.operations, "inputs": f.inputs, "outputs": f.outputs, "cmd": f.cmd, "note": f.note}))
        .collect();
    vec![
        ("biotools_id", json!(r.biotools_id)),
        ("biotools_name", json!(r.name)),
        ("biotools_description", json!(r.description)),
        ("biotools_homepage", json!(r.homepage)),
        ("biotools_version", json!(r.version)),
        ("biotools_license", json!(r.license)),
        ("biotools_maturity", json!(r.maturity)),
        ("biotools_cost", json!(r.cost)),
        ("biotools_tool_type", r.tool_type.clone()),
        ("biotools_operating_system", r.operating_system.clone()),
        ("biotools_edam_topic_uris", r.edam_topic_uris.clone()),
        ("biotools_edam_operation_uris", Value::Array(op_uris)),
        ("biotools_functions", Value::Array(functions)),
        ("biotools_publications", r.publications.clone()),
        ("biotools_documentation", r.documentation.clone()),
        ("biotools_download", r.download.clone()),
        ("biotools_links", r.links.clone()),
        (
            "biotools_last_synced_at",
            json!(r.last_synced_at.map(|t| t.to_rfc3339()).unwrap_or_default()),
        ),
    ]
}

fn pis(r: &SubmissionRecord) -> Vec<String> {
    r.pis
        .iter()
        .map(|p| {
            format!("{} {}", p.first_name, p.last_name)
                .trim()
                .to_string()
        })
        .collect()
}

fn terms(t: &[crate::edam::entity::edam_term::Model]) -> Vec<Value> {
    t.iter()
        .map(|x| json!({"label": x.label, "uri": x.uri}))
        .collect()
}

/// One submission in the JSON shape (42 keys, `submitter` and `biotools` nested).
fn json_row(
    r: &SubmissionRecord,
    b: Option<&(rec::Model, Vec<func::Model>)>,
    origin: &str,
) -> Ordered {
    let s = &r.row;
    let center = r
        .center
        .as_ref()
        .map(super::list::center_label)
        .unwrap_or_default();
    Ordered(vec![
        ("id", json!(s.id)),
        ("status", json!(s.status)),
        ("primary_maturity_tag", json!(s.primary_maturity_tag)),
        ("secondary_maturity_tags", json!(secondary_tags(s))),
        ("date_of_entry", json!(s.date_of_entry.to_string())),
        ("service_name", json!(s.service_name)),
        ("service_description", json!(s.service_description)),
        ("year_established", json!(s.year_established)),
        (
            "submitter",
            json!({"first_name": s.submitter_first_name, "last_name": s.submitter_last_name, "affiliation": s.submitter_affiliation}),
        ),
        ("host_institute", json!(s.host_institute)),
        ("service_center", json!(center)),
        ("public_contact_email", json!(s.public_contact_email)),
        ("internal_contact_name", json!(s.internal_contact_name)),
        ("internal_contact_email", json!(s.internal_contact_email)),
        (
            "service_categories",
            json!(
                r.categories
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
            ),
        ),
        ("responsible_pis", json!(pis(r))),
        ("edam_topics", Value::Array(terms(&r.topics))),
        ("edam_operations", Value::Array(terms(&r.operations))),
        ("is_toolbox", json!(s.is_toolbox)),
        ("toolbox_name", json!(s.toolbox_name)),
        ("user_knowledge_required", json!(s.user_knowledge_required)),
        ("publications_pmids", json!(s.publications_pmids)),
        ("website_url", json!(s.website_url)),
        ("terms_of_use_url", json!(s.terms_of_use_url)),
        (
            "licenses",
            json!(
                r.licenses
                    .iter()
                    .map(|l| l.license_id.clone())
                    .collect::<Vec<_>>()
            ),
        ),
        ("license_note", json!(s.license_note)),
        ("github_url", json!(s.github_url)),
        ("biotools_url", json!(s.biotools_url)),
        ("fairsharing_url", json!(s.fairsharing_url)),
        ("other_registry_url", json!(s.other_registry_url)),
        ("kpi_monitoring", json!(s.kpi_monitoring)),
        ("kpi_start_year", json!(s.kpi_start_year)),
        ("associated_partner_note", json!(s.associated_partner_note)),
        ("keywords_uncited", json!(s.keywords_uncited)),
        ("keywords_seo", json!(s.keywords_seo)),
        ("register_as_elixir", json!(s.register_as_elixir)),
        ("survey_participation", json!(s.survey_participation)),
        ("comments", json!(s.comments)),
        (
            "logo_url",
            json!(
                s.logo
                    .as_ref()
                    .map(|p| format!("{origin}/media/{p}"))
                    .unwrap_or_default()
            ),
        ),
        (
            "biotools",
            serde_json::to_value(Ordered(biotools_values(b))).unwrap_or_default(),
        ),
        ("submitted_at", json!(s.submitted_at.to_rfc3339())),
        ("updated_at", json!(s.updated_at.to_rfc3339())),
    ])
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One submission as the 61 CSV cells, in the spec's order.
fn csv_row(
    r: &SubmissionRecord,
    b: Option<&(rec::Model, Vec<func::Model>)>,
    origin: &str,
) -> Vec<(&'static str, String)> {
    let s = &r.row;
    let mut out = Vec::new();
    for (k, v) in json_row(r, b, origin).0 {
        let text = match k {
            "primary_maturity_tag" => s
                .primary_maturity_tag
                .as_deref()
                .map(tag_label)
                .unwrap_or_default(),
            "secondary_maturity_tags" => secondary_tags(s)
                .iter()
                .map(|t| tag_label(t))
                .collect::<Vec<_>>()
                .join("; "),
            "submitter" => {
                out.push(("submitter_first_name", s.submitter_first_name.clone()));
                out.push(("submitter_last_name", s.submitter_last_name.clone()));
                out.push(("submitter_affiliation", s.submitter_affiliation.clone()));
                continue;
            }
            "service_categories" | "licenses" | "responsible_pis" => strings(&v).join("; "),
            "edam_topics" | "edam_operations" => v
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|t| format!("{} ({})", cell(&t["label"]), cell(&t["uri"])))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default(),
            "biotools" => {
                for (bk, bv) in biotools_values(b) {
                    let t = match bk {
                        "biotools_tool_type"
                        | "biotools_operating_system"
                        | "biotools_edam_topic_uris"
                        | "biotools_edam_operation_uris" => strings(&bv).join("; "),
                        "biotools_functions"
                        | "biotools_publications"
                        | "biotools_documentation"
                        | "biotools_download"
                        | "biotools_links" => bv.to_string(),
                        _ => cell(&bv),
                    };
                    out.push((bk, t));
                }
                continue;
            }
            _ => cell(&v),
        };
        out.push((k, text));
    }
    out
}

pub async fn export(
    State(state): State<AppState>,
    staff: Staff,
    parts: axum::http::request::Parts,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewSubmissions)?;
    let q = ListQuery::parse(raw.as_deref());
    let format = q.get("format").unwrap_or("csv").to_string();
    if format != "csv" && format != "json" {
        return Err(AppError::BadRequest("format must be csv or json.".into()));
    }
    let origin = crate::web::client::origin(&state.config, &parts);
    let now = state.clock.now();
    let tz = state.config.time_zone;
    let mut csv = String::from("\u{feff}");
    let mut objects: Vec<Ordered> = Vec::new();
    let mut offset = 0;
    loop {
        let rows = query::select(&q, now, tz)
            .offset(offset)
            .limit(BATCH)
            .all(&state.db)
            .await?;
        if rows.is_empty() {
            break;
        }
        offset += rows.len() as u64;
        for r in repo::with_links(&state.db, rows).await? {
            let record = crate::biotools::repo::record_of(&state.db, r.row.id).await?;
            let b = match record {
                Some(rec) => {
                    let f = crate::biotools::repo::functions_of(&state.db, rec.id).await?;
                    Some((rec, f))
                }
                None => None,
            };
            if format == "json" {
                objects.push(json_row(&r, b.as_ref(), &origin));
            } else {
                let cells = csv_row(&r, b.as_ref(), &origin);
                if csv.len() == 3 {
                    csv.push_str(&cells.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(","));
                    csv.push_str("\r\n");
                }
                csv.push_str(
                    &cells
                        .iter()
                        .map(|(_, v)| csv_field(v))
                        .collect::<Vec<_>>()
                        .join(","),
                );
                csv.push_str("\r\n");
            }
        }
    }
    let (body, ctype, name) = if format == "json" {
        let mut buf = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b"  ");
        let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
        objects.serialize(&mut ser).map_err(AppError::internal)?;
        (buf, "application/json", "submissions.json")
    } else {
        if csv.len() == 3 {
            csv.push_str(&csv_header().join(","));
            csv.push_str("\r\n");
        }
        (
            csv.into_bytes(),
            "text/csv; charset=utf-8",
            "submissions.csv",
        )
    };
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// The CSV header alone (an empty selection still gets its columns).
pub fn csv_header() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = vec![
        "id",
        "status",
        "primary_maturity_tag",
        "secondary_maturity_tags",
        "date_of_entry",
        "service_name",
        "service_description",
        "year_established",
        "submitter_first_name",
        "submitter_last_name",
        "submitter_affiliation",
        "host_institute",
        "service_center",
        "public_contact_email",
        "internal_contact_name",
        "internal_contact_email",
        "service_categories",
        "responsible_pis",
        "edam_topics",
        "edam_operations",
        "is_toolbox",
        "toolbox_name",
        "user_knowledge_required",
        "publications_pmids",
        "website_url",
        "terms_of_use_url",
        "licenses",
        "license_note",
        "github_url",
        "biotools_url",
        "fairsharing_url",
        "other_registry_url",
        "kpi_monitoring",
        "kpi_start_year",
        "associated_partner_note",
        "keywords_uncited",
        "keywords_seo",
        "register_as_elixir",
        "survey_participation",
        "comments",
        "logo_url",
    ];
    out.extend(biotools_values(None).into_iter().map(|(k, _)| k));
    out.extend(["submitted_at", "updated_at"]);
    out
}
