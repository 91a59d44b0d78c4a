//! The submission's domain types: its typed id, its status (codes, labels, transitions) and its maturity
//! tags. The database keeps the codes as strings; they are converted at the edge (`repo`, `view`).

use std::fmt;
use uuid::Uuid;

/// The id of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubmissionId(pub Uuid);

impl SubmissionId {
    /// Parses a path segment; anything that is not a UUID (traversal attempts included) is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        Uuid::parse_str(s).ok().map(Self)
    }

    pub fn uuid(self) -> Uuid {
        self.0
    }
}

impl From<Uuid> for SubmissionId {
    fn from(u: Uuid) -> Self {
        Self(u)
    }
}

impl fmt::Display for SubmissionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a submission is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    Submitted,
    UnderReview,
    Approved,
    Rejected,
    Deprecated,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::Submitted,
        Status::UnderReview,
        Status::Approved,
        Status::Rejected,
        Status::Deprecated,
    ];

    /// The code stored in the database and shown by the API.
    pub const fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::UnderReview => "under_review",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Deprecated => "deprecated",
        }
    }

    /// The label people read (change log, e-mails, pages).
    pub const fn label(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::Submitted => "Submitted",
            Status::UnderReview => "Under Review",
            Status::Approved => "Approved",
            Status::Rejected => "Rejected",
            Status::Deprecated => "Deprecated",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Every status may be set from every other one by staff (approve, reject, review, deprecate,
    /// undeprecate → submitted); moving to the current status is a no-op, not a transition.
    pub fn can_move_to(self, target: Status) -> bool {
        self != target
    }

    /// Maturity tags only belong to approved services: leaving `approved` clears them.
    pub fn keeps_tags(self) -> bool {
        self == Status::Approved
    }
}

/// The label of a stored status code; an unknown code shows as itself.
pub fn status_label(code: &str) -> String {
    match Status::parse(code) {
        Some(s) => s.label().to_string(),
        None => code.to_string(),
    }
}

/// The primary maturity tag of an approved service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrimaryTag {
    Mature,
    Emerging,
    Legacy,
}

impl PrimaryTag {
    pub const ALL: [PrimaryTag; 3] = [PrimaryTag::Mature, PrimaryTag::Emerging, PrimaryTag::Legacy];

    pub const fn code(self) -> &'static str {
        match self {
            PrimaryTag::Mature => "mature",
            PrimaryTag::Emerging => "emerging",
            PrimaryTag::Legacy => "legacy",
        }
    }
}

/// The additive maturity tags of an approved service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondaryTag {
    Unstable,
}

impl SecondaryTag {
    pub const ALL: [SecondaryTag; 1] = [SecondaryTag::Unstable];

    pub const fn code(self) -> &'static str {
        match self {
            SecondaryTag::Unstable => "unstable",
        }
    }
}

/// The label of a stored tag code (primary or secondary); an unknown code shows as itself.
pub fn tag_label(code: &str) -> String {
    match code {
        "mature" => "Mature",
        "emerging" => "Emerging",
        "legacy" => "Legacy",
        "unstable" => "Unstable",
        other => other,
    }
    .to_string()
}

/// Every problem of a request, field by field (`non_field_errors` for the body as a whole): the one
/// shape the API reports under `error.details` and the pages show beside their fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct FieldErrors(std::collections::BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// One error on one field.
    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, message);
        e
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_string())
            .or_default()
            .push(message.into());
    }

    /// Records the message of a failed rule.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(m) => {
                self.add(field, m);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains_key(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn get(&self, field: &str) -> Option<&[String]> {
        self.0.get(field).map(Vec::as_slice)
    }

    /// Each field with its messages, by field name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// How many fields have problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Back from the JSON of [`FieldErrors::to_json`] (the details of `AppError::Validation`).
    pub fn from_json(details: &serde_json::Value) -> Self {
        let mut e = Self::new();
        for (field, messages) in details.as_object().into_iter().flatten() {
            for m in messages.as_array().into_iter().flatten() {
                e.add(field, m.as_str().unwrap_or_default());
            }
        }
        e
    }

    /// `Ok(value)` when nothing was recorded.
    pub fn into_result<T>(self, value: T) -> Result<T, Self> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// The JSON object `{field: [message, …]}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.0
                .iter()
                .map(|(k, v)| {
                    let list = v.iter().cloned().map(serde_json::Value::String).collect();
                    (k.clone(), serde_json::Value::Array(list))
                })
                .collect(),
        )
    }
}

impl From<FieldErrors> for crate::error::AppError {
    fn from(e: FieldErrors) -> Self {
        crate::error::AppError::Validation(e.to_json())
    }
}

/// The newtypes a submission's fields parse into; each refusal is a message written for the person who
/// typed the value (the rules themselves are in [`super::rules`]).
macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $rule:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn parse(value: &str) -> Result<Self, String> {
                let rule: fn(&str) -> Result<(), String> = $rule;
                rule(value).map(|()| Self(value.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

text_newtype!(
    /// A service name of at least three characters.
    ServiceName,
    |v| {
        if v.chars().count() < 3 {
            Err("Service name must be at least 3 characters.".into())
        } else {
            Ok(())
        }
    }
);
text_newtype!(
    /// A description of 50–5000 characters.
    Description,
    super::rules::description
);
text_newtype!(
    /// 1–50 comma-separated PMIDs or DOIs.
    Publications,
    super::rules::publications
);
text_newtype!(
    /// A plausible e-mail address.
    Email,
    super::rules::email
);
text_newtype!(
    /// An e-mail address or an `https://` URL.
    PublicContact,
    super::rules::public_contact
);
text_newtype!(
    /// An absolute `https://` URL with a host.
    HttpsUrl,
    super::rules::https_url
);

impl HttpsUrl {
    /// An https URL of a known registry, which must start with its prefix.
    pub fn with_prefix(value: &str, prefix: &str, registry: &str) -> Result<Self, String> {
        super::rules::prefixed_url(value, prefix, registry).map(|()| Self(value.to_string()))
    }
}

/// The year a service was established: 1900 up to the current year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearEstablished(pub i32);

impl YearEstablished {
    pub fn parse(year: i64, current_year: i32) -> Result<Self, String> {
        super::rules::year_established(year, current_year)?;
        Ok(Self(i32::try_from(year).unwrap_or(current_year)))
    }
}

/// Whether KPIs are monitored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KpiMonitoring {
    Yes,
    Planned,
}

impl KpiMonitoring {
    pub fn parse(value: &str) -> Result<Self, String> {
        match value {
            "yes" => Ok(Self::Yes),
            "planned" => Ok(Self::Planned),
            other => Err(format!(
                "\"{other}\" is not a valid choice: use yes or planned."
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_label() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(s));
        }
        assert_eq!(status_label("under_review"), "Under Review");
        assert_eq!(status_label("weird"), "weird");
        assert!(!Status::Approved.can_move_to(Status::Approved));
        assert!(Status::Deprecated.can_move_to(Status::Submitted));
        assert_eq!(tag_label("unstable"), "Unstable");
        assert_eq!(
            PrimaryTag::ALL.map(PrimaryTag::code),
            ["mature", "emerging", "legacy"]
        );
        assert_eq!(SecondaryTag::ALL.map(SecondaryTag::code), ["unstable"]);
    }

    #[test]
    fn field_errors_render_as_the_api_reports_them() {
        let mut e = FieldErrors::new();
        e.add("service_name", "first");
        e.add("licenses", "x");
        e.add("service_name", "second");
        assert_eq!(
            e.to_json(),
            serde_json::json!({"licenses": ["x"], "service_name": ["first", "second"]})
        );
        assert_eq!(serde_json::to_value(&e).ok(), Some(e.to_json()));
        assert_eq!(e.get("licenses"), Some(&["x".to_string()][..]));
        assert!(FieldErrors::new().into_result(1).is_ok());
    }

    #[test]
    fn newtypes_carry_the_rules_messages() {
        assert_eq!(
            ServiceName::parse("ab"),
            Err("Service name must be at least 3 characters.".to_string())
        );
        assert_eq!(ServiceName::parse("abc").map(|n| n.as_str().len()), Ok(3));
        assert!(HttpsUrl::parse("http://example.org").is_err());
        assert!(
            HttpsUrl::with_prefix("https://github.com/a/b", "https://github.com/", "GitHub")
                .is_ok()
        );
        assert!(Email::parse("a@b.org").is_ok());
        assert!(PublicContact::parse("https://example.org/contact").is_ok());
        assert!(Publications::parse("123, abc").is_err());
        assert_eq!(
            YearEstablished::parse(2020, 2026),
            Ok(YearEstablished(2020))
        );
        assert!(YearEstablished::parse(2027, 2026).is_err());
        assert_eq!(KpiMonitoring::parse("planned"), Ok(KpiMonitoring::Planned));
        assert_eq!(
            KpiMonitoring::parse("no"),
            Err("\"no\" is not a valid choice: use yes or planned.".to_string())
        );
    }
}
