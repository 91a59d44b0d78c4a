//! A submission request body (JSON object or form fields) parsed into typed values, field by field, so
//! every error — wrong type, NUL byte, too long, malformed date — is collected and reported together.
//! Read-only fields are silently ignored; unknown fields are refused.

use chrono::NaiveDate;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::text::{clean_text, has_nul};

pub use super::fields::{FIELDS, FieldSpec, Kind, MAX_TEXT, READ_ONLY, spec};

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Text(String),
    Bool(bool),
    Int(i64),
    Date(NaiveDate),
    Ints(Vec<i64>),
    Uuids(Vec<Uuid>),
    Uuid(Uuid),
    Strs(Vec<String>),
}

impl Val {
    /// The value as its column stores it; `None` for the lists, which are links, not columns.
    pub fn column_value(&self) -> Option<sea_orm::Value> {
        match self {
            Val::Text(t) => Some(t.clone().into()),
            Val::Bool(b) => Some((*b).into()),
            // The only integer column is the year, checked to be in 1900..=now before it is stored.
            Val::Int(i) => Some(i32::try_from(*i).unwrap_or(i32::MAX).into()),
            Val::Date(d) => Some((*d).into()),
            Val::Uuid(u) => Some((*u).into()),
            Val::Ints(_) | Val::Uuids(_) | Val::Strs(_) => None,
        }
    }
}

/// Field → messages, reported as the `details` of a validation error.
pub use super::model::FieldErrors as Errors;

/// The supplied, well-typed values of a request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Input {
    pub values: BTreeMap<&'static str, Val>,
}

impl Input {
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.values.get(name) {
            Some(Val::Text(s)) => Some(s),
            _ => None,
        }
    }
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.values.get(name) {
            Some(Val::Bool(b)) => Some(*b),
            _ => None,
        }
    }
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// Parses a JSON object. Every problem is collected; the caller turns a non-empty map into a 400.
    pub fn from_json(body: &Value) -> Result<Self, Errors> {
        let mut errors = Errors::new();
        let Some(obj) = body.as_object() else {
            errors.add("non_field_errors", "Expected a JSON object.");
            return Err(errors);
        };
        let input = Self::from_map(obj, &mut errors);
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }

    fn from_map(obj: &Map<String, Value>, errors: &mut Errors) -> Self {
        let mut input = Self::default();
        for (key, value) in obj {
            if READ_ONLY.contains(&key.as_str()) || key == "logo" {
                continue;
            }
            let Some(spec) = spec(key) else {
                let shown: String = key.chars().take(60).collect();
                errors.add("non_field_errors", format!("Unknown field '{shown}'."));
                continue;
            };
            match parse_value(spec.kind, value) {
                Ok(Some(v)) => {
                    input.values.insert(spec.name, v);
                }
                Ok(None) => {}
                Err(msg) => errors.add(spec.name, msg),
            }
        }
        input
    }
}

/// A submission request as it comes, before any parsing: the JSON object of a JSON body, or the fields
/// of a multipart body (list fields gathered into arrays). The web form will produce one too.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawSubmission(pub Value);

/// The parsed values of a registration.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSubmission(Input);

/// The parsed values of a partial update. Consent is given once, at registration: a patch can neither
/// withdraw nor change it, so it never carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmissionPatch(Input);

impl TryFrom<&RawSubmission> for NewSubmission {
    type Error = Errors;

    fn try_from(raw: &RawSubmission) -> Result<Self, Errors> {
        Input::from_json(&raw.0).map(Self)
    }
}

impl TryFrom<&RawSubmission> for SubmissionPatch {
    type Error = Errors;

    fn try_from(raw: &RawSubmission) -> Result<Self, Errors> {
        let mut input = Input::from_json(&raw.0)?;
        input.values.remove("data_protection_consent");
        Ok(Self(input))
    }
}

impl std::ops::Deref for NewSubmission {
    type Target = Input;
    fn deref(&self) -> &Input {
        &self.0
    }
}

impl std::ops::Deref for SubmissionPatch {
    type Target = Input;
    fn deref(&self) -> &Input {
        &self.0
    }
}

fn text_value(kind: Kind, s: &str) -> Result<Val, String> {
    if has_nul(s) {
        return Err("Null characters are not allowed.".into());
    }
    let (value, max) = match kind {
        Kind::Text { max } => (clean_text(s), max.unwrap_or(MAX_TEXT)),
        Kind::Plain { max } => (s.trim().to_string(), max),
        _ => return Err("Not a text field.".into()),
    };
    let n = value.chars().count();
    if n > max {
        return Err(format!(
            "Ensure this field has no more than {max} characters (it has {n})."
        ));
    }
    Ok(Val::Text(value))
}

/// `Ok(None)` for JSON `null` on a text field (treated as empty) is not used: `null` becomes `""`.
fn parse_value(kind: Kind, v: &Value) -> Result<Option<Val>, String> {
    match kind {
        Kind::Text { .. } | Kind::Plain { .. } => match v {
            Value::String(s) => text_value(kind, s).map(Some),
            Value::Null => Ok(Some(Val::Text(String::new()))),
            _ => Err("Expected a string.".into()),
        },
        Kind::Bool => match v {
            Value::Bool(b) => Ok(Some(Val::Bool(*b))),
            Value::String(s) if matches!(s.as_str(), "true" | "false") => {
                Ok(Some(Val::Bool(s == "true")))
            }
            _ => Err("Must be a valid boolean.".into()),
        },
        Kind::Int => match v {
            Value::Number(n) => n
                .as_i64()
                .map(|i| Some(Val::Int(i)))
                .ok_or_else(|| "A valid integer is required.".into()),
            Value::String(s) => s
                .trim()
                .parse::<i64>()
                .map(|i| Some(Val::Int(i)))
                .map_err(|_| "A valid integer is required.".into()),
            _ => Err("A valid integer is required.".into()),
        },
        Kind::Date => match v {
            Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map(|d| Some(Val::Date(d)))
                .map_err(|_| "Date has wrong format. Use YYYY-MM-DD.".into()),
            _ => Err("Date has wrong format. Use YYYY-MM-DD.".into()),
        },
        Kind::IntList => list(v, |x| match x {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .map(|l| Some(Val::Ints(l))),
        Kind::UuidList => list(v, |x| {
            x.as_str().and_then(|s| Uuid::parse_str(s.trim()).ok())
        })
        .map(|l| Some(Val::Uuids(l))),
        Kind::Uuid => v
            .as_str()
            .and_then(|s| Uuid::parse_str(s.trim()).ok())
            .map(|u| Some(Val::Uuid(u)))
            .ok_or_else(|| "Must be a valid UUID.".into()),
        Kind::StrList => list(v, |x| {
            x.as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty() && s.len() <= 80 && !has_nul(s))
                .map(str::to_string)
        })
        .map(|l| Some(Val::Strs(l))),
    }
}

/// A JSON array whose every item converts; duplicates are dropped, order kept; at most 100 items.
fn list<T: PartialEq>(v: &Value, item: impl Fn(&Value) -> Option<T>) -> Result<Vec<T>, String> {
    let Some(arr) = v.as_array() else {
        return Err("Expected a list.".into());
    };
    if arr.len() > 100 {
        return Err("At most 100 items.".into());
    }
    let mut out = Vec::new();
    for (i, x) in arr.iter().enumerate() {
        match item(x) {
            Some(t) if !out.contains(&t) => out.push(t),
            Some(_) => {}
            None => return Err(format!("Item {} is not valid.", i + 1)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn collects_every_problem_and_ignores_read_only_fields() {
        let body = json!({
            "status": "approved", "primary_maturity_tag": "mature", "id": "x",
            "service_name": 5, "year_established": "abc", "date_of_entry": "01.02.2026",
            "service_category_ids": [1, "two"], "surprise": true, "comments": "a\u{0}b"
        });
        let errors = Input::from_json(&body).expect_err("invalid");
        for f in [
            "service_name",
            "year_established",
            "date_of_entry",
            "service_category_ids",
            "comments",
            "non_field_errors",
        ] {
            assert!(errors.contains_key(f), "{f}: {errors:?}");
        }
        assert!(!errors.contains_key("status"));
    }

    #[test]
    fn parses_and_sanitises() {
        let body = json!({"service_name": "  <i>Tool</i> ", "year_established": "2020", "service_category_ids": [3, 3, 4], "is_toolbox": false});
        let input = Input::from_json(&body).expect("valid");
        assert_eq!(input.text("service_name"), Some("Tool"));
        assert_eq!(input.values.get("year_established"), Some(&Val::Int(2020)));
        assert_eq!(
            input.values.get("service_category_ids"),
            Some(&Val::Ints(vec![3, 4]))
        );
        assert_eq!(input.bool("is_toolbox"), Some(false));
        assert!(Input::from_json(&json!([1])).is_err());
    }
}
