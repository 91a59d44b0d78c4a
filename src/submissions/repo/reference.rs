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

/// What the registration form offers: every active category, centre and PI, in display order.
pub struct FormChoices {
    pub categories: Vec<service_category::Model>,
    pub centers: Vec<service_center::Model>,
    pub pis: Vec<pi::Model>,
}

pub async fn form_choices<C: ConnectionTrait>(db: &C) -> Result<FormChoices, DbErr> {
    use sea_orm::QueryOrder;
    let categories = service_category::Entity::find()
        .filter(service_category::Column::IsActive.eq(true))
        .order_by_asc(service_category::Column::Name)
        .all(db)
        .await?;
    let centers = service_center::Entity::find()
        .filter(service_center::Column::IsActive.eq(true))
        .order_by_asc(service_center::Column::FullName)
        .all(db)
        .await?;
    let pis = pi::Entity::find()
        .filter(pi::Column::IsActive.eq(true))
        .order_by_asc(pi::Column::LastName)
        .order_by_asc(pi::Column::FirstName)
        .all(db)
        .await?;
    Ok(FormChoices {
        categories,
        centers,
        pis,
    })
}

/// Non-deprecated licences whose SPDX id or name contains `q` (case-insensitive), best first: the
/// exact id, then ids starting with `q`, then names starting with it, then the rest, each by id.
pub async fn search_licenses<C: ConnectionTrait>(
    db: &C,
    q: &str,
    limit: usize,
) -> Result<Vec<spdx_license::Model>, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    let needle = q.trim().to_lowercase();
    let pattern = format!(
        "%{}%",
        needle
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let lower = |c: spdx_license::Column| Expr::expr(Func::lower(Expr::col(c)));
    let mut rows = spdx_license::Entity::find()
        .filter(spdx_license::Column::IsDeprecated.eq(false))
        .filter(
            sea_orm::Condition::any()
                .add(
                    lower(spdx_license::Column::LicenseId)
                        .like(sea_orm::sea_query::LikeExpr::new(&pattern).escape('\\')),
                )
                .add(
                    lower(spdx_license::Column::Name)
                        .like(sea_orm::sea_query::LikeExpr::new(&pattern).escape('\\')),
                ),
        )
        .all(db)
        .await?;
    let rank = |l: &spdx_license::Model| {
        let id = l.license_id.to_lowercase();
        if id == needle {
            0
        } else if id.starts_with(&needle) {
            1
        } else if l.name.to_lowercase().starts_with(&needle) {
            2
        } else {
            3
        }
    };
    rows.sort_by_cached_key(|l| (rank(l), l.license_id.to_lowercase()));
    rows.truncate(limit);
    Ok(rows)
}
