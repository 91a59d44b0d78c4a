//! The reference rows a submission request may link to, looked up for validation: only active
//! categories, PIs and centres, only current EDAM terms of the right branch, licences by SPDX id.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::edam::entity::edam_term;
use crate::licenses::entity::spdx_license;
use crate::registry::entity::{principal_investigator as pi, service_category, service_center};

pub async fn active_categories<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> Result<Vec<service_category::Model>, DbErr> {
    service_category::Entity::find()
        .filter(service_category::Column::Id.is_in(ids.iter().copied()))
        .filter(service_category::Column::IsActive.eq(true))
        .all(db)
        .await
}

pub async fn active_pis<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<pi::Model>, DbErr> {
    pi::Entity::find()
        .filter(pi::Column::Id.is_in(ids.iter().copied()))
        .filter(pi::Column::IsActive.eq(true))
        .all(db)
        .await
}

/// Non-obsolete terms of `branch` (`topic` or `operation`).
pub async fn edam_terms<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    branch: &str,
) -> Result<Vec<edam_term::Model>, DbErr> {
    edam_term::Entity::find()
        .filter(edam_term::Column::Id.is_in(ids.iter().copied()))
        .filter(edam_term::Column::Branch.eq(branch))
        .filter(edam_term::Column::IsObsolete.eq(false))
        .all(db)
        .await
}

pub async fn active_center<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<service_center::Model>, DbErr> {
    service_center::Entity::find_by_id(id)
        .filter(service_center::Column::IsActive.eq(true))
        .one(db)
        .await
}

/// Licences by SPDX id, deprecated ones included (the caller decides whether they may stay).
pub async fn licenses_by_code<C: ConnectionTrait>(
    db: &C,
    codes: &[String],
) -> Result<Vec<spdx_license::Model>, DbErr> {
    spdx_license::Entity::find()
        .filter(spdx_license::Column::LicenseId.is_in(codes.iter().cloned()))
        .all(db)
        .await
}
