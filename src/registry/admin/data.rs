//! The reference-data screens' data: the three kinds, their rows and usage counts, and saving through
//! the API's rules.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::super::api_types::{CategoryWrite, PiWrite, ServiceCenterWrite};
use super::super::entity::{
    principal_investigator as pi, service_category as cat, service_center as center,
};
use crate::admin::form::Fields;
use crate::error::AppError;
use crate::state::AppState;
use crate::submissions::entity::{service_submission as sub, submission_category, submission_pi};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Category,
    Center,
    Pi,
}

impl Kind {
    pub(super) fn parse(s: &str) -> Result<Self, AppError> {
        match s {
            "categories" => Ok(Self::Category),
            "centers" => Ok(Self::Center),
            "pis" => Ok(Self::Pi),
            _ => Err(AppError::NotFound("Not found.".into())),
        }
    }
    pub(super) fn slug(self) -> &'static str {
        match self {
            Self::Category => "categories",
            Self::Center => "centers",
            Self::Pi => "pis",
        }
    }
    pub(super) fn title(self) -> &'static str {
        match self {
            Self::Category => "Service categories",
            Self::Center => "Service centers",
            Self::Pi => "Principal investigators",
        }
    }
    /// The submissions list's filter for records of this kind.
    pub(super) fn filter(self) -> &'static str {
        match self {
            Self::Category => "service_categories__id__exact",
            Self::Center => "service_center__id__exact",
            Self::Pi => "responsible_pis__id__exact",
        }
    }
    /// The form's fields: (name, label, checkbox?).
    pub(super) fn fields(self) -> &'static [(&'static str, &'static str, bool)] {
        match self {
            Self::Category => &[("name", "Name", false), ("is_active", "Active", true)],
            Self::Center => &[
                ("short_name", "Short name", false),
                ("full_name", "Full name", false),
                ("website", "Website (https://)", false),
                ("is_active", "Active", true),
            ],
            Self::Pi => &[
                ("last_name", "Last name", false),
                ("first_name", "First name", false),
                ("orcid", "ORCID iD", false),
                ("institute", "Institute", false),
                ("email", "E-mail", false),
                ("is_active", "Active", true),
                ("is_associated_partner", "Associated partner entry", true),
            ],
        }
    }
}

impl Kind {
    pub(super) fn slug_path(self) -> &'static str {
        match self {
            Self::Category => "reference/categories/",
            Self::Center => "reference/centers/",
            Self::Pi => "reference/pis/",
        }
    }
}

/// One record as the screens show it: id, display name, active flag, form values, usage count.
pub(super) struct Row {
    pub id: String,
    pub name: String,
    pub active: bool,
    pub values: Vec<(&'static str, String)>,
}

pub(super) async fn usage(state: &AppState, kind: Kind, id: &str) -> Result<u64, AppError> {
    let db = &state.db;
    Ok(match kind {
        Kind::Category => {
            let Ok(id) = id.parse::<i64>() else {
                return Ok(0);
            };
            submission_category::Entity::find()
                .filter(submission_category::Column::CategoryId.eq(id))
                .count(db)
                .await?
        }
        Kind::Center => {
            let Ok(id) = uuid::Uuid::parse_str(id) else {
                return Ok(0);
            };
            sub::Entity::find()
                .filter(sub::Column::ServiceCenterId.eq(id))
                .count(db)
                .await?
        }
        Kind::Pi => {
            let Ok(id) = uuid::Uuid::parse_str(id) else {
                return Ok(0);
            };
            submission_pi::Entity::find()
                .filter(submission_pi::Column::PiId.eq(id))
                .count(db)
                .await?
        }
    })
}

fn yes(b: bool) -> String {
    if b { "on".into() } else { String::new() }
}

pub(super) async fn rows(state: &AppState, kind: Kind) -> Result<Vec<Row>, AppError> {
    let db = &state.db;
    Ok(match kind {
        Kind::Category => cat::Entity::find()
            .order_by_asc(cat::Column::Name)
            .all(db)
            .await?
            .into_iter()
            .map(|c| Row {
                id: c.id.to_string(),
                name: c.name.clone(),
                active: c.is_active,
                values: vec![("name", c.name), ("is_active", yes(c.is_active))],
            })
            .collect(),
        Kind::Center => center::Entity::find()
            .order_by_asc(center::Column::FullName)
            .all(db)
            .await?
            .into_iter()
            .map(|c| Row {
                id: c.id.to_string(),
                name: format!("{} — {}", c.short_name, c.full_name),
                active: c.is_active,
                values: vec![
                    ("short_name", c.short_name),
                    ("full_name", c.full_name),
                    ("website", c.website),
                    ("is_active", yes(c.is_active)),
                ],
            })
            .collect(),
        Kind::Pi => pi::Entity::find()
            .order_by_asc(pi::Column::LastName)
            .order_by_asc(pi::Column::FirstName)
            .all(db)
            .await?
            .into_iter()
            .map(|p| Row {
                id: p.id.to_string(),
                name: crate::submissions::diff::pi_display(&p),
                active: p.is_active,
                values: vec![
                    ("last_name", p.last_name),
                    ("first_name", p.first_name),
                    ("orcid", p.orcid),
                    ("institute", p.institute),
                    ("email", p.email),
                    ("is_active", yes(p.is_active)),
                    ("is_associated_partner", yes(p.is_associated_partner)),
                ],
            })
            .collect(),
    })
}

/// Saves through the API's rules (sanitising, lengths, uniqueness, https, ORCID check digit), in the
/// caller's write transaction (which also holds the audit row).
pub(super) async fn save<C: ConnectionTrait>(
    db: &C,
    kind: Kind,
    id: Option<&str>,
    f: &Fields,
) -> Result<(String, String), AppError> {
    let text = |n: &str| Some(f.get(n).to_string());
    let flag = |n: &str| Some(f.get(n) == "on");
    let not_found = || AppError::NotFound("No such record.".into());
    Ok(match kind {
        Kind::Category => {
            let existing = match id {
                Some(i) => Some(
                    cat::Entity::find_by_id(i.parse::<i64>().map_err(|_| not_found())?)
                        .one(db)
                        .await?
                        .ok_or_else(not_found)?,
                ),
                None => None,
            };
            let body = CategoryWrite {
                name: text("name"),
                is_active: flag("is_active"),
            };
            let c = super::super::api::save_category(db, existing, body, true).await?;
            (c.id.to_string(), c.name)
        }
        Kind::Center => {
            let existing = match id {
                Some(i) => Some(
                    center::Entity::find_by_id(uuid::Uuid::parse_str(i).map_err(|_| not_found())?)
                        .one(db)
                        .await?
                        .ok_or_else(not_found)?,
                ),
                None => None,
            };
            let body = ServiceCenterWrite {
                short_name: text("short_name"),
                full_name: text("full_name"),
                website: text("website"),
                is_active: flag("is_active"),
            };
            let c = super::super::api::save_center(db, existing, body, true).await?;
            (
                c.id.to_string(),
                format!("{} — {}", c.short_name, c.full_name),
            )
        }
        Kind::Pi => {
            let existing = match id {
                Some(i) => Some(
                    pi::Entity::find_by_id(uuid::Uuid::parse_str(i).map_err(|_| not_found())?)
                        .one(db)
                        .await?
                        .ok_or_else(not_found)?,
                ),
                None => None,
            };
            let body = PiWrite {
                last_name: text("last_name"),
                first_name: text("first_name"),
                email: text("email"),
                institute: text("institute"),
                orcid: text("orcid"),
                is_active: flag("is_active"),
                is_associated_partner: flag("is_associated_partner"),
            };
            let p = super::super::api_pis::save(db, existing, body, true).await?;
            (p.id.to_string(), crate::submissions::diff::pi_display(&p))
        }
    })
}

pub(super) fn messages(e: &serde_json::Value) -> Vec<String> {
    e.as_object()
        .map(|m| {
            m.iter()
                .flat_map(|(k, v)| {
                    v.as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .map(move |x| format!("{k}: {}", x.as_str().unwrap_or_default()))
                })
                .collect()
        })
        .unwrap_or_default()
}
