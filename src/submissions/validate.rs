//! Validation of a submission request against the field rules, the database's reference data and the
//! cross-field rules (supplied value, else the stored one); every problem is collected.

use sea_orm::ConnectionTrait;

use super::fields::Rule;
use super::input::{Errors, FIELDS, Input, Val};
use super::model::{
    Description, Email, HttpsUrl, KpiMonitoring, PublicContact, Publications, ServiceName,
    YearEstablished,
};
use super::repo::{self, SubmissionRecord};
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

/// Checks field rules and references against the database; `stored` is the stored submission on PATCH
/// (cross-field rules use the supplied value, else the stored one). Every problem is collected.
pub async fn validate<C: ConnectionTrait>(
    db: &C,
    input: &Input,
    stored: Option<&SubmissionRecord>,
    current_year: i32,
) -> Result<Resolved, AppError> {
    let mut e = Errors::new();
    if stored.is_none() {
        check_required(&mut e, input);
    }
    check_fields(&mut e, input, current_year);
    let (links, any_partner_pi) = resolve(db, &mut e, input, stored).await?;
    check_cross_fields(&mut e, input, stored, &links, any_partner_pi);
    e.into_result(links).map_err(AppError::from)
}

/// What a new submission must supply.
fn check_required(e: &mut Errors, input: &Input) {
    for f in FIELDS.iter().filter(|f| f.required) {
        if !input.has(f.name) {
            e.add(f.name, "This field is required.");
        }
    }
    if input.bool("data_protection_consent") != Some(true) {
        e.add(
            "data_protection_consent",
            "You must consent to the data protection information to submit this form.",
        );
    }
}

/// The rules of the supplied fields on their own, without the database (inline validation).
pub fn field_rules(input: &Input, current_year: i32) -> Errors {
    let mut e = Errors::new();
    check_fields(&mut e, input, current_year);
    e
}

/// The rules of single fields (each field's `rules` in the field list), through their newtypes.
fn check_fields(e: &mut Errors, input: &Input, current_year: i32) {
    for spec in FIELDS {
        let Some(value) = input.values.get(spec.name) else {
            continue;
        };
        let text = match value {
            Val::Text(t) => Some(t.as_str()),
            _ => None,
        };
        for rule in spec.rules {
            check_rule(e, spec.name, *rule, value, text, current_year);
        }
    }
}

fn check_rule(
    e: &mut Errors,
    name: &'static str,
    rule: Rule,
    value: &Val,
    text: Option<&str>,
    current_year: i32,
) {
    let Some(v) = text else {
        if let (Rule::Year, Val::Int(y)) = (rule, value) {
            e.check(name, YearEstablished::parse(*y, current_year));
        }
        return;
    };
    match rule {
        Rule::ServiceName => drop(e.check(name, ServiceName::parse(v))),
        Rule::Description => drop(e.check(name, Description::parse(v))),
        Rule::Publications => drop(e.check(name, Publications::parse(v))),
        Rule::PublicContact => drop(e.check(name, PublicContact::parse(v))),
        Rule::Email => drop(e.check(name, Email::parse(v))),
        Rule::HttpsUrl => drop(e.check(name, HttpsUrl::parse(v))),
        Rule::OptionalHttpsUrl if !v.is_empty() => drop(e.check(name, HttpsUrl::parse(v))),
        Rule::Prefixed(prefix, label) if !v.is_empty() => {
            drop(e.check(name, HttpsUrl::with_prefix(v, prefix, label)))
        }
        Rule::Kpi => drop(e.check(name, KpiMonitoring::parse(v))),
        Rule::NotBlank if v.is_empty() => e.add(name, "This field may not be blank."),
        // An empty optional value, a filled-in one, or a year given as text (refused by its kind).
        Rule::OptionalHttpsUrl | Rule::Prefixed(..) | Rule::NotBlank | Rule::Year => {}
    }
}

/// Resolves the reference rows the request names (only active ones count); also whether any named PI
/// is the associated-partner placeholder.
async fn resolve<C: ConnectionTrait>(
    db: &C,
    e: &mut Errors,
    input: &Input,
    stored: Option<&SubmissionRecord>,
) -> Result<(Resolved, Option<bool>), AppError> {
    let mut links = Resolved::default();
    let mut any_partner_pi = None;
    if let Some(Val::Ints(ids)) = input.values.get("service_category_ids") {
        let found = repo::active_categories(db, ids).await?;
        report_missing(
            e,
            "service_category_ids",
            ids,
            &found.iter().map(|c| c.id).collect::<Vec<_>>(),
        );
        if ids.is_empty() {
            e.add(
                "service_category_ids",
                "Select at least one service category.",
            );
        }
        links.categories = Some(found);
    }
    if let Some(Val::Uuids(ids)) = input.values.get("responsible_pi_ids") {
        let found = repo::active_pis(db, ids).await?;
        report_missing(
            e,
            "responsible_pi_ids",
            ids,
            &found.iter().map(|p| p.id).collect::<Vec<_>>(),
        );
        if ids.is_empty() {
            e.add("responsible_pi_ids", "Select at least one responsible PI.");
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
                e,
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
            e.add(
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
                Some(_) => e.add(
                    "licenses",
                    format!("Licence '{id}' is deprecated and cannot be chosen."),
                ),
                None => e.add("licenses", format!("Unknown SPDX licence id '{id}'.")),
            }
        }
        links.licenses = Some(found);
    }

    Ok((links, any_partner_pi))
}

/// Cross-field rules on "supplied, else stored" values.
fn check_cross_fields(
    e: &mut Errors,
    input: &Input,
    stored: Option<&SubmissionRecord>,
    links: &Resolved,
    any_partner_pi: Option<bool>,
) {
    let current = stored.map(|r| &r.row);
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
        e.add(
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
        e.add(
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
        e.add(
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
        e.add("licenses",
            "Select at least one licence, or fill in a licence note if no standard licence applies.",
        );
    }
}

fn report_missing<T: PartialEq + std::fmt::Display>(
    e: &mut Errors,
    field: &str,
    wanted: &[T],
    found: &[T],
) {
    for id in wanted.iter().filter(|id| !found.contains(id)) {
        e.add(field, format!("'{id}' does not exist or is not active."));
    }
}
