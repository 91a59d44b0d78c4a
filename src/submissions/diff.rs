//! Snapshots of a submission as display values, and the field-level diff between two snapshots that the
//! change log, `last_change_summary` and the update e-mail show.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use sea_orm::ModelTrait;

use super::entity::service_submission;
use super::fields::{FieldSpec, Shown};
use super::repo::SubmissionRecord;
use crate::edam::entity::edam_term;
use crate::registry::entity::principal_investigator as pi;

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

/// The display snapshot of a stored submission, its many-to-many links included: every field of the
/// field list as its [`Shown`] says, plus the status, logo and maturity tags.
pub fn snapshot(r: &SubmissionRecord) -> Snapshot {
    let s = &r.row;
    let mut m = Snapshot::new();
    for spec in super::input::FIELDS {
        if let Some(value) = shown(r, spec) {
            m.insert(spec.field, value);
        }
    }
    m.insert("status", super::model::status_label(&s.status));
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
            .map(super::model::tag_label)
            .unwrap_or_default(),
    );
    let secondary: Vec<String> = secondary_tags(s)
        .iter()
        .map(|t| super::model::tag_label(t))
        .collect();
    m.insert("secondary_maturity_tags", joined(secondary));
    m
}

/// One field's display value; `None` for a field the snapshot leaves out.
fn shown(r: &SubmissionRecord, spec: &FieldSpec) -> Option<String> {
    let value = match spec.shown {
        Shown::Hidden => return None,
        Shown::Column => column_display(&r.row.get(spec.column?)),
        Shown::KpiLabel => super::lifecycle::kpi_label(&r.row.kpi_monitoring),
        Shown::Center => r
            .center
            .as_ref()
            .map(|c| format!("{} — {}", c.short_name, c.full_name))
            .unwrap_or_default(),
        Shown::Categories => joined(r.categories.iter().map(|c| c.name.clone()).collect()),
        Shown::Pis => joined(r.pis.iter().map(pi_display).collect()),
        Shown::Topics => edam_display(&r.topics),
        Shown::Operations => edam_display(&r.operations),
        Shown::Licenses => joined(r.licenses.iter().map(|l| l.license_id.clone()).collect()),
    };
    Some(value)
}

/// A column's stored value as the change log shows it.
fn column_display(value: &sea_orm::Value) -> String {
    use sea_orm::Value as V;
    match value {
        V::String(Some(t)) => t.trim().to_string(),
        V::Bool(Some(b)) => yes_no(*b),
        V::Int(Some(i)) => i.to_string(),
        V::BigInt(Some(i)) => i.to_string(),
        V::ChronoDate(Some(d)) => d.format("%Y-%m-%d").to_string(),
        other => other.to_string(),
    }
}

/// The stored secondary maturity tags (a JSON list of codes).
pub fn secondary_tags(s: &service_submission::Model) -> Vec<String> {
    s.secondary_maturity_tags
        .as_ref()
        .and_then(|v| serde_json::from_value::<Vec<String>>(v.clone()).ok())
        .unwrap_or_default()
}

pub fn pi_display(p: &pi::Model) -> String {
    if p.is_associated_partner {
        "Associated partner (named in the note)".to_string()
    } else {
        format!("{}, {}", p.last_name, p.first_name)
    }
}

fn edam_display(terms: &[edam_term::Model]) -> String {
    joined(
        terms
            .iter()
            .map(|t| format!("{} ({})", t.label, t.accession))
            .collect(),
    )
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
