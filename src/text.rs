//! The one text sanitiser for every entry point (web form, API, admin): Unicode NFC, NUL and other
//! control characters removed (tabs and line breaks kept), HTML tags stripped, surrounding whitespace
//! trimmed. Text is stored unescaped and escaped on output.

use unicode_normalization::UnicodeNormalization;

/// Sanitises free text. `<b>bold</b> & more` → `bold & more`.
pub fn clean_text(input: &str) -> String {
    let normalized: String = input.replace("\r\n", "\n").nfc().collect();
    let without_controls: String = normalized
        .chars()
        .map(|c| if c == '\r' { '\n' } else { c })
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    strip_tags(&without_controls).trim().to_string()
}

/// Removes anything that looks like an HTML/XML tag (`<…>` starting with a letter, `/`, `!` or `?`);
/// a lone `<` as in `a < b` is kept.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        match (starts_tag, after.find('>')) {
            (true, Some(end)) => rest = &after[end + 1..],
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a value carries a NUL character (refused outright rather than silently changed).
pub fn has_nul(s: &str) -> bool {
    s.contains('\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_tags_controls_and_normalises() {
        assert_eq!(
            clean_text("  <b>Bold</b> &amp; <script>x()</script>more  "),
            "Bold &amp; x()more"
        );
        assert_eq!(clean_text("a < b and c > d"), "a < b and c > d");
        assert_eq!(clean_text("x\u{7}y\r\nz\rw"), "xy\nz\nw");
        // e + combining acute → é (NFC)
        assert_eq!(clean_text("e\u{301}"), "\u{e9}");
        assert_eq!(clean_text("<!-- c -->ok"), "ok");
    }
}
