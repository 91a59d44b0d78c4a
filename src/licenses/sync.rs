//! SPDX licence list: parsed from SPDX's `licenses.json` (or taken from the `spdx` crate, offline, for the
//! first seed) and written into `spdx_licenses`. Licences missing upstream become deprecated (hidden from
//! new picks, kept for existing submissions) and come back when reinstated.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set, Unchanged,
};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

use super::entity::spdx_license::{self, Column};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLicense {
    pub license_id: String,
    pub name: String,
    pub reference_url: String,
    pub see_also: Vec<String>,
    pub is_osi_approved: bool,
    pub is_fsf_libre: bool,
    pub is_deprecated: bool,
}

#[derive(Debug, Clone, Default)]
pub struct LicenseList {
    pub version: String,
    pub licenses: Vec<ParsedLicense>,
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("Failed to parse SPDX licenses JSON: {0}")]
    Json(String),
    #[error("Unexpected SPDX licenses payload shape: missing top-level 'licenses' array.")]
    Shape,
    #[error("The SPDX licence list is empty.")]
    Empty,
}

#[derive(Deserialize)]
struct RawList {
    #[serde(rename = "licenseListVersion", default)]
    version: Option<serde_json::Value>,
    licenses: Option<Vec<RawLicense>>,
}

#[derive(Deserialize)]
struct RawLicense {
    #[serde(rename = "licenseId", default)]
    license_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    reference: Option<String>,
    #[serde(rename = "seeAlso", default)]
    see_also: Option<Vec<String>>,
    #[serde(rename = "isOsiApproved", default)]
    is_osi_approved: Option<bool>,
    #[serde(rename = "isFsfLibre", default)]
    is_fsf_libre: Option<bool>,
    #[serde(rename = "isDeprecatedLicenseId", default)]
    is_deprecated: Option<bool>,
}

/// Parses SPDX's `licenses.json`. Entries without an id are skipped; a duplicate id replaces the earlier.
pub fn parse(bytes: &[u8]) -> Result<LicenseList, ParseError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ParseError::Json(e.to_string()))?;
    if !value.get("licenses").is_some_and(|l| l.is_array()) {
        return Err(ParseError::Shape);
    }
    let raw: RawList =
        serde_json::from_value(value).map_err(|e| ParseError::Json(e.to_string()))?;
    let version = match raw.version {
        Some(serde_json::Value::String(s)) => s,
        Some(other) if !other.is_null() => other.to_string(),
        _ => String::new(),
    };
    let mut out: Vec<ParsedLicense> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for l in raw.licenses.unwrap_or_default() {
        let id = l.license_id.unwrap_or_default().trim().to_string();
        if id.is_empty() || id.len() > 80 {
            continue;
        }
        let name = l
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| id.clone());
        let parsed = ParsedLicense {
            name: name.chars().take(200).collect(),
            reference_url: l.reference.unwrap_or_default().chars().take(500).collect(),
            see_also: l.see_also.unwrap_or_default(),
            is_osi_approved: l.is_osi_approved.unwrap_or(false),
            is_fsf_libre: l.is_fsf_libre.unwrap_or(false),
            is_deprecated: l.is_deprecated.unwrap_or(false),
            license_id: id.clone(),
        };
        match seen.get(&id) {
            Some(&i) => out[i] = parsed,
            None => {
                seen.insert(id, out.len());
                out.push(parsed);
            }
        }
    }
    if out.is_empty() {
        return Err(ParseError::Empty);
    }
    Ok(LicenseList {
        version: version.chars().take(20).collect(),
        licenses: out,
    })
}

/// The list compiled into the `spdx` crate, for an offline first start.
pub fn builtin() -> LicenseList {
    use spdx::flags::{IS_DEPRECATED, IS_FSF_LIBRE, IS_OSI_APPROVED};
    LicenseList {
        version: spdx::identifiers::VERSION.to_string(),
        licenses: spdx::identifiers::LICENSES
            .iter()
            .map(|l| ParsedLicense {
                license_id: l.name.to_string(),
                name: l.full_name.to_string(),
                reference_url: format!("https://spdx.org/licenses/{}.html", l.name),
                see_also: Vec::new(),
                is_osi_approved: l.flags & IS_OSI_APPROVED != 0,
                is_fsf_libre: l.flags & IS_FSF_LIBRE != 0,
                is_deprecated: l.flags & IS_DEPRECATED != 0,
            })
            .collect(),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LicenseReport {
    pub old_version: Option<String>,
    pub new_version: String,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Licences no longer upstream, newly marked deprecated.
    pub deprecated_swept: usize,
    pub dry_run: bool,
}

/// Upserts the list by licence id in one transaction (or only counts, on a dry run).
pub async fn sync(
    db: &DatabaseConnection,
    list: &LicenseList,
    dry_run: bool,
) -> Result<LicenseReport, sea_orm::DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let existing = spdx_license::Entity::find().all(&txn).await?;
    let by_id: HashMap<&str, &spdx_license::Model> = existing
        .iter()
        .map(|l| (l.license_id.as_str(), l))
        .collect();
    let mut report = LicenseReport {
        old_version: existing
            .first()
            .map(|l| l.spdx_version.clone())
            .filter(|v| !v.is_empty()),
        new_version: list.version.clone(),
        dry_run,
        ..Default::default()
    };
    let mut creates = Vec::new();
    for l in &list.licenses {
        let see_also = serde_json::json!(l.see_also);
        match by_id.get(l.license_id.as_str()) {
            None => {
                report.created += 1;
                creates.push(spdx_license::ActiveModel {
                    id: NotSet,
                    license_id: Set(l.license_id.clone()),
                    name: Set(l.name.clone()),
                    reference_url: Set(l.reference_url.clone()),
                    see_also: Set(see_also),
                    is_osi_approved: Set(l.is_osi_approved),
                    is_fsf_libre: Set(l.is_fsf_libre),
                    is_deprecated: Set(l.is_deprecated),
                    spdx_version: Set(list.version.clone()),
                });
            }
            Some(row) => {
                let same = row.name == l.name
                    && row.reference_url == l.reference_url
                    && row.see_also == see_also
                    && row.is_osi_approved == l.is_osi_approved
                    && row.is_fsf_libre == l.is_fsf_libre
                    && row.is_deprecated == l.is_deprecated
                    && row.spdx_version == list.version;
                if same {
                    report.unchanged += 1;
                    continue;
                }
                report.updated += 1;
                if !dry_run {
                    spdx_license::ActiveModel {
                        id: Unchanged(row.id),
                        license_id: Unchanged(row.license_id.clone()),
                        name: Set(l.name.clone()),
                        reference_url: Set(l.reference_url.clone()),
                        see_also: Set(see_also),
                        is_osi_approved: Set(l.is_osi_approved),
                        is_fsf_libre: Set(l.is_fsf_libre),
                        is_deprecated: Set(l.is_deprecated),
                        spdx_version: Set(list.version.clone()),
                    }
                    .update(&txn)
                    .await?;
                }
            }
        }
    }
    let upstream: HashSet<&str> = list
        .licenses
        .iter()
        .map(|l| l.license_id.as_str())
        .collect();
    let swept: Vec<i64> = existing
        .iter()
        .filter(|l| !l.is_deprecated && !upstream.contains(l.license_id.as_str()))
        .map(|l| l.id)
        .collect();
    report.deprecated_swept = swept.len();
    if dry_run {
        txn.rollback().await?;
        return Ok(report);
    }
    for chunk in creates.chunks(300) {
        spdx_license::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in swept.chunks(500) {
        spdx_license::Entity::update_many()
            .col_expr(Column::IsDeprecated, Expr::val(true))
            .filter(Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(report)
}

/// Seeds the table from the built-in list when it is empty.
pub async fn seed_if_empty(
    db: &DatabaseConnection,
) -> Result<Option<LicenseReport>, sea_orm::DbErr> {
    if spdx_license::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let list = builtin();
    let report = sync(db, &list, false).await?;
    tracing::info!(
        licenses = report.created,
        version = %list.version,
        "SPDX licence table was empty: seeded from the built-in SPDX {} list", list.version
    );
    Ok(Some(report))
}
