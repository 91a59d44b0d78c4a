//! Validation of a submission request against the field rules, the database's reference data and the
//! cross-field rules (supplied value, else the stored one); every problem is collected.

use sea_orm::ConnectionTrait;

use super::input::{Errors, FIELDS, Input, Val, add_error};
use super::repo::{self, SubmissionRecord};
use super::rules;
use crate::edam::entity::edam_term;
use crate::error::AppError;
use crate::licenses::entity::spdx_license;
use crate::registry::entity::{principal_investigator as pi, service_category, service_center};

/// The reference rows a request links to, resolved (only those it supplied); a valid request's lists
/// hold exactly the rows it named, so the record after the write is known without reading it back.
#[derive(Debug, Default)]
pub struct Resolved {
    pub center: Option<service_center::Model>,
    pub categories: Option<Vec<service_category::Model>>,
    pub pis: Option<Vec<pi::Model>>,
    pub topics: Option<Vec<edam_term::Model>>,
    pub operations: Option<Vec<edam_term::Model>>,
    pub licenses: Option<Vec<spdx_license::Model>>,
}

impl Resolved {
    /// The record as it is after these links replace the stored ones.
    pub fn apply(&self, record: &mut SubmissionRecord) {
        if let Some(c) = &self.center {
            record.center = Some(c.clone());
        }
        if let Some(v) = &self.categories {
            record.categories = v.clone();
        }
        if let Some(v) = &self.pis {
            record.pis = v.clone();
        }
        if let Some(v) = &self.topics {
            record.topics = v.clone();
        }
        if let Some(v) = &self.operations {
            record.operations = v.clone();
        }
        if let Some(v) = &self.licenses {
            record.licenses = v.clone();
        }
    }
}

fn invalid(errors: Errors) -> AppError {
    AppError::Validation(serde_json::to_value(errors).unwrap_or_default())
}

/// Checks field rules and references against the database; `stored` is the stored submission on PATCH
/// (cross-field rules use the supplied value, else the stored one).
pub async fn validate<C: ConnectionTrait>(
    db: &C,
    input: &Input,
    stored: Option<&SubmissionRecord>,
    current_year: i32,
) -> Result<Resolved, AppError> {
    let current = stored.map(|r| &r.row);
    let mut e = Errors::new();
    if current.is_none() {
        for f in FIELDS.iter().filter(|f| f.required) {
            if !input.has(f.name) {
                add_error(&mut e, f.name, "This field is required.");
            }
        }
        if input.bool("data_protection_consent") != Some(true) {
            add_error(
                &mut e,
                "data_protection_consent",
                "You must consent to the data protection information to submit this form.",
            );
        }
    }
    let mut check = |name: &str, r: Result<(), String>| {
        if let Err(m) = r {
            add_error(&mut e, name, m);
        }
    };
    if let Some(v) = input.text("service_name") {
        check(
            "service_name",
            if v.chars().count() < 3 {
                Err("Service name must be at least 3 characters.".into())
            } else {
                Ok(())
            },
        );
    }
    if let Some(v) = input.text("service_description") {
        check("service_description", rules::description(v));
    }
    if let Some(Val::Int(y)) = input.values.get("year_established") {
        check(
            "year_established",
            rules::year_established(*y, current_year),
        );
    }
    if let Some(v) = input.text("publications_pmids") {
        check("publications_pmids", rules::publications(v));
    }
    if let Some(v) = input.text("public_contact_email") {
        check("public_contact_email", rules::public_contact(v));
    }
    if let Some(v) = input.text("internal_contact_email") {
        check("internal_contact_email", rules::email(v));
    }
    for name in ["website_url", "terms_of_use_url", "other_registry_url"] {
        if let Some(v) = input
            .text(name)
            .filter(|v| !v.is_empty() || matches!(name, "website_url" | "terms_of_use_url"))
        {
            check(name, rules::https_url(v));
        }
    }
    for (name, prefix, label) in [
        ("github_url", "https://github.com/", "GitHub"),
        ("biotools_url", "https://bio.tools/", "bio.tools"),
        ("fairsharing_url", "https://fairsharing.org/", "FAIRsharing"),
    ] {
        if let Some(v) = input.text(name).filter(|v| !v.is_empty()) {
            check(name, rules::prefixed_url(v, prefix, label));
        }
    }
    if let Some(v) = input.text("kpi_monitoring") {
        check(
            "kpi_monitoring",
            if matches!(v, "yes" | "planned") {
                Ok(())
            } else {
                Err(format!(
                    "\"{v}\" is not a valid choice: use yes or planned."
                ))
            },
        );
    }
    for name in ["service_name", "host_institute", "internal_contact_name"] {
        if input.text(name).is_some_and(str::is_empty) {
            add_error(&mut e, name, "This field may not be blank.");
        }
    }

    let mut links = Resolved::default();
    let mut any_partner_pi = None;
    if let Some(Val::Ints(ids)) = input.values.get("service_category_ids") {
        let found = repo::active_categories(db, ids).await?;
        report_missing(
            &mut e,
            "service_category_ids",
            ids,
            &found.iter().map(|c| c.id).collect::<Vec<_>>(),
        );
        if ids.is_empty() {
            add_error(
                &mut e,
                "service_category_ids",
                "Select at least one service category.",
            );
        }
        links.categories = Some(found);
    }
    if let Some(Val::Uuids(ids)) = input.values.get("responsible_pi_ids") {
        let found = repo::active_pis(db, ids).await?;
        report_missing(
            &mut e,
            "responsible_pi_ids",
            ids,
            &found.iter().map(|p| p.id).collect::<Vec<_>>(),
        );
        if ids.is_empty() {
            add_error(
                &mut e,
                "responsible_pi_ids",
                "Select at least one responsible PI.",
            );
        }
        any_partner_pi = Some(found.iter().any(|p| p.is_associated_partner));
        links.pis = Some(found);
    }
    for (name, branch) in [
        ("edam_topic_ids", "topic"),
        ("edam_operation_ids", "operation"),
    ] {
        if let Some(Val::Ints(ids)) = input.values.get(name) {
            let found = repo::edam_terms(db, ids, branch).await?;
            report_missing(
                &mut e,
                name,
                ids,
                &found.iter().map(|t| t.id).collect::<Vec<_>>(),
            );
            if branch == "topic" {
                links.topics = Some(found)
            } else {
                links.operations = Some(found)
            }
        }
    }
    if let Some(Val::Uuid(id)) = input.values.get("service_center_id") {
        links.center = repo::active_center(db, *id).await?;
        if links.center.is_none() {
            add_error(
                &mut e,
                "service_center_id",
                format!("Unknown or inactive service center '{id}'."),
            );
        }
    }
    if let Some(Val::Strs(ids)) = input.values.get("licenses") {
        let found = repo::licenses_by_code(db, ids).await?;
        // A deprecated licence may stay on a submission that already has it, but is not a new pick.
        let kept = |id: i64| stored.is_some_and(|r| r.licenses.iter().any(|l| l.id == id));
        for id in ids {
            match found.iter().find(|l| &l.license_id == id) {
                Some(l) if !l.is_deprecated || kept(l.id) => {}
                Some(_) => add_error(
                    &mut e,
                    "licenses",
                    format!("Licence '{id}' is deprecated and cannot be chosen."),
                ),
                None => add_error(
                    &mut e,
                    "licenses",
                    format!("Unknown SPDX licence id '{id}'."),
                ),
            }
        }
        links.licenses = Some(found);
    }

    // Cross-field rules on "supplied, else stored" values.
    let text = |name: &str, stored: Option<&str>| {
        input
            .text(name)
            .map(str::to_string)
            .or(stored.map(str::to_string))
            .unwrap_or_default()
    };
    let is_toolbox = input
        .bool("is_toolbox")
        .or(current.map(|c| c.is_toolbox))
        .unwrap_or(false);
    if is_toolbox
        && text("toolbox_name", current.map(|c| c.toolbox_name.as_str()))
            .trim()
            .is_empty()
    {
        add_error(
            &mut e,
            "toolbox_name",
            "Toolbox name is required when the service is part of a toolbox.",
        );
    }
    let kpi = text("kpi_monitoring", current.map(|c| c.kpi_monitoring.as_str()));
    if !kpi.is_empty()
        && kpi != "planned"
        && text("kpi_start_year", current.map(|c| c.kpi_start_year.as_str()))
            .trim()
            .is_empty()
    {
        add_error(
            &mut e,
            "kpi_start_year",
            "Please provide the year KPI monitoring started.",
        );
    }
    let partner = match (any_partner_pi, stored) {
        (Some(p), _) => p,
        (None, Some(r)) => r.pis.iter().any(|p| p.is_associated_partner),
        (None, None) => false,
    };
    if partner
        && text(
            "associated_partner_note",
            current.map(|c| c.associated_partner_note.as_str()),
        )
        .trim()
        .is_empty()
    {
        add_error(
            &mut e,
            "associated_partner_note",
            "Please provide the name and affiliation of the associated partner.",
        );
    }
    let has_licenses = match (&links.licenses, &stored) {
        (Some(l), _) => !l.is_empty(),
        (None, Some(s)) => !s.licenses.is_empty(),
        (None, None) => false,
    };
    if !has_licenses
        && text("license_note", current.map(|c| c.license_note.as_str()))
            .trim()
            .is_empty()
    {
        add_error(
            &mut e,
            "licenses",
            "Select at least one licence, or fill in a licence note if no standard licence applies.",
        );
    }
    if e.is_empty() {
        Ok(links)
    } else {
        Err(invalid(e))
    }
}

fn report_missing<T: PartialEq + std::fmt::Display>(
    e: &mut Errors,
    field: &str,
    wanted: &[T],
    found: &[T],
) {
    for id in wanted.iter().filter(|id| !found.contains(id)) {
        add_error(e, field, format!("'{id}' does not exist or is not active."));
    }
}
