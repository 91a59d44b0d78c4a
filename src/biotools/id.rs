//! A bio.tools tool id, parsed from whatever people paste: a bio.tools page or API address, a
//! `biotools:` CURIE or a bare id. The client builds its request URL only from this type.

use std::fmt;

/// Longest id accepted (the `biotools_id` column holds 200 characters).
pub const MAX_ID_CHARS: usize = 200;

const EXAMPLE: &str = "https://bio.tools/signalp";

/// A bio.tools id, lower-cased (bio.tools ids are case-insensitive): ASCII letters, digits and `_ - . ~`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BiotoolsId(String);

impl BiotoolsId {
    /// Parses `https://bio.tools/<id>` (also `http://`, `www.`, no scheme, a trailing `/`, a query or a
    /// fragment), `https://bio.tools/tool/<id>`, `https://bio.tools/api/tool/<id>/?format=json`,
    /// `/tool/<id>`, `biotools:<id>` or a bare id, ignoring surrounding whitespace. Each refusal is a
    /// message for the person who typed the value.
    pub fn parse(input: &str) -> Result<Self, String> {
        let value = input.trim();
        if value.is_empty() {
            return Err(format!(
                "Enter a bio.tools address such as {EXAMPLE}, or the tool's bio.tools id."
            ));
        }
        // Before any URL handling: `url` would silently resolve `a/../b` to `b`.
        if value.contains("..") {
            return Err(format!(
                "\"{value}\" is not a bio.tools address or id: it must not contain \"..\"."
            ));
        }
        let candidate = if let Some(rest) = strip_prefix_ci(value, "biotools:") {
            rest.trim().to_string()
        } else if let Some(path) = bio_tools_path(value)? {
            id_from_path(value, &path)?
        } else if value.starts_with('/') {
            id_from_path(value, value)?
        } else {
            value.to_string()
        };
        Self::check(value, &candidate)
    }

    fn check(value: &str, id: &str) -> Result<Self, String> {
        if id.is_empty() {
            return Err(format!(
                "\"{value}\" does not name a tool: use an address such as {EXAMPLE}, or the tool's id."
            ));
        }
        if id.contains('/') {
            return Err(format!(
                "\"{value}\" is not a bio.tools address or id: use an address such as {EXAMPLE}, or the tool's id."
            ));
        }
        if let Some(bad) = id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '~')))
        {
            return Err(format!(
                "\"{id}\" is not a bio.tools id: it contains \"{bad}\"; an id uses only letters, digits and _ - . ~"
            ));
        }
        if !id.chars().any(|c| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "\"{id}\" is not a bio.tools id: it needs at least one letter or digit."
            ));
        }
        if id.chars().count() > MAX_ID_CHARS {
            return Err(format!(
                "A bio.tools id has at most {MAX_ID_CHARS} characters."
            ));
        }
        Ok(Self(id.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The tool's page: `https://bio.tools/<id>`.
    pub fn page_url(&self) -> String {
        format!("https://bio.tools/{}", self.0)
    }
}

impl fmt::Display for BiotoolsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn strip_prefix_ci<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &value[prefix.len()..])
}

/// The path of a bio.tools address, `None` when `value` is no address at all, a refusal when it is the
/// address of another site.
fn bio_tools_path(value: &str) -> Result<Option<String>, String> {
    let lower = value.to_ascii_lowercase();
    let with_scheme = if lower.starts_with("http://") || lower.starts_with("https://") {
        value.to_string()
    } else if lower.starts_with("bio.tools/") || lower.starts_with("www.bio.tools/") {
        format!("https://{value}")
    } else if lower.contains("://") || lower.starts_with("www.") {
        return Err(not_bio_tools(value));
    } else {
        return Ok(None);
    };
    let url = url::Url::parse(&with_scheme).map_err(|_| not_bio_tools(value))?;
    let host_ok = matches!(url.host_str(), Some("bio.tools" | "www.bio.tools"));
    if !matches!(url.scheme(), "http" | "https") || !host_ok {
        return Err(not_bio_tools(value));
    }
    Ok(Some(url.path().to_string()))
}

fn not_bio_tools(value: &str) -> String {
    format!(
        "\"{value}\" is not a bio.tools address: use one such as {EXAMPLE}, or the tool's bio.tools id."
    )
}

/// `/<id>`, `/tool/<id>`, `/api/tool/<id>` or `/api/t/<id>`, each with or without a trailing `/`.
fn id_from_path(value: &str, path: &str) -> Result<String, String> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let id = match segments.as_slice() {
        [one] if !matches!(one.to_ascii_lowercase().as_str(), "api" | "tool" | "t") => *one,
        [tool, id] if tool.eq_ignore_ascii_case("tool") => *id,
        [api, tool, id]
            if api.eq_ignore_ascii_case("api")
                && (tool.eq_ignore_ascii_case("tool") || tool.eq_ignore_ascii_case("t")) =>
        {
            *id
        }
        _ => {
            return Err(format!(
                "\"{value}\" is not the address of a bio.tools tool: use one such as {EXAMPLE}, or the tool's id."
            ));
        }
    };
    Ok(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> String {
        match BiotoolsId::parse(s) {
            Ok(id) => id.to_string(),
            Err(e) => panic!("{s:?} refused: {e}"),
        }
    }

    fn refused(s: &str) -> String {
        match BiotoolsId::parse(s) {
            Ok(id) => panic!("{s:?} accepted as {id}"),
            Err(e) => e,
        }
    }

    #[test]
    fn every_pasted_form_gives_the_id() {
        for form in [
            "signalp",
            "SignalP",
            "  signalp \n",
            "https://bio.tools/signalp",
            "https://bio.tools/signalp/",
            "https://bio.tools/signalp?tab=function",
            "https://bio.tools/signalp/#publications",
            "https://bio.tools/signalp/?x=1#y",
            "http://bio.tools/signalp",
            "https://www.bio.tools/signalp",
            "HTTPS://BIO.TOOLS/SignalP",
            "bio.tools/signalp",
            "www.bio.tools/signalp/",
            "https://bio.tools/tool/signalp",
            "https://bio.tools/tool/signalp/",
            "/tool/signalp",
            "/tool/signalp/",
            "https://bio.tools/api/tool/signalp/?format=json",
            "https://bio.tools/api/tool/signalp",
            "https://bio.tools/api/t/signalp/",
            "biotools:signalp",
            "bioTools:SignalP",
            " biotools: signalp ",
        ] {
            assert_eq!(id(form), "signalp", "{form:?}");
        }
    }

    #[test]
    fn ids_of_the_fixtures_and_unusual_characters() {
        assert_eq!(id("2018"), "2018");
        assert_eq!(id("https://bio.tools/3.6.3"), "3.6.3");
        assert_eq!(id("3.6.3"), "3.6.3");
        assert_eq!(id("https://bio.tools/Jalview/"), "jalview");
        assert_eq!(id("2100_bioanalyzer"), "2100_bioanalyzer");
        assert_eq!(id("interproscan_ebi"), "interproscan_ebi");
        assert_eq!(id("biotools:my-tool~2"), "my-tool~2");
        assert_eq!(id("https://bio.tools/signalp").len(), 7);
        let parsed = BiotoolsId::parse("Jalview").map(|i| i.page_url());
        assert_eq!(parsed.as_deref(), Ok("https://bio.tools/jalview"));
    }

    #[test]
    fn other_hosts_and_shapes_are_refused_with_a_message() {
        for (input, needle) in [
            ("", "Enter a bio.tools address"),
            ("   ", "Enter a bio.tools address"),
            ("https://github.com/signalp", "is not a bio.tools address"),
            (
                "https://bio.tools.evil.org/signalp",
                "is not a bio.tools address",
            ),
            (
                "https://evil.org/bio.tools/signalp",
                "is not a bio.tools address",
            ),
            ("ftp://bio.tools/signalp", "is not a bio.tools address"),
            ("www.example.org/signalp", "is not a bio.tools address"),
            ("https://bio.tools/", "does not name a tool"),
            ("https://bio.tools", "does not name a tool"),
            (
                "https://bio.tools/api/tool/",
                "is not the address of a bio.tools tool",
            ),
            (
                "https://bio.tools/api",
                "is not the address of a bio.tools tool",
            ),
            ("https://bio.tools/signalp/extra", "is not the address"),
            ("..", "must not contain"),
            ("https://bio.tools/a/../signalp", "must not contain"),
            ("a/b", "is not a bio.tools address or id"),
            ("sig nalp", "contains \" \""),
            ("signalp%2F..", "must not contain"),
            ("signalp%2Fx", "contains \"%\""),
            ("tëst", "contains \"ë\""),
            ("biotools:", "does not name a tool"),
            ("._~", "at least one letter or digit"),
        ] {
            let msg = refused(input);
            assert!(msg.contains(needle), "{input:?}: {msg}");
        }
        let long = "a".repeat(MAX_ID_CHARS + 1);
        assert!(refused(&long).contains("at most 200"));
        assert_eq!(id(&"a".repeat(MAX_ID_CHARS)).len(), MAX_ID_CHARS);
    }
}
