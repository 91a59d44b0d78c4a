//! The API representation of a bio.tools record (`/api/v1/biotools/…` and the `biotoolsrecord` nested
//! in a submission), and its loading for many submissions at once in a fixed number of queries.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::{BTreeSet, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;

use super::entity::{biotools_function as func, biotools_record as rec};
use super::mapping::{DataSlot, Download, EdamRef, Link, Publication};
use crate::edam::entity::edam_term;

/// One block of the tool's `function` list, in bio.tools' order.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BiotoolsFunction)]
pub struct FunctionView {
    /// 0-based position in the tool's function list.
    pub position: i32,
    pub operations: Vec<EdamRef>,
    pub inputs: Vec<DataSlot>,
    pub outputs: Vec<DataSlot>,
    pub cmd: String,
    pub note: String,
}

/// An EDAM topic of the record matched to the registry's current EDAM terms by URI.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BiotoolsResolvedTopic)]
pub struct ResolvedTopic {
    pub uri: String,
    pub accession: String,
    pub label: String,
}

/// What the registry mirrors of a submission's bio.tools entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BiotoolsRecord)]
pub struct RecordView {
    pub id: i64,
    /// The bio.tools id, lower-cased.
    #[schema(example = "blast")]
    pub biotools_id: String,
    /// The tool's page on bio.tools.
    #[schema(example = "https://bio.tools/blast")]
    pub biotools_url: String,
    pub name: String,
    pub description: String,
    pub homepage: String,
    /// Up to five versions joined with `", "`.
    pub version: String,
    pub license: String,
    pub maturity: String,
    pub cost: String,
    pub tool_type: Vec<String>,
    pub operating_system: Vec<String>,
    pub edam_topic_uris: Vec<String>,
    /// The topics this registry knows (current EDAM terms), with their labels; unknown URIs are left out.
    pub edam_topics_resolved: Vec<ResolvedTopic>,
    pub functions: Vec<FunctionView>,
    pub publications: Vec<Publication>,
    pub documentation: Vec<Link>,
    pub download: Vec<Download>,
    pub links: Vec<Link>,
    /// When the last successful sync stored this data; `null` before the first one.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Empty after a successful sync; otherwise why the last one failed (the data above is kept).
    pub sync_error: String,
    /// `true` when the record has been synced and its last sync succeeded.
    pub sync_ok: bool,
    /// The submission this record belongs to.
    pub submission: Uuid,
    /// The submission in this API.
    pub submission_url: String,
}

/// Stored JSON written by the mapping reads back into its types; a value of another shape (edited by
/// hand) shows as empty rather than failing the whole response.
fn decode<T: DeserializeOwned>(v: &serde_json::Value, what: &str, record: i64) -> Vec<T> {
    match serde_json::from_value(v.clone()) {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(record, field = what, error = %e, "stored bio.tools JSON has an unexpected shape");
            Vec::new()
        }
    }
}

fn build(
    r: rec::Model,
    functions: Vec<func::Model>,
    terms: &HashMap<String, edam_term::Model>,
    root: &str,
) -> RecordView {
    let id = r.id;
    let edam_topic_uris: Vec<String> = decode(&r.edam_topic_uris, "edam_topic_uris", id);
    let edam_topics_resolved = edam_topic_uris
        .iter()
        .filter_map(|u| terms.get(u))
        .map(|t| ResolvedTopic {
            uri: t.uri.clone(),
            accession: t.accession.clone(),
            label: t.label.clone(),
        })
        .collect();
    let functions = functions
        .into_iter()
        .map(|f| FunctionView {
            position: f.position,
            operations: decode(&f.operations, "operations", id),
            inputs: decode(&f.inputs, "inputs", id),
            outputs: decode(&f.outputs, "outputs", id),
            cmd: f.cmd,
            note: f.note,
        })
        .collect();
    RecordView {
        id,
        biotools_url: format!("https://bio.tools/{}", r.biotools_id),
        biotools_id: r.biotools_id,
        name: r.name,
        description: r.description,
        homepage: r.homepage,
        version: r.version,
        license: r.license,
        maturity: r.maturity,
        cost: r.cost,
        tool_type: decode(&r.tool_type, "tool_type", id),
        operating_system: decode(&r.operating_system, "operating_system", id),
        edam_topic_uris,
        edam_topics_resolved,
        functions,
        publications: decode(&r.publications, "publications", id),
        documentation: decode(&r.documentation, "documentation", id),
        download: decode(&r.download, "download", id),
        links: decode(&r.links, "links", id),
        sync_ok: r.sync_error.is_empty() && r.last_synced_at.is_some(),
        last_synced_at: r.last_synced_at,
        sync_error: r.sync_error,
        submission_url: format!("{root}api/v1/submissions/{}/", r.submission_id),
        submission: r.submission_id,
    }
}

/// The views of `records` (in their order): one query for all their functions and one for the EDAM
/// terms they name, whatever their number. `root` is the absolute site root with a trailing `/`.
pub async fn views<C: ConnectionTrait>(
    db: &C,
    records: Vec<rec::Model>,
    root: &str,
) -> Result<Vec<RecordView>, DbErr> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
    let mut functions: HashMap<i64, Vec<func::Model>> = HashMap::new();
    for f in func::Entity::find()
        .filter(func::Column::RecordId.is_in(ids))
        .order_by_asc(func::Column::RecordId)
        .order_by_asc(func::Column::Position)
        .all(db)
        .await?
    {
        functions.entry(f.record_id).or_default().push(f);
    }
    let uris: BTreeSet<String> = records
        .iter()
        .flat_map(|r| decode::<String>(&r.edam_topic_uris, "edam_topic_uris", r.id))
        .collect();
    let mut terms = HashMap::new();
    if !uris.is_empty() {
        for t in edam_term::Entity::find()
            .filter(edam_term::Column::Uri.is_in(uris))
            .all(db)
            .await?
        {
            terms.insert(t.uri.clone(), t);
        }
    }
    Ok(records
        .into_iter()
        .map(|r| {
            let f = functions.remove(&r.id).unwrap_or_default();
            build(r, f, &terms, root)
        })
        .collect())
}

/// The records of these submissions, by submission: one query, plus [`views`]' two when any exists.
pub async fn of_submissions<C: ConnectionTrait>(
    db: &C,
    submission_ids: &[Uuid],
    root: &str,
) -> Result<HashMap<Uuid, RecordView>, DbErr> {
    if submission_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let records = rec::Entity::find()
        .filter(rec::Column::SubmissionId.is_in(submission_ids.iter().copied()))
        .all(db)
        .await?;
    Ok(views(db, records, root)
        .await?
        .into_iter()
        .map(|v| (v.submission, v))
        .collect())
}
