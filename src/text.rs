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

/// Whether `c` may follow `<` to open a tag.
fn opens_tag(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'))
}

/// Removes anything that looks like an HTML/XML tag (`<…>` starting with a letter, `/`, `!` or `?`);
/// a lone `<` as in `a < b` is kept. One pass, linear in the input, and stable: a kept `<` that meets
/// a tag's remains once the tag is removed (`<<a>b>`) is removed with them, so the output holds no tag
/// and cleaning it again changes nothing.
fn strip_tags(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    // next_gt[i]: the index of the first '>' at or after i.
    let mut next_gt = vec![usize::MAX; chars.len() + 1];
    for i in (0..chars.len()).rev() {
        next_gt[i] = if chars[i] == '>' { i } else { next_gt[i + 1] };
    }
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '<' && opens_tag(chars.get(i + 1)) && next_gt[i + 1] != usize::MAX {
            i = next_gt[i + 1] + 1;
            // A `<` kept just before the removed tag now meets what follows it.
            while out.last() == Some(&'<')
                && opens_tag(chars.get(i))
                && next_gt.get(i).is_some_and(|&g| g != usize::MAX)
            {
                out.pop();
                i = next_gt[i] + 1;
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out.into_iter().collect()
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
        // A tag that only appears once another is removed is removed too (found by the fuzz test).
        assert_eq!(clean_text("<<a>b>"), "");
        assert_eq!(clean_text("x <<<a>b>c>y"), "x y");
        assert_eq!(clean_text("1 << 2 <b>bold</b>"), "1 << 2 bold");
        assert_eq!(clean_text("<<a>"), "<");
        assert_eq!(clean_text("x\u{7}y\r\nz\rw"), "xy\nz\nw");
        // e + combining acute → é (NFC)
        assert_eq!(clean_text("e\u{301}"), "\u{e9}");
        assert_eq!(clean_text("<!-- c -->ok"), "ok");
    }
}
