//! Field rules of a submission (spec-model-forms §1.6): HTTPS-only URLs and registry prefixes, public
//! contact, PMID/DOI lists, year and description bounds. Each returns a user-facing message on failure.

use std::sync::LazyLock;

type Pattern = LazyLock<Result<regex::Regex, regex::Error>>;

static PMID: Pattern = LazyLock::new(|| regex::Regex::new(r"^\d{1,8}$"));
static DOI: Pattern = LazyLock::new(|| regex::Regex::new(r"^10\.\d{4,}/\S+$"));

/// Compiles the rules' patterns. The application calls this at start-up, so a pattern that does not
/// compile stops it there instead of silently never matching.
pub fn check_patterns() -> Result<(), regex::Error> {
    for pattern in [&PMID, &DOI] {
        if let Err(e) = pattern.as_ref() {
            return Err(e.clone());
        }
    }
    Ok(())
}

pub const MAX_PUBLICATIONS: usize = 50;
pub const DESCRIPTION_MIN: usize = 50;
pub const DESCRIPTION_MAX: usize = 5000;

/// An absolute `https://` URL with a host (≤ 2000 characters).
pub fn https_url(value: &str) -> Result<(), String> {
    if !value.starts_with("https://") {
        return Err(
            "URL must use the https:// scheme. Plain http:// and other schemes are not accepted."
                .into(),
        );
    }
    if value.chars().count() > 2000 {
        return Err("Ensure this URL has no more than 2000 characters.".into());
    }
    match url::Url::parse(value) {
        Ok(u)
            if u.host_str()
                .is_some_and(|h| h.contains('.') || h == "localhost")
                && !value.contains(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => Err("Enter a valid URL.".into()),
    }
}

/// An https URL that must start with a registry's prefix (e.g. `https://github.com/`).
pub fn prefixed_url(value: &str, prefix: &str, name: &str) -> Result<(), String> {
    https_url(value)?;
    if !value.starts_with(prefix) {
        return Err(format!("{name} URL must start with {prefix}"));
    }
    Ok(())
}

/// A plausible e-mail address.
pub fn email(value: &str) -> Result<(), String> {
    if value.chars().count() <= 254 && crate::auth::users::valid_email(value) {
        Ok(())
    } else {
        Err("Enter a valid email address.".into())
    }
}

/// The public contact: an e-mail address or an `https://` URL.
pub fn public_contact(value: &str) -> Result<(), String> {
    let v = value.trim();
    let ok = if v.starts_with("https://") {
        https_url(v).is_ok()
    } else {
        email(v).is_ok()
    };
    if ok {
        Ok(())
    } else {
        Err("Enter a valid email address or a URL starting with https://.".into())
    }
}

/// A comma-separated list of 1–50 PMIDs (digits) or DOIs (`10.xxxx/…`); all invalid tokens are named.
pub fn publications(value: &str) -> Result<(), String> {
    let tokens: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.is_empty() {
        return Err("Enter at least one PMID or DOI.".into());
    }
    if tokens.len() > MAX_PUBLICATIONS {
        return Err(format!(
            "Enter at most {MAX_PUBLICATIONS} PMIDs or DOIs (got {}).",
            tokens.len()
        ));
    }
    let matches = |re: &Pattern, t: &str| re.as_ref().is_ok_and(|r| r.is_match(t));
    let bad: Vec<String> = tokens
        .iter()
        .filter(|t| !matches(&PMID, t) && !matches(&DOI, t))
        .map(|t| format!("'{t}'"))
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} is not a valid PMID (digits only) or DOI (starts with 10.xxxx/).",
            bad.join(", ")
        ))
    }
}

pub fn year_established(year: i64, current_year: i32) -> Result<(), String> {
    if (1900..=i64::from(current_year)).contains(&year) {
        Ok(())
    } else {
        Err(format!(
            "Year established must be between 1900 and {current_year}."
        ))
    }
}

pub fn description(value: &str) -> Result<(), String> {
    let n = value.trim().chars().count();
    if n < DESCRIPTION_MIN {
        Err(format!(
            "Service description must be at least {DESCRIPTION_MIN} characters (got {n})."
        ))
    } else if n > DESCRIPTION_MAX {
        Err(format!(
            "Service description must not exceed {DESCRIPTION_MAX} characters (got {n})."
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(https_url("https://example.org/x").is_ok());
        assert!(https_url("HTTPS://example.org").is_err());
        assert!(https_url("http://example.org").is_err());
        assert!(https_url("https://").is_err());
        assert!(https_url("javascript:alert(1)").is_err());
        assert!(prefixed_url("https://github.com/a/b", "https://github.com/", "GitHub").is_ok());
        assert!(prefixed_url("https://bio.tools", "https://bio.tools/", "bio.tools").is_err());
    }

    #[test]
    fn contacts_and_publications() {
        assert!(public_contact("a@b.org").is_ok());
        assert!(public_contact("https://example.org/contact").is_ok());
        assert!(public_contact("http://example.org").is_err());
        assert!(public_contact("javascript:x").is_err());
        assert!(publications("12345, 10.1093/nar/gkab1000").is_ok());
        let e = publications("123, abc, 10.1/x").expect_err("invalid");
        assert!(e.contains("'abc'") && e.contains("'10.1/x'"), "{e}");
        let many = vec!["1"; 51].join(",");
        assert!(publications(&many).is_err());
        assert!(publications(" , ").is_err());
    }

    #[test]
    fn bounds() {
        assert!(year_established(1900, 2026).is_ok());
        assert!(year_established(0, 2026).is_err());
        assert!(year_established(2027, 2026).is_err());
        assert!(description(&"x".repeat(49)).is_err());
        assert!(description(&"x".repeat(50)).is_ok());
        assert!(description(&"x".repeat(5001)).is_err());
    }
}
