//! The registration and edit form as the domain sees it: the posted text values turned into a
//! [`RawSubmission`] (with the form's own checks — a required field left blank, the repeated e-mail
//! address, the start year dropped when monitoring is only planned), a stored record turned back into
//! form values for the edit page, and the check of one field for inline validation. The pages hold no
//! rule: they render these values and the errors returned here and by the use cases.

use sea_orm::{ModelTrait, Value as DbValue};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

use super::input::{FIELDS, Input, Kind, RawSubmission, spec};
use super::model::FieldErrors;
use super::repo::SubmissionRecord;

/// What a form posted (or shows): every value of every field, as typed.
pub type FormValues = BTreeMap<String, Vec<String>>;

/// The form-only field repeating the internal contact's address (never stored).
pub const EMAIL_CONFIRM: &str = "internal_contact_email_confirm";

const REQUIRED: &str = "This field is required.";

/// Who registers through the form says who they are: required here (at least two characters once
/// cleaned), though the API, used by scripts, leaves them optional.
pub const FORM_REQUIRED: [&str; 3] = [
    "submitter_first_name",
    "submitter_last_name",
    "submitter_affiliation",
];

/// The first value of a field, or `""`.
pub fn first<'a>(values: &'a FormValues, name: &str) -> &'a str {
    values
        .get(name)
        .and_then(|v| v.first())
        .map(String::as_str)
        .unwrap_or_default()
}

/// A posted form as the domain's raw request, and the problems only the form can have.
pub struct FormInput {
    pub raw: RawSubmission,
    pub errors: FieldErrors,
}

/// Builds the raw request of a posted form. Every field the form shows is present: a list left empty
/// is an empty list (so an edit can clear it), an unticked box is `false`; a required field left blank
/// is reported here as required instead of reaching its rule with an empty value.
pub fn from_form(values: &FormValues) -> FormInput {
    let mut obj = Map::new();
    let mut errors = FieldErrors::new();
    let planned = first(values, "kpi_monitoring").trim() == "planned";
    for f in FIELDS {
        let v = first(values, f.name);
        let value = match f.kind {
            // A start year means nothing while monitoring is only planned: it is dropped, not checked.
            Kind::Text { .. } if f.name == "kpi_start_year" && planned => {
                Value::String(String::new())
            }
            Kind::Text { .. } | Kind::Plain { .. }
                if (f.required || FORM_REQUIRED.contains(&f.name)) && v.trim().is_empty() =>
            {
                errors.add(f.name, REQUIRED);
                continue;
            }
            Kind::Text { .. }
                if FORM_REQUIRED.contains(&f.name)
                    && crate::text::clean_text(v).chars().count() < 2 =>
            {
                errors.add(f.name, "Enter at least 2 characters.");
                continue;
            }
            Kind::Text { .. } | Kind::Plain { .. } => Value::String(v.to_string()),
            Kind::Bool => Value::Bool(matches!(v, "true" | "on" | "yes" | "1")),
            Kind::Int | Kind::Date | Kind::Uuid if v.trim().is_empty() => {
                if f.required {
                    errors.add(f.name, REQUIRED);
                }
                continue;
            }
            Kind::Int | Kind::Date | Kind::Uuid => Value::String(v.to_string()),
            Kind::IntList | Kind::UuidList | Kind::StrList => Value::Array(
                values
                    .get(f.name)
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| Value::String(s.clone()))
                    .collect(),
            ),
        };
        obj.insert(f.name.to_string(), value);
    }
    check_email_confirmation(values, &mut errors);
    FormInput {
        raw: RawSubmission(Value::Object(obj)),
        errors,
    }
}

/// The repeated internal e-mail address must be given and equal (checked only when the address itself
/// was typed, so one mistake gives one message).
fn check_email_confirmation(values: &FormValues, errors: &mut FieldErrors) {
    let email = first(values, "internal_contact_email").trim();
    if email.is_empty() {
        return;
    }
    let confirm = first(values, EMAIL_CONFIRM).trim();
    if confirm.is_empty() {
        errors.add(
            EMAIL_CONFIRM,
            "Please type the internal contact e-mail a second time.",
        );
    } else if confirm != email {
        errors.add(EMAIL_CONFIRM, "The two e-mail addresses do not match.");
    }
}

/// The form values of a stored submission (the edit page's starting point).
pub fn to_form(r: &SubmissionRecord) -> FormValues {
    let mut out = FormValues::new();
    for f in FIELDS {
        let values: Vec<String> = match f.name {
            "service_category_ids" => r.categories.iter().map(|c| c.id.to_string()).collect(),
            "edam_topic_ids" => r.topics.iter().map(|t| t.id.to_string()).collect(),
            "edam_operation_ids" => r.operations.iter().map(|t| t.id.to_string()).collect(),
            "responsible_pi_ids" => r.pis.iter().map(|p| p.id.to_string()).collect(),
            "licenses" => r.licenses.iter().map(|l| l.license_id.clone()).collect(),
            _ => match f.column {
                Some(c) => column_text(r.row.get(c)).into_iter().collect(),
                None => Vec::new(),
            },
        };
        out.insert(f.name.to_string(), values);
    }
    let email = r.row.internal_contact_email.clone();
    out.insert(EMAIL_CONFIRM.to_string(), vec![email]);
    out
}

/// A stored column value as the form shows it.
fn column_text(v: DbValue) -> Option<String> {
    match v {
        DbValue::String(s) => s,
        DbValue::Bool(b) => b.map(|b| b.to_string()),
        DbValue::Int(i) => i.map(|i| i.to_string()),
        DbValue::BigInt(i) => i.map(|i| i.to_string()),
        DbValue::ChronoDate(d) => d.map(|d| d.format("%Y-%m-%d").to_string()),
        DbValue::Uuid(u) => u.map(|u| u.to_string()),
        _ => None,
    }
}

/// The problems of one field on its own (inline validation as the submitter leaves it): its kind, its
/// rules, and the form's own checks. `None` for a name that is not a field of the form. References and
/// cross-field rules are checked when the whole form is sent.
pub fn check_field(values: &FormValues, name: &str, current_year: i32) -> Option<Vec<String>> {
    if name != EMAIL_CONFIRM && spec(name).is_none() {
        return None;
    }
    let FormInput { raw, errors } = from_form(values);
    if let Some(messages) = errors.get(name) {
        return Some(messages.to_vec());
    }
    if name == EMAIL_CONFIRM {
        return Some(Vec::new());
    }
    let single = match raw.0.get(name) {
        Some(v) => serde_json::json!({ name: v }),
        None => return Some(Vec::new()),
    };
    let input = match Input::from_json(&single) {
        Ok(input) => input,
        Err(e) => return Some(e.get(name).map(<[String]>::to_vec).unwrap_or_default()),
    };
    let e = super::validate::field_rules(&input, current_year);
    Some(e.get(name).map(<[String]>::to_vec).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> FormValues {
        let mut v = FormValues::new();
        for (k, val) in pairs {
            v.entry(k.to_string()).or_default().push(val.to_string());
        }
        v
    }

    #[test]
    fn blank_required_fields_are_required_and_lists_are_always_present() {
        let FormInput { raw, errors } = from_form(&values(&[
            ("service_name", "  "),
            ("year_established", ""),
            ("comments", ""),
            ("service_category_ids", "3"),
            ("service_category_ids", "4"),
            ("is_toolbox", "true"),
        ]));
        assert_eq!(
            errors.get("service_name"),
            Some(&[REQUIRED.to_string()][..])
        );
        assert!(errors.contains_key("year_established"));
        assert!(!errors.contains_key("comments"));
        assert!(
            errors.contains_key("submitter_first_name"),
            "the form asks who registers"
        );
        assert_eq!(raw.0["service_category_ids"], serde_json::json!(["3", "4"]));
        assert_eq!(raw.0["edam_topic_ids"], serde_json::json!([]));
        assert_eq!(raw.0["is_toolbox"], serde_json::json!(true));
        assert_eq!(raw.0["data_protection_consent"], serde_json::json!(false));
    }

    #[test]
    fn planned_monitoring_drops_the_start_year_and_emails_must_match() {
        let FormInput { raw, errors } = from_form(&values(&[
            ("kpi_monitoring", "planned"),
            ("kpi_start_year", "soon-ish"),
            ("internal_contact_email", "a@example.org"),
            (EMAIL_CONFIRM, "b@example.org"),
        ]));
        assert_eq!(raw.0["kpi_start_year"], serde_json::json!(""));
        assert_eq!(
            errors.get(EMAIL_CONFIRM),
            Some(&["The two e-mail addresses do not match.".to_string()][..])
        );
        let e = from_form(&values(&[("internal_contact_email", "a@example.org")])).errors;
        assert!(e.contains_key(EMAIL_CONFIRM));
    }

    #[test]
    fn one_field_is_checked_alone() {
        let v = values(&[("website_url", "http://example.org")]);
        let m = check_field(&v, "website_url", 2026).unwrap_or_default();
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(check_field(&v, "nonsense", 2026), None);
        let ok = values(&[("website_url", "https://example.org/")]);
        assert_eq!(check_field(&ok, "website_url", 2026), Some(vec![]));
        let year = values(&[("year_established", "1800")]);
        assert_eq!(
            check_field(&year, "year_established", 2026).map(|m| m.len()),
            Some(1)
        );
        let blank = values(&[("service_name", "")]);
        assert_eq!(
            check_field(&blank, "service_name", 2026),
            Some(vec![REQUIRED.to_string()])
        );
    }
}
