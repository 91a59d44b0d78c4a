//! Property tests (issue #17, item 4) for the parsers and sanitisers that take outside input: the text
//! sanitiser, the SVG logo pipeline, the EDAM OWL and TSV parsers and the bio.tools mapping. None may
//! panic on any input; the sanitisers' outputs are safe and stable (cleaning them again changes
//! nothing). `cargo test` runs a small number of cases; `scripts/fuzz.sh` runs many for a bounded
//! time (`PROPTEST_CASES`). A failure proptest finds becomes a fixed regression case in the module
//! it concerns (as `<<a>b>` did in `text.rs`).

use proptest::prelude::*;
use serde_json::Value;
use service_registry::text::clean_text;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text rich in the characters the sanitiser cares about.
fn markup_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("<".to_string()),
            Just(">".to_string()),
            Just("</".to_string()),
            Just("<!".to_string()),
            Just("<?".to_string()),
            Just("<a".to_string()),
            Just("<script>".to_string()),
            Just("\r\n".to_string()),
            Just("\u{0}".to_string()),
            Just("\u{7}".to_string()),
            Just("e\u{301}".to_string()),
            Just(" ".to_string()),
            "[a-z]{1,3}".prop_map(|s| s),
            any::<char>().prop_map(|c| c.to_string()),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// An SVG assembled from allowed and hostile pieces.
fn svg_doc() -> impl Strategy<Value = String> {
    let element = prop_oneof![
        Just("rect"),
        Just("g"),
        Just("use"),
        Just("image"),
        Just("a"),
        Just("text"),
        Just("style"),
        Just("script"),
        Just("foreignObject"),
        Just("animate"),
        Just("set"),
        Just("linearGradient"),
        Just("feImage"),
    ];
    let attr = prop_oneof![
        Just("href"),
        Just("xlink:href"),
        Just("style"),
        Just("fill"),
        Just("onload"),
        Just("attributeName"),
        Just("to"),
        Just("values"),
        Just("id"),
    ];
    let value = prop_oneof![
        Just("#r"),
        Just("url(#g)"),
        Just("url(https://evil.example/x)"),
        Just("javascript:alert(1)"),
        Just("java&#x09;script:alert(1)"),
        Just("data:text/html,x"),
        Just("href"),
        Just("onclick"),
        Just("https://evil.example/a.svg#b"),
        Just("red"),
    ];
    let text = prop_oneof![
        Just(""),
        Just("x"),
        Just("@import 'x';"),
        Just("rect{fill:url(https://evil.example/x)}"),
        Just("alert(1)"),
    ];
    let node =
        (element, prop::collection::vec((attr, value), 0..3), text).prop_map(|(e, attrs, t)| {
            let a: String = attrs.iter().map(|(k, v)| format!(" {k}=\"{v}\"")).collect();
            format!("<{e}{a}>{t}</{e}>")
        });
    prop::collection::vec(node, 0..8).prop_map(|nodes| {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" viewBox=\"0 0 10 10\">{}</svg>",
            nodes.concat()
        )
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("name"),
            Just("biotoolsID"),
            Just("function"),
            Just("operation"),
            Just("topic"),
            Just("uri"),
            Just("publication"),
            Just("license"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("name".to_string()),
                        Just("biotoolsID".to_string()),
                        Just("description".to_string()),
                        Just("homepage".to_string()),
                        Just("function".to_string()),
                        Just("operation".to_string()),
                        Just("input".to_string()),
                        Just("output".to_string()),
                        Just("data".to_string()),
                        Just("format".to_string()),
                        Just("topic".to_string()),
                        Just("uri".to_string()),
                        Just("term".to_string()),
                        Just("publication".to_string()),
                        Just("doi".to_string()),
                        Just("link".to_string()),
                        Just("license".to_string()),
                        Just("toolType".to_string()),
                        Just("version".to_string()),
                        ".{0,8}".prop_map(|s| s),
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn cleaned_text_has_no_tags_or_controls_and_is_stable(s in markup_text()) {
        let once = clean_text(&s);
        prop_assert_eq!(clean_text(&once), once.clone(), "not stable for {:?}", s);
        prop_assert!(!once.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
        let chars: Vec<char> = once.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if *c == '<'
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?'))
            {
                prop_assert!(!chars[i..].contains(&'>'), "a tag is left in {:?} (from {:?})", once, s);
            }
        }
    }

    #[test]
    fn the_logo_pipeline_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = service_registry::submissions::logo::process(&bytes, 1 << 20);
    }

    #[test]
    fn an_svg_is_refused_or_stored_safely_and_stably(doc in svg_doc()) {
        if let Ok(out) = service_registry::submissions::logo::process(doc.as_bytes(), 1 << 20) {
            prop_assert_eq!(out.content_type, "image/svg+xml");
            let why = crate::hostile_svg::unsafe_in(&out.bytes);
            prop_assert!(why.is_none(), "{:?}: {}\n→ {}", why, doc, String::from_utf8_lossy(&out.bytes));
            let again = service_registry::submissions::logo::process(&out.bytes, 1 << 20)
                .map(|o| o.bytes);
            prop_assert_eq!(again.as_deref().ok(), Some(out.bytes.as_slice()), "not stable: {}", doc);
        }
    }

    #[test]
    fn the_edam_parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048), text in markup_text()) {
        let _ = service_registry::edam::owl::parse(&bytes);
        let _ = service_registry::edam::owl::parse(text.as_bytes());
        let _ = service_registry::edam::tsv::parse(&bytes, "1.25");
        let tsv = format!("Class ID\tPreferred Label\tSynonyms\tDefinitions\tObsolete\tParents\n{}", text.replace('<', "\t"));
        let _ = service_registry::edam::tsv::parse(tsv.as_bytes(), "1.25");
    }

    #[test]
    fn the_biotools_mapping_never_panics(v in json_value()) {
        let _ = service_registry::biotools::map_tool(v);
    }
}
