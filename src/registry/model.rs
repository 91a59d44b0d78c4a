//! Reference-data rules: ORCID identifiers (format + ISO 7064 MOD 11-2 check digit) and the fields of
//! service categories, service centres and principal investigators.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically valid ORCID iD with a correct check digit, e.g. `0000-0002-1825-0097`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Orcid(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrcidError {
    #[error("ORCID must look like 0000-0000-0000-0000 (the last character may be X).")]
    Format,
    #[error("ORCID check digit is wrong: expected {expected}, found {found}.")]
    Checksum { expected: char, found: char },
}

impl Orcid {
    pub fn parse(input: &str) -> Result<Self, OrcidError> {
        let s = input.trim();
        let bytes = s.as_bytes();
        let shape_ok = bytes.len() == 19
            && bytes.iter().enumerate().all(|(i, b)| match i {
                4 | 9 | 14 => *b == b'-',
                18 => b.is_ascii_digit() || *b == b'X',
                _ => b.is_ascii_digit(),
            });
        if !shape_ok {
            return Err(OrcidError::Format);
        }
        let digits: Vec<u32> = s
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == 'X')
            .take(15)
            .filter_map(|c| c.to_digit(10))
            .collect();
        let expected = check_digit(&digits);
        let found = s.chars().last().unwrap_or(' ');
        if expected != found {
            return Err(OrcidError::Checksum { expected, found });
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Orcid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// ISO 7064 MOD 11-2 over the first 15 digits.
fn check_digit(digits: &[u32]) -> char {
    let total = digits.iter().fold(0u32, |acc, d| (acc + d) * 2);
    match (12 - total % 11) % 11 {
        10 => 'X',
        n => char::from_digit(n, 10).unwrap_or('?'),
    }
}

/// One row of reference data as it comes from a file or a request: strings, checked by `validate`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    pub name: String,
    #[serde(default = "yes")]
    pub is_active: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServiceCenterInput {
    pub short_name: String,
    pub full_name: String,
    #[serde(default)]
    pub website: String,
    #[serde(default = "yes")]
    pub is_active: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PiInput {
    pub last_name: String,
    pub first_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub institute: String,
    #[serde(default)]
    pub orcid: String,
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub is_associated_partner: bool,
}

fn yes() -> bool {
    true
}

/// Field errors of one row: `(field, message)`.
pub type FieldErrors = Vec<(&'static str, String)>;

fn required(errors: &mut FieldErrors, field: &'static str, value: &str, max: usize) {
    let n = value.trim().chars().count();
    if n == 0 {
        errors.push((field, "This field is required.".into()));
    } else if n > max {
        errors.push((field, format!("At most {max} characters (got {n}).")));
    }
}

fn optional(errors: &mut FieldErrors, field: &'static str, value: &str, max: usize) {
    let n = value.trim().chars().count();
    if n > max {
        errors.push((field, format!("At most {max} characters (got {n}).")));
    }
}

impl CategoryInput {
    pub fn validate(&self) -> FieldErrors {
        let mut e = Vec::new();
        required(&mut e, "name", &self.name, 100);
        e
    }
}

impl ServiceCenterInput {
    pub fn validate(&self) -> FieldErrors {
        let mut e = Vec::new();
        required(&mut e, "short_name", &self.short_name, 50);
        required(&mut e, "full_name", &self.full_name, 300);
        optional(&mut e, "website", &self.website, 200);
        let w = self.website.trim();
        if !w.is_empty() && (!w.starts_with("https://") || url::Url::parse(w).is_err()) {
            e.push(("website", "Must be a valid https:// URL.".into()));
        }
        e
    }
}

impl PiInput {
    pub fn validate(&self) -> FieldErrors {
        let mut e = Vec::new();
        required(&mut e, "last_name", &self.last_name, 100);
        required(&mut e, "first_name", &self.first_name, 100);
        optional(&mut e, "institute", &self.institute, 200);
        let email = self.email.trim();
        if !email.is_empty() && !crate::auth::users::valid_email(email) {
            e.push(("email", format!("'{email}' is not a valid e-mail address.")));
        }
        let orcid = self.orcid.trim();
        if !orcid.is_empty()
            && let Err(err) = Orcid::parse(orcid)
        {
            e.push(("orcid", err.to_string()));
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orcid_valid_ids() {
        assert!(Orcid::parse("0000-0002-1825-0097").is_ok());
        assert!(Orcid::parse("0000-0001-5109-3700").is_ok());
        // A real iD whose check digit is X.
        assert!(Orcid::parse("0000-0002-1694-233X").is_ok());
    }

    #[test]
    fn orcid_wrong_check_digit() {
        assert_eq!(
            Orcid::parse("0000-0002-1825-0098"),
            Err(OrcidError::Checksum {
                expected: '7',
                found: '8'
            })
        );
    }

    #[test]
    fn orcid_bad_format() {
        for bad in [
            "",
            "0000000218250097",
            "0000-0002-1825-009",
            "0000-0002-1825-009x",
            "abcd-0002-1825-0097",
        ] {
            assert_eq!(Orcid::parse(bad), Err(OrcidError::Format), "{bad}");
        }
    }
}
