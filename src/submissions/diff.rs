//! Snapshots of a submission as display values, and the field-level diff between two snapshots that the
//! change log, `last_change_summary` and the update e-mail show.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::entity::service_submission;
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

/// The display snapshot of a stored submission, its many-to-many links included.
pub fn snapshot(r: &SubmissionRecord) -> Snapshot {
    let s = &r.row;
    let mut m = Snapshot::new();
    let text = |v: &str| v.trim().to_string();
    m.insert("status", super::model::status_label(&s.status));
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
            .map(super::model::tag_label)
            .unwrap_or_default(),
    );
    let secondary: Vec<String> = secondary_tags(s)
        .iter()
        .map(|t| super::model::tag_label(t))
        .collect();
    m.insert("secondary_maturity_tags", joined(secondary));
    m.insert(
        "service_center",
        r.center
            .as_ref()
            .map(|c| format!("{} — {}", c.short_name, c.full_name))
            .unwrap_or_default(),
    );
    m.insert(
        "service_categories",
        joined(r.categories.iter().map(|c| c.name.clone()).collect()),
    );
    m.insert(
        "responsible_pis",
        joined(r.pis.iter().map(pi_display).collect()),
    );
    m.insert("edam_topics", edam_display(&r.topics));
    m.insert("edam_operations", edam_display(&r.operations));
    m.insert(
        "licenses",
        joined(r.licenses.iter().map(|l| l.license_id.clone()).collect()),
    );
    m
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
