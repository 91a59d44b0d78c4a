//! Snapshots of a submission as display values, and the field-level diff between two snapshots that the
//! change log, `last_change_summary` and the update e-mail show.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::entity::service_submission;
use crate::edam::entity::edam_term;
use crate::licenses::entity::spdx_license;
use crate::registry::entity::{principal_investigator as pi, service_category, service_center};

/// One change, as stored in the change log (`{field, label, old, new}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Change {
    pub field: String,
    pub label: String,
    pub old: String,
    pub new: String,
}

/// Field → display value; lists are joined after sorting.
pub type Snapshot = BTreeMap<&'static str, String>;

fn yes_no(b: bool) -> String {
    if b { "Yes" } else { "No" }.to_string()
}

fn joined(mut items: Vec<String>) -> String {
    items.sort();
    items.join(", ")
}

pub fn label_of(field: &str) -> String {
    match field {
        "status" => "Status".into(),
        "logo" => "Logo".into(),
        "primary_maturity_tag" => "Primary maturity tag".into(),
        "secondary_maturity_tags" => "Secondary maturity tags".into(),
        other => super::input::FIELDS
            .iter()
            .find(|f| f.field == other)
            .map(|f| f.label.to_string())
            .unwrap_or_else(|| other.replace('_', " ")),
    }
}

/// The display snapshot of a stored submission, its many-to-many links included.
pub async fn snapshot<C: ConnectionTrait>(
    db: &C,
    s: &service_submission::Model,
) -> Result<Snapshot, DbErr> {
    let mut m = Snapshot::new();
    let text = |v: &str| v.trim().to_string();
    m.insert("status", super::lifecycle::status_label(&s.status));
    m.insert(
        "date_of_entry",
        s.date_of_entry.format("%Y-%m-%d").to_string(),
    );
    m.insert("submitter_first_name", text(&s.submitter_first_name));
    m.insert("submitter_last_name", text(&s.submitter_last_name));
    m.insert("submitter_affiliation", text(&s.submitter_affiliation));
    m.insert("register_as_elixir", yes_no(s.register_as_elixir));
    m.insert("service_name", text(&s.service_name));
    m.insert("service_description", text(&s.service_description));
    m.insert("year_established", s.year_established.to_string());
    m.insert("is_toolbox", yes_no(s.is_toolbox));
    m.insert("toolbox_name", text(&s.toolbox_name));
    m.insert("user_knowledge_required", text(&s.user_knowledge_required));
    m.insert("publications_pmids", text(&s.publications_pmids));
    m.insert("associated_partner_note", text(&s.associated_partner_note));
    m.insert("host_institute", text(&s.host_institute));
    m.insert("public_contact_email", text(&s.public_contact_email));
    m.insert("internal_contact_name", text(&s.internal_contact_name));
    m.insert("internal_contact_email", text(&s.internal_contact_email));
    m.insert("website_url", text(&s.website_url));
    m.insert("terms_of_use_url", text(&s.terms_of_use_url));
    m.insert("license_note", text(&s.license_note));
    m.insert("github_url", text(&s.github_url));
    m.insert("biotools_url", text(&s.biotools_url));
    m.insert("fairsharing_url", text(&s.fairsharing_url));
    m.insert("other_registry_url", text(&s.other_registry_url));
    m.insert(
        "kpi_monitoring",
        super::lifecycle::kpi_label(&s.kpi_monitoring),
    );
    m.insert("kpi_start_year", text(&s.kpi_start_year));
    m.insert("keywords_uncited", text(&s.keywords_uncited));
    m.insert("keywords_seo", text(&s.keywords_seo));
    m.insert("survey_participation", yes_no(s.survey_participation));
    m.insert("comments", text(&s.comments));
    m.insert(
        "logo",
        s.logo
            .as_deref()
            .and_then(|p| p.rsplit('/').next())
            .unwrap_or_default()
            .to_string(),
    );
    m.insert(
        "primary_maturity_tag",
        s.primary_maturity_tag
            .as_deref()
            .map(super::lifecycle::tag_label)
            .unwrap_or_default(),
    );
    let secondary: Vec<String> = s
        .secondary_maturity_tags
        .as_ref()
        .and_then(|v| serde_json::from_value::<Vec<String>>(v.clone()).ok())
        .unwrap_or_default()
        .iter()
        .map(|t| super::lifecycle::tag_label(t))
        .collect();
    m.insert("secondary_maturity_tags", joined(secondary));

    let centre = service_center::Entity::find_by_id(s.service_center_id)
        .one(db)
        .await?;
    m.insert(
        "service_center",
        centre
            .map(|c| format!("{} — {}", c.short_name, c.full_name))
            .unwrap_or_default(),
    );
    let ids = super::links::load(db, s.id).await?;
    let cats = service_category::Entity::find()
        .filter(service_category::Column::Id.is_in(ids.categories))
        .all(db)
        .await?;
    m.insert(
        "service_categories",
        joined(cats.into_iter().map(|c| c.name).collect()),
    );
    let pis = pi::Entity::find()
        .filter(pi::Column::Id.is_in(ids.pis))
        .all(db)
        .await?;
    m.insert(
        "responsible_pis",
        joined(pis.iter().map(pi_display).collect()),
    );
    m.insert("edam_topics", edam_display(db, ids.topics).await?);
    m.insert("edam_operations", edam_display(db, ids.operations).await?);
    let lics = spdx_license::Entity::find()
        .filter(spdx_license::Column::Id.is_in(ids.licenses))
        .all(db)
        .await?;
    m.insert(
        "licenses",
        joined(lics.into_iter().map(|l| l.license_id).collect()),
    );
    Ok(m)
}

pub fn pi_display(p: &pi::Model) -> String {
    if p.is_associated_partner {
        "Associated partner (named in the note)".to_string()
    } else {
        format!("{}, {}", p.last_name, p.first_name)
    }
}

async fn edam_display<C: ConnectionTrait>(db: &C, ids: Vec<i64>) -> Result<String, DbErr> {
    let terms = edam_term::Entity::find()
        .filter(edam_term::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(joined(
        terms
            .into_iter()
            .map(|t| format!("{} ({})", t.label, t.accession))
            .collect(),
    ))
}

/// The changes between two snapshots, in field-name order; empty values show as "—".
pub fn diff(before: &Snapshot, after: &Snapshot) -> Vec<Change> {
    let show = |v: &str| {
        if v.is_empty() {
            "—".to_string()
        } else {
            v.to_string()
        }
    };
    after
        .iter()
        .filter_map(|(field, new)| {
            let old = before.get(field)?;
            (old != new).then(|| Change {
                field: field.to_string(),
                label: label_of(field),
                old: show(old),
                new: show(new),
            })
        })
        .collect()
}
