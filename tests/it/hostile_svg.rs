//! The hostile-SVG corpus (issue #17, item 4): every file of `tests/fixtures/hostile-svg/` (made by
//! `scripts/make-hostile-svgs.py`) goes through the logo pipeline. Each is either refused or stored as a
//! rewrite that an independent check, written without the sanitiser's code, finds harmless: no
//! script-capable element, no event-handler attribute, no link that leaves the document, no CSS that
//! loads anything, no DTD, entity or processing instruction, no animation of a link or handler.

use service_registry::submissions::logo::process;

const MAX: u64 = 10 * 1024 * 1024;

/// Elements that run script, embed other documents or animate attributes.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script",
    "foreignObject",
    "iframe",
    "object",
    "embed",
    "include",
    "handler",
    "listener",
];

fn squeeze(v: &str) -> String {
    v.chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// What is unsafe in a stored SVG, or `None`.
pub(crate) fn unsafe_in(stored: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(stored).ok()?;
    for marker in ["<!DOCTYPE", "<!ENTITY", "<?xml-stylesheet", "<!["] {
        if text.contains(marker) {
            return Some(format!("contains {marker}"));
        }
    }
    let doc = match roxmltree::Document::parse(text) {
        Ok(d) => d,
        Err(e) => return Some(format!("not well-formed: {e}")),
    };
    let css_is_unsafe = |css: &str| {
        let c = squeeze(css);
        c.contains("@import")
            || c.contains("expression(")
            || c.contains("javascript:")
            || c.split("url(").skip(1).any(|rest| {
                let target = rest.trim_start_matches(['"', '\'']);
                !target.starts_with('#')
            })
            || c.contains('\\')
    };
    for node in doc.descendants() {
        if node.is_element() {
            let name = node.tag_name().name();
            if FORBIDDEN_ELEMENTS
                .iter()
                .any(|f| f.eq_ignore_ascii_case(name))
            {
                return Some(format!("element <{name}>"));
            }
            if node.tag_name().namespace() != Some("http://www.w3.org/2000/svg") {
                return Some(format!("element <{name}> outside the SVG namespace"));
            }
            if matches!(
                name,
                "animate" | "set" | "animateTransform" | "animateMotion"
            ) && node.attributes().any(|a| {
                a.name() == "attributeName" && {
                    let target = squeeze(a.value());
                    target.contains("href") || target.starts_with("on") || target == "style"
                }
            }) {
                return Some(format!("<{name}> animates a link, handler or style"));
            }
            if name == "style" && node.text().is_some_and(css_is_unsafe) {
                return Some("a <style> that loads or runs something".into());
            }
            for a in node.attributes() {
                let (attr, value) = (a.name(), squeeze(a.value()));
                if attr.to_ascii_lowercase().starts_with("on") {
                    return Some(format!("handler attribute {attr} on <{name}>"));
                }
                if attr == "href" && !value.starts_with('#') {
                    return Some(format!(
                        "<{name} href=\"{}\"> leaves the document",
                        a.value()
                    ));
                }
                for scheme in ["javascript:", "vbscript:", "data:"] {
                    if value.contains(scheme) {
                        return Some(format!("{scheme} in {attr} of <{name}>"));
                    }
                }
                if (attr == "style" || value.contains("url(")) && css_is_unsafe(a.value()) {
                    return Some(format!("CSS in {attr} of <{name}> loads something"));
                }
            }
        }
        if node.is_pi() {
            return Some("a processing instruction".into());
        }
    }
    None
}

#[test]
fn no_hostile_svg_of_the_corpus_is_stored_unsafely() {
    let dir = crate::support::repo_path("tests/fixtures/hostile-svg");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the corpus (scripts/make-hostile-svgs.py)")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "svg"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 50,
        "at least 50 hostile SVGs, found {}",
        files.len()
    );
    let (mut refused, mut rewritten) = (0, Vec::new());
    for f in &files {
        let bytes = std::fs::read(f).expect("read");
        match process(&bytes, MAX) {
            Err(_) => refused += 1,
            Ok(out) => {
                assert_eq!(out.content_type, "image/svg+xml", "{}", f.display());
                if let Some(why) = unsafe_in(&out.bytes) {
                    panic!(
                        "{} was stored unsafely ({why}):\n{}",
                        f.display(),
                        String::from_utf8_lossy(&out.bytes)
                    );
                }
                rewritten.push(f.file_name().map(|n| n.to_string_lossy().to_string()));
            }
        }
    }
    eprintln!(
        "hostile SVGs: {} files, {refused} refused, {} stored as safe rewrites: {rewritten:?}",
        files.len(),
        rewritten.len()
    );
}

#[test]
fn the_independent_check_finds_what_it_looks_for() {
    // The check itself must be able to fail: each of these raw files is unsafe.
    let ns = r#"xmlns="http://www.w3.org/2000/svg""#;
    for (svg, why) in [
        (
            format!("<svg {ns}><script>x</script></svg>"),
            "element <script>",
        ),
        (format!(r#"<svg {ns} onload="x"/>"#), "handler"),
        (
            format!(r#"<svg {ns}><use href="https://e.example/a#b"/></svg>"#),
            "leaves",
        ),
        (
            format!(r#"<svg {ns}><rect style="fill:url(https://e.example/x)"/></svg>"#),
            "CSS",
        ),
        (
            format!(r#"<svg {ns}><a><set attributeName="href" to="x"/></a></svg>"#),
            "animates",
        ),
        (
            format!(r#"<svg {ns}><style>@import "x";</style></svg>"#),
            "<style>",
        ),
    ] {
        let found = unsafe_in(svg.as_bytes()).unwrap_or_default();
        assert!(found.contains(why), "{svg}: {found:?}");
    }
    assert_eq!(
        unsafe_in(
            format!(r##"<svg {ns}><rect fill="url(#g)"/><use href="#r"/></svg>"##).as_bytes()
        ),
        None
    );
}
