//! Loading reference data from a file: every row validated first, then upserted in one transaction, so
//! re-running the same file changes nothing and a bad file changes nothing at all.

use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, EntityTrait, Set};
use serde::Deserialize;
use std::path::Path;

use super::entity::{
    principal_investigator as pi, service_category as cat, service_center as center,
};
use super::model::{CategoryInput, PiInput, ServiceCenterInput};

/// The reference-data file: any of the three lists may be absent.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceData {
    #[serde(default)]
    pub categories: Vec<CategoryInput>,
    #[serde(default)]
    pub service_centers: Vec<ServiceCenterInput>,
    #[serde(default)]
    pub pis: Vec<PiInput>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LoadReport {
    pub categories: Counts,
    pub service_centers: Counts,
    pub pis: Counts,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {cause}")]
    Read { path: String, cause: String },
    #[error("{path} is not valid reference-data JSON: {cause}")]
    Parse { path: String, cause: String },
    #[error("{} invalid row(s), nothing was written:\n{}", .0.len(), .0.join("\n"))]
    Invalid(Vec<String>),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

pub fn read_file(path: &Path) -> Result<ReferenceData, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError::Read {
        path: path.display().to_string(),
        cause: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| LoadError::Parse {
        path: path.display().to_string(),
        cause: e.to_string(),
    })
}

fn validate(data: &ReferenceData) -> Result<(), LoadError> {
    let mut problems = Vec::new();
    let mut report = |kind: &str, i: usize, errs: Vec<(&'static str, String)>| {
        for (field, msg) in errs {
            problems.push(format!("  {kind}[{i}].{field}: {msg}"));
        }
    };
    for (i, c) in data.categories.iter().enumerate() {
        report("categories", i, c.validate());
    }
    for (i, c) in data.service_centers.iter().enumerate() {
        report("service_centers", i, c.validate());
    }
    for (i, p) in data.pis.iter().enumerate() {
        report("pis", i, p.validate());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(LoadError::Invalid(problems))
    }
}

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Upserts the file's rows. Categories match by name, centres by short name, PIs by ORCID when both
/// have one, otherwise by last + first name (all case-insensitive). Nothing is ever deleted.
pub async fn load(
    db: &sea_orm::DatabaseConnection,
    data: &ReferenceData,
) -> Result<LoadReport, LoadError> {
    validate(data)?;
    let txn = crate::db::begin_write(db).await?;
    let mut report = LoadReport::default();

    let existing = cat::Entity::find().all(&txn).await?;
    for input in &data.categories {
        let name = input.name.trim().to_string();
        match existing.iter().find(|c| same(&c.name, &name)) {
            Some(row) if row.name == name && row.is_active == input.is_active => {
                report.categories.unchanged += 1
            }
            Some(row) => {
                let mut am: cat::ActiveModel = row.clone().into();
                am.name = Set(name);
                am.is_active = Set(input.is_active);
                am.update(&txn).await?;
                report.categories.updated += 1;
            }
            None => {
                cat::ActiveModel {
                    id: NotSet,
                    name: Set(name),
                    is_active: Set(input.is_active),
                }
                .insert(&txn)
                .await?;
                report.categories.created += 1;
            }
        }
    }

    let existing = center::Entity::find().all(&txn).await?;
    for input in &data.service_centers {
        let (short, full, web) = (
            input.short_name.trim().to_string(),
            input.full_name.trim().to_string(),
            input.website.trim().to_string(),
        );
        match existing.iter().find(|c| same(&c.short_name, &short)) {
            Some(row)
                if row.short_name == short
                    && row.full_name == full
                    && row.website == web
                    && row.is_active == input.is_active =>
            {
                report.service_centers.unchanged += 1
            }
            Some(row) => {
                let mut am: center::ActiveModel = row.clone().into();
                am.short_name = Set(short);
                am.full_name = Set(full);
                am.website = Set(web);
                am.is_active = Set(input.is_active);
                am.update(&txn).await?;
                report.service_centers.updated += 1;
            }
            None => {
                center::ActiveModel {
                    id: Set(uuid::Uuid::new_v4()),
                    short_name: Set(short),
                    full_name: Set(full),
                    website: Set(web),
                    is_active: Set(input.is_active),
                }
                .insert(&txn)
                .await?;
                report.service_centers.created += 1;
            }
        }
    }

    let existing = pi::Entity::find().all(&txn).await?;
    for input in &data.pis {
        let row = PiRow::from(input);
        let found = existing.iter().find(|p| {
            if !row.orcid.is_empty() && !p.orcid.is_empty() {
                p.orcid == row.orcid
            } else {
                same(&p.last_name, &row.last_name) && same(&p.first_name, &row.first_name)
            }
        });
        match found {
            Some(p) if row.matches(p) => report.pis.unchanged += 1,
            Some(p) => {
                let mut am: pi::ActiveModel = p.clone().into();
                row.apply(&mut am);
                am.update(&txn).await?;
                report.pis.updated += 1;
            }
            None => {
                let mut am = pi::ActiveModel {
                    id: Set(uuid::Uuid::new_v4()),
                    ..Default::default()
                };
                row.apply(&mut am);
                am.insert(&txn).await?;
                report.pis.created += 1;
            }
        }
    }
    txn.commit().await?;
    Ok(report)
}

/// A PI row with trimmed values, compared and written as a unit.
struct PiRow {
    last_name: String,
    first_name: String,
    email: String,
    institute: String,
    orcid: String,
    is_active: bool,
    is_associated_partner: bool,
}

impl From<&PiInput> for PiRow {
    fn from(i: &PiInput) -> Self {
        Self {
            last_name: i.last_name.trim().into(),
            first_name: i.first_name.trim().into(),
            email: i.email.trim().into(),
            institute: i.institute.trim().into(),
            orcid: i.orcid.trim().into(),
            is_active: i.is_active,
            is_associated_partner: i.is_associated_partner,
        }
    }
}

impl PiRow {
    fn matches(&self, p: &pi::Model) -> bool {
        p.last_name == self.last_name
            && p.first_name == self.first_name
            && p.email == self.email
            && p.institute == self.institute
            && p.orcid == self.orcid
            && p.is_active == self.is_active
            && p.is_associated_partner == self.is_associated_partner
    }

    fn apply(&self, am: &mut pi::ActiveModel) {
        am.last_name = Set(self.last_name.clone());
        am.first_name = Set(self.first_name.clone());
        am.email = Set(self.email.clone());
        am.institute = Set(self.institute.clone());
        am.orcid = Set(self.orcid.clone());
        am.is_active = Set(self.is_active);
        am.is_associated_partner = Set(self.is_associated_partner);
    }
}
