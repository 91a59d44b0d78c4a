//! The catalogue's queries: the approved services matching the filters (a light row each, for sorting
//! and counting), a page of them with their links (through the submissions repository), the filters'
//! choices, and one approved service. Only `approved` rows are ever read.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use super::model::Filters;
use crate::edam::entity::edam_term;
use crate::licenses::entity::spdx_license;
use crate::registry::entity::{service_category, service_center};
use crate::submissions::entity::{
    service_submission as sub, submission_category, submission_edam_topic, submission_license,
};
use crate::submissions::model::Status;
use crate::submissions::repo::{self, SubmissionRecord};

/// What sorting and counting need of a matching service.
#[derive(Debug, Clone)]
pub struct Light {
    pub id: Uuid,
    pub name: String,
    /// The name lower-cased once, for sorting (a comparator that lower-cases allocates per comparison).
    pub sort_key: String,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn approved() -> Select<sub::Entity> {
    sub::Entity::find().filter(sub::Column::Status.eq(Status::Approved.code()))
}

/// `submission id IN (SELECT submission_id FROM <link> WHERE <target> IN (…))`.
fn linked<L, V>(link_owner: L::Column, link_target: L::Column, values: V) -> sea_orm::Condition
where
    L: EntityTrait,
    V: IntoIterator,
    V::Item: Into<sea_orm::Value>,
{
    sea_orm::Condition::all().add(
        sub::Column::Id.in_subquery(
            Query::select()
                .column(link_owner)
                .from(L::default())
                .and_where(link_target.is_in(values))
                .to_owned(),
        ),
    )
}

/// Approved services narrowed by `f` (OR within a filter, AND across) and, when searching, to `ids`.
fn select(f: &Filters, ids: Option<&[Uuid]>) -> Select<sub::Entity> {
    let mut q = approved();
    if let Some(ids) = ids {
        q = q.filter(sub::Column::Id.is_in(ids.iter().copied()));
    }
    if !f.categories.is_empty() {
        q = q.filter(linked::<submission_category::Entity, _>(
            submission_category::Column::SubmissionId,
            submission_category::Column::CategoryId,
            f.categories.iter().copied(),
        ));
    }
    if !f.centers.is_empty() {
        q = q.filter(sub::Column::ServiceCenterId.is_in(f.centers.iter().copied()));
    }
    if !f.topics.is_empty() {
        let terms = Query::select()
            .column(edam_term::Column::Id)
            .from(edam_term::Entity)
            .and_where(edam_term::Column::Accession.is_in(f.topics.iter().cloned()))
            .to_owned();
        q = q.filter(
            sub::Column::Id.in_subquery(
                Query::select()
                    .column(submission_edam_topic::Column::SubmissionId)
                    .from(submission_edam_topic::Entity)
                    .and_where(submission_edam_topic::Column::EdamTermId.in_subquery(terms))
                    .to_owned(),
            ),
        );
    }
    if !f.maturity.is_empty() {
        q = q.filter(sub::Column::PrimaryMaturityTag.is_in(f.maturity.iter().cloned()));
    }
    if f.elixir.len() == 1 {
        q = q.filter(sub::Column::RegisterAsElixir.eq(f.elixir[0]));
    }
    if !f.licenses.is_empty() {
        let lic = Query::select()
            .column(spdx_license::Column::Id)
            .from(spdx_license::Entity)
            .and_where(spdx_license::Column::LicenseId.is_in(f.licenses.iter().cloned()))
            .to_owned();
        q = q.filter(
            sub::Column::Id.in_subquery(
                Query::select()
                    .column(submission_license::Column::SubmissionId)
                    .from(submission_license::Entity)
                    .and_where(submission_license::Column::LicenseId.in_subquery(lic))
                    .to_owned(),
            ),
        );
    }
    q
}

/// Every matching service as a light row, in no particular order (one query).
pub async fn matching<C: ConnectionTrait>(
    db: &C,
    f: &Filters,
    ids: Option<&[Uuid]>,
) -> Result<Vec<Light>, DbErr> {
    let rows: Vec<(Uuid, String, DateTime<Utc>, DateTime<Utc>)> = select(f, ids)
        .select_only()
        .column(sub::Column::Id)
        .column(sub::Column::ServiceName)
        .column(sub::Column::SubmittedAt)
        .column(sub::Column::UpdatedAt)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, submitted_at, updated_at)| Light {
            id,
            sort_key: name.to_lowercase(),
            name,
            submitted_at,
            updated_at,
        })
        .collect())
}

/// The services `ids` with their links, in the order of `ids` (a fixed number of queries).
pub async fn records<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<Vec<SubmissionRecord>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = approved()
        .filter(sub::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let mut recs = repo::with_links(db, rows).await?;
    recs.sort_by_key(|r| ids.iter().position(|i| *i == r.row.id));
    Ok(recs)
}

/// One approved service with its links; `None` for any other status or no such row.
pub async fn approved_record<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<SubmissionRecord>, DbErr> {
    Ok(records(db, &[id]).await?.pop())
}

/// The choices of the filters: active categories and centres, and the EDAM topics and licences
/// that approved services actually name (a choice that can only give "no results" is not offered).
pub struct Choices {
    pub categories: Vec<service_category::Model>,
    pub centers: Vec<service_center::Model>,
    pub topics: Vec<edam_term::Model>,
    pub licenses: Vec<spdx_license::Model>,
}

pub async fn choices<C: ConnectionTrait>(db: &C) -> Result<Choices, DbErr> {
    let approved_ids = || {
        Query::select()
            .column(sub::Column::Id)
            .from(sub::Entity)
            .and_where(sub::Column::Status.eq(Status::Approved.code()))
            .to_owned()
    };
    let categories = service_category::Entity::find()
        .filter(service_category::Column::IsActive.eq(true))
        .order_by_asc(service_category::Column::Name)
        .all(db)
        .await?;
    let centers = service_center::Entity::find()
        .filter(service_center::Column::IsActive.eq(true))
        .order_by_asc(service_center::Column::ShortName)
        .all(db)
        .await?;
    let topics = edam_term::Entity::find()
        .filter(
            edam_term::Column::Id.in_subquery(
                Query::select()
                    .column(submission_edam_topic::Column::EdamTermId)
                    .from(submission_edam_topic::Entity)
                    .and_where(
                        submission_edam_topic::Column::SubmissionId.in_subquery(approved_ids()),
                    )
                    .to_owned(),
            ),
        )
        .order_by_asc(edam_term::Column::Label)
        .all(db)
        .await?;
    let licenses = spdx_license::Entity::find()
        .filter(
            spdx_license::Column::Id.in_subquery(
                Query::select()
                    .column(submission_license::Column::LicenseId)
                    .from(submission_license::Entity)
                    .and_where(submission_license::Column::SubmissionId.in_subquery(approved_ids()))
                    .to_owned(),
            ),
        )
        .order_by_asc(spdx_license::Column::LicenseId)
        .all(db)
        .await?;
    Ok(Choices {
        categories,
        centers,
        topics,
        licenses,
    })
}

/// Every approved service's id, name and times, newest first (sitemap and feed).
pub async fn all_light<C: ConnectionTrait>(db: &C) -> Result<Vec<Light>, DbErr> {
    let mut all = matching(db, &Filters::default(), None).await?;
    all.sort_by(|a, b| b.submitted_at.cmp(&a.submitted_at).then(a.id.cmp(&b.id)));
    Ok(all)
}
