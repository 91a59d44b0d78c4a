//! Exports of the list's current selection (admin-jobs §4): CSV with the spec's 61 columns (UTF-8 with
//! a BOM, so spreadsheet programs read the accents right; CRLF lines) and JSON in the nested shape.
//! Internal contacts are included; the submission IP and user-agent hash never are.

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use sea_orm::{ModelTrait, QueryFilter, QuerySelect};
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

/// Rows read per query while exporting (the stream holds one batch at a time).
pub const BATCH: u64 = 200;

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

/// The two export formats.
#[derive(Clone, Copy, PartialEq)]
enum Format {
    Csv,
    Json,
}

/// One export in progress: the selection, where the last batch ended, and how much was written.
struct Export {
    state: AppState,
    q: ListQuery,
    format: Format,
    origin: String,
    now: chrono::DateTime<chrono::Utc>,
    /// The sort value and id of the last row written (`None`: nothing read yet).
    cursor: Option<(sea_orm::Value, uuid::Uuid)>,
    written: usize,
    done: bool,
}

impl Export {
    /// What comes before the first row: the BOM and the header, or the array's opening bracket.
    fn prefix(&self) -> Vec<u8> {
        match self.format {
            Format::Csv => format!("\u{feff}{}\r\n", csv_header().join(",")).into_bytes(),
            Format::Json => b"[".to_vec(),
        }
    }

    /// What follows the last row.
    fn suffix(&self) -> &'static [u8] {
        match (self.format, self.written) {
            (Format::Csv, _) => b"",
            (Format::Json, 0) => b"]",
            (Format::Json, _) => b"\n]",
        }
    }

    /// The next batch of rows, encoded (the suffix added after the last one); `None` when finished.
    /// Each batch is one keyset query after the previous batch's last row, so memory stays at one
    /// batch whatever the selection.
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, AppError> {
        if self.done {
            return Ok(None);
        }
        let db = &self.state.db;
        let mut sel = query::select(&self.q, self.now, self.state.config.time_zone);
        if let Some((value, id)) = self.cursor.clone() {
            sel = sel.filter(query::after(&self.q, value, id));
        }
        let rows = sel.limit(BATCH).all(db).await?;
        let (col, _) = query::order(&self.q);
        self.cursor = rows
            .last()
            .map(|r| (r.get(col), r.id))
            .or(self.cursor.take());
        let mut out = Vec::new();
        let last_batch = (rows.len() as u64) < BATCH;
        for r in repo::with_links(db, rows).await? {
            let b = match crate::biotools::repo::record_of(db, r.row.id).await? {
                Some(rec) => {
                    let f = crate::biotools::repo::functions_of(db, rec.id).await?;
                    Some((rec, f))
                }
                None => None,
            };
            match self.format {
                Format::Json => {
                    out.extend_from_slice(if self.written == 0 { b"\n" } else { b",\n" });
                    out.extend(json_object(&json_row(&r, b.as_ref(), &self.origin))?);
                }
                Format::Csv => {
                    let cells = csv_row(&r, b.as_ref(), &self.origin);
                    let line: Vec<String> = cells.iter().map(|(_, v)| csv_field(v)).collect();
                    out.extend_from_slice(line.join(",").as_bytes());
                    out.extend_from_slice(b"\r\n");
                }
            }
            self.written += 1;
        }
        if last_batch {
            self.done = true;
            out.extend_from_slice(self.suffix());
        }
        Ok(Some(out))
    }
}

/// One object as an element of the 2-space-indented array (JSON strings hold no raw line breaks, so
/// indenting every line is exact).
fn json_object(o: &Ordered) -> Result<Vec<u8>, AppError> {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"  ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    o.serialize(&mut ser).map_err(AppError::internal)?;
    let text = String::from_utf8(buf).map_err(AppError::internal)?;
    let lines: Vec<String> = text.lines().map(|l| format!("  {l}")).collect();
    Ok(lines.join("\n").into_bytes())
}

/// The export of the list's selection, streamed: the first batch is read before the answer starts
/// (so an early failure is a plain error page); after that, a database error ends the stream with an
/// error — the connection is cut before the end of the body, so no client takes a partial file for a
/// complete one.
pub async fn export(
    State(state): State<AppState>,
    staff: Staff,
    parts: axum::http::request::Parts,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewSubmissions)?;
    let q = ListQuery::parse(raw.as_deref());
    let format = match q.get("format").unwrap_or("csv") {
        "csv" => Format::Csv,
        "json" => Format::Json,
        _ => return Err(AppError::BadRequest("format must be csv or json.".into())),
    };
    let origin = crate::web::client::origin(&state.config, &parts);
    let now = state.clock.now();
    let mut ex = Export {
        state,
        q,
        format,
        origin,
        now,
        cursor: None,
        written: 0,
        done: false,
    };
    let mut first = ex.prefix();
    first.extend(ex.next_chunk().await?.unwrap_or_default());
    let rest = futures_util::stream::try_unfold(ex, |mut ex| async move {
        match ex.next_chunk().await {
            Ok(Some(chunk)) => Ok(Some((Bytes::from(chunk), ex))),
            Ok(None) => Ok(None),
            Err(e) => {
                tracing::error!(error = %e, rows = ex.written, "export stopped by an error");
                Err(std::io::Error::other("the export stopped: database error"))
            }
        }
    });
    let body = futures_util::stream::once(async move { Ok(Bytes::from(first)) }).chain(rest);
    let (ctype, name) = match format {
        Format::Json => ("application/json", "submissions.json"),
        Format::Csv => ("text/csv; charset=utf-8", "submissions.csv"),
    };
    let mut resp = Body::from_stream(body).into_response();
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
