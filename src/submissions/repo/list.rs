//! The admin list of submissions: the typed filter and sort order, counted and paged in two queries
//! (the service centre and the links with [`super::with_links`]).

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use super::SubmissionRecord;
use crate::registry::entity::service_center;
use crate::submissions::entity::service_submission as sub;
use crate::submissions::model::{PrimaryTag, SecondaryTag, Status};

/// The sort orders of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ordering {
    SubmittedAt,
    #[default]
    SubmittedAtDesc,
    UpdatedAt,
    UpdatedAtDesc,
    ServiceName,
    ServiceNameDesc,
}

impl Ordering {
    /// `submitted_at`, `updated_at`, `service_name`, optionally prefixed with `-`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "submitted_at" => Self::SubmittedAt,
            "-submitted_at" => Self::SubmittedAtDesc,
            "updated_at" => Self::UpdatedAt,
            "-updated_at" => Self::UpdatedAtDesc,
            "service_name" => Self::ServiceName,
            "-service_name" => Self::ServiceNameDesc,
            _ => return None,
        })
    }
}

/// What the list is narrowed to; every value is already known to be valid.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<Status>,
    /// Short name of the service centre.
    pub service_center: Option<String>,
    pub year_established: Option<i32>,
    pub register_as_elixir: Option<bool>,
    pub primary_maturity_tag: Option<PrimaryTag>,
    /// Every one must be present.
    pub secondary_maturity_tags: Vec<SecondaryTag>,
    pub ordering: Ordering,
}

fn select(f: &ListFilter) -> Select<sub::Entity> {
    let mut q = sub::Entity::find();
    if let Some(s) = f.status {
        q = q.filter(sub::Column::Status.eq(s.code()));
    }
    if let Some(short) = &f.service_center {
        q = q.filter(
            sub::Column::ServiceCenterId.in_subquery(
                Query::select()
                    .column(service_center::Column::Id)
                    .from(service_center::Entity)
                    .and_where(service_center::Column::ShortName.eq(short.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(y) = f.year_established {
        q = q.filter(sub::Column::YearEstablished.eq(y));
    }
    if let Some(b) = f.register_as_elixir {
        q = q.filter(sub::Column::RegisterAsElixir.eq(b));
    }
    if let Some(t) = f.primary_maturity_tag {
        q = q.filter(sub::Column::PrimaryMaturityTag.eq(t.code()));
    }
    for tag in &f.secondary_maturity_tags {
        q = q.filter(
            Expr::col((sub::Entity, sub::Column::SecondaryMaturityTags))
                .cast_as("text")
                .like(format!("%\"{}\"%", tag.code())),
        );
    }
    match f.ordering {
        Ordering::SubmittedAt => q.order_by_asc(sub::Column::SubmittedAt),
        Ordering::SubmittedAtDesc => q.order_by_desc(sub::Column::SubmittedAt),
        Ordering::UpdatedAt => q.order_by_asc(sub::Column::UpdatedAt),
        Ordering::UpdatedAtDesc => q.order_by_desc(sub::Column::UpdatedAt),
        Ordering::ServiceName => q.order_by_asc(sub::Column::ServiceName),
        Ordering::ServiceNameDesc => q.order_by_desc(sub::Column::ServiceName),
    }
}

/// How many submissions match.
pub async fn count<C: ConnectionTrait>(db: &C, f: &ListFilter) -> Result<u64, DbErr> {
    select(f).count(db).await
}

/// One page of matching submissions with their links: the same few queries whatever the page size.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    f: &ListFilter,
    offset: u64,
    limit: u64,
) -> Result<Vec<SubmissionRecord>, DbErr> {
    let rows = select(f).offset(offset).limit(limit).all(db).await?;
    super::with_links(db, rows).await
}
