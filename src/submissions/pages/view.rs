//! What the registration and edit templates show: the values as typed (or as stored), the domain's
//! errors beside their fields and in a summary, and the choices of every select — for the EDAM and
//! licence pickers only the chosen terms (the rest is searched on the server as the submitter types).

use chrono::Datelike;
use minijinja::Value;
use serde::Serialize;

use super::super::form::{EMAIL_CONFIRM, FormValues, first};
use super::super::input::{FIELDS, spec};
use super::super::model::FieldErrors;
use super::super::repo::{self, SubmissionRecord};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
    /// A PI standing for an associated partner (whose details the note must give).
    partner: bool,
}

#[derive(Serialize)]
struct Picked {
    value: String,
    label: String,
    accession: String,
}

#[derive(Serialize)]
struct SummaryItem {
    id: String,
    label: String,
    messages: Vec<String>,
}

/// The label of a field in the error summary.
fn label_of(name: &str) -> String {
    match name {
        EMAIL_CONFIRM => "Internal contact e-mail (repeated)".into(),
        "altcha" => "Spam protection".into(),
        "logo" => "Logo".into(),
        "form" | "non_field_errors" => "Form".into(),
        _ => spec(name).map_or_else(|| name.to_string(), |s| s.label.to_string()),
    }
}

/// The errors in the order of the form, each linking to its field.
fn summary(errors: &FieldErrors) -> Vec<SummaryItem> {
    let order: Vec<&str> = FIELDS
        .iter()
        .map(|f| f.name)
        .chain([EMAIL_CONFIRM, "logo", "altcha", "non_field_errors", "form"])
        .collect();
    let mut items: Vec<(usize, SummaryItem)> = errors
        .iter()
        .map(|(name, messages)| {
            let pos = order.iter().position(|n| *n == name).unwrap_or(usize::MAX);
            let item = SummaryItem {
                id: format!("f-{name}"),
                label: label_of(name),
                messages: messages.to_vec(),
            };
            (pos, item)
        })
        .collect();
    items.sort_by_key(|(p, _)| *p);
    items.into_iter().map(|(_, i)| i).collect()
}

fn human_bytes(n: u64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.0} MB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", n.div_ceil(1024))
    }
}

/// The context of the form partial. `stored` is the submission being edited (for its current logo and
/// the licences it may keep).
pub async fn form_context(
    state: &AppState,
    values: &FormValues,
    errors: &FieldErrors,
    stored: Option<&SubmissionRecord>,
) -> Result<Value, AppError> {
    let choices = repo::form_choices(&state.db).await?;
    let has = |name: &str, v: &str| values.get(name).is_some_and(|l| l.iter().any(|x| x == v));
    let categories: Vec<Choice> = choices
        .categories
        .iter()
        .map(|c| Choice {
            value: c.id.to_string(),
            label: c.name.clone(),
            selected: has("service_category_ids", &c.id.to_string()),
            partner: false,
        })
        .collect();
    let centers: Vec<Choice> = choices
        .centers
        .iter()
        .map(|c| Choice {
            value: c.id.to_string(),
            label: format!("{} — {}", c.short_name, c.full_name),
            selected: first(values, "service_center_id") == c.id.to_string(),
            partner: false,
        })
        .collect();
    let pis: Vec<Choice> = choices
        .pis
        .iter()
        .map(|p| Choice {
            value: p.id.to_string(),
            label: super::super::diff::pi_display(p),
            selected: has("responsible_pi_ids", &p.id.to_string()),
            partner: p.is_associated_partner,
        })
        .collect();
    let mut institutes: Vec<String> = choices
        .pis
        .iter()
        .map(|p| p.institute.trim().to_string())
        .filter(|i| !i.is_empty())
        .collect();
    institutes.sort_by_key(|i| i.to_lowercase());
    institutes.dedup();

    let index = state.edam.get();
    let picked_terms = |name: &str| -> Vec<Picked> {
        values
            .get(name)
            .into_iter()
            .flatten()
            .filter_map(|v| v.trim().parse::<i64>().ok())
            .filter_map(|id| index.by_id(id))
            .map(|t| Picked {
                value: t.id.to_string(),
                label: t.label.clone(),
                accession: t.accession.clone(),
            })
            .collect()
    };
    let topics = picked_terms("edam_topic_ids");
    let operations = picked_terms("edam_operation_ids");
    let codes: Vec<String> = values.get("licenses").cloned().unwrap_or_default();
    let licenses: Vec<Picked> = if codes.is_empty() {
        Vec::new()
    } else {
        let found = repo::licenses_by_code(&state.db, &codes).await?;
        codes
            .iter()
            .filter_map(|c| found.iter().find(|l| &l.license_id == c))
            .map(|l| Picked {
                value: l.license_id.clone(),
                label: l.name.clone(),
                accession: l.license_id.clone(),
            })
            .collect()
    };
    let v: std::collections::BTreeMap<&str, &str> = values
        .keys()
        .map(|k| (k.as_str(), first(values, k)))
        .collect();
    let max = state.config.site.uploads.logo_max_bytes;
    let year = state
        .clock
        .now()
        .with_timezone(&state.config.time_zone)
        .year();
    Ok(minijinja::context! {
        v => v,
        errors => Value::from_serialize(errors),
        summary => summary(errors),
        categories => categories,
        centers => centers,
        pis => pis,
        institutes => institutes,
        topics => topics,
        operations => operations,
        licenses => licenses,
        logo_max_bytes => max,
        logo_max_label => human_bytes(max),
        logo_url => stored.and_then(|r| r.row.logo.as_deref()).map(super::super::logo::media_url),
        captcha => state.captcha.enabled(),
        prefill => state.config.site.features.biotools_prefill,
        year_max => year,
    })
}
