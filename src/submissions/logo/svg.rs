//! SVG logos: parsed without a DTD (so no entity expansion and no external entities), checked for
//! hostile content (refused with a message naming it), then rewritten from scratch through an allow-list
//! of elements and attributes. Comments, processing instructions, editor metadata and anything unknown
//! are dropped silently; the output is a well-formed SVG with the SVG namespace as default namespace.

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use roxmltree::{Document, Node, ParsingOptions};

use super::LogoError;

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Most nodes (elements, attributes' owners, text) a logo may have.
const MAX_NODES: u32 = 200_000;
/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 256;

/// Elements kept (local names in the SVG namespace). `a` is kept as a `g` without its link.
const ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "defs",
    "symbol",
    "use",
    "switch",
    "title",
    "desc",
    "style",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "textPath",
    "linearGradient",
    "radialGradient",
    "stop",
    "pattern",
    "clipPath",
    "mask",
    "marker",
    "filter",
    "feBlend",
    "feColorMatrix",
    "feComponentTransfer",
    "feComposite",
    "feConvolveMatrix",
    "feDiffuseLighting",
    "feDisplacementMap",
    "feDistantLight",
    "feDropShadow",
    "feFlood",
    "feFuncA",
    "feFuncB",
    "feFuncG",
    "feFuncR",
    "feGaussianBlur",
    "feMerge",
    "feMergeNode",
    "feMorphology",
    "feOffset",
    "fePointLight",
    "feSpecularLighting",
    "feSpotLight",
    "feTile",
    "feTurbulence",
];

/// Elements whose text content is kept (elsewhere text is only formatting whitespace).
const TEXT_ELEMENTS: &[&str] = &["title", "desc", "style", "text", "tspan", "textPath"];

/// Attributes kept (no namespace), besides `href`/`xlink:href` to a local `#fragment`, `xml:space` and
/// `xml:lang`.
const ATTRIBUTES: &[&str] = &[
    // core and structure
    "id",
    "class",
    "lang",
    "style",
    "version",
    "baseProfile",
    "viewBox",
    "preserveAspectRatio",
    "transform",
    "width",
    "height",
    "x",
    "y",
    "requiredFeatures",
    "systemLanguage",
    // geometry
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "fx",
    "fy",
    "fr",
    "d",
    "points",
    "pathLength",
    // text
    "dx",
    "dy",
    "rotate",
    "textLength",
    "lengthAdjust",
    "startOffset",
    "method",
    "spacing",
    "side",
    // paint servers, clipping, masking, markers
    "gradientUnits",
    "gradientTransform",
    "spreadMethod",
    "offset",
    "patternUnits",
    "patternContentUnits",
    "patternTransform",
    "clipPathUnits",
    "maskUnits",
    "maskContentUnits",
    "markerWidth",
    "markerHeight",
    "markerUnits",
    "refX",
    "refY",
    "orient",
    // presentation attributes
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-opacity",
    "opacity",
    "color",
    "display",
    "visibility",
    "overflow",
    "clip",
    "clip-path",
    "clip-rule",
    "mask",
    "filter",
    "marker-start",
    "marker-mid",
    "marker-end",
    "stop-color",
    "stop-opacity",
    "flood-color",
    "flood-opacity",
    "lighting-color",
    "font-family",
    "font-size",
    "font-size-adjust",
    "font-stretch",
    "font-style",
    "font-variant",
    "font-weight",
    "text-anchor",
    "text-decoration",
    "dominant-baseline",
    "alignment-baseline",
    "baseline-shift",
    "letter-spacing",
    "word-spacing",
    "writing-mode",
    "direction",
    "unicode-bidi",
    "paint-order",
    "vector-effect",
    "shape-rendering",
    "text-rendering",
    "image-rendering",
    "color-interpolation",
    "color-interpolation-filters",
    "color-rendering",
    "mix-blend-mode",
    "isolation",
    // filter primitives
    "filterUnits",
    "primitiveUnits",
    "in",
    "in2",
    "result",
    "stdDeviation",
    "mode",
    "type",
    "values",
    "operator",
    "k1",
    "k2",
    "k3",
    "k4",
    "order",
    "kernelMatrix",
    "divisor",
    "bias",
    "targetX",
    "targetY",
    "edgeMode",
    "kernelUnitLength",
    "preserveAlpha",
    "surfaceScale",
    "diffuseConstant",
    "specularConstant",
    "specularExponent",
    "scale",
    "xChannelSelector",
    "yChannelSelector",
    "radius",
    "baseFrequency",
    "numOctaves",
    "seed",
    "stitchTiles",
    "azimuth",
    "elevation",
    "z",
    "pointsAtX",
    "pointsAtY",
    "pointsAtZ",
    "limitingConeAngle",
    "tableValues",
    "slope",
    "intercept",
    "amplitude",
    "exponent",
];

/// Elements that are refused outright, in any namespace and any letter case.
const REFUSED_ELEMENTS: &[&str] = &[
    "script",
    "foreignobject",
    "handler",
    "listener",
    "iframe",
    "frame",
    "embed",
    "object",
    "applet",
    "base",
    "meta",
    "link",
];

const ANIMATIONS: &[&str] = &[
    "animate",
    "set",
    "animatemotion",
    "animatetransform",
    "animatecolor",
    "discard",
];

/// Parses, checks and rewrites an SVG.
pub(super) fn sanitize(bytes: &[u8]) -> Result<Vec<u8>, LogoError> {
    let text = std::str::from_utf8(bytes).map_err(|_| LogoError::SvgEncoding)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected
        | roxmltree::Error::UnknownEntityReference(..)
        | roxmltree::Error::EntityReferenceLoop(..) => LogoError::SvgDtd,
        roxmltree::Error::NodesLimitReached => LogoError::SvgTooComplex,
        _ => LogoError::SvgUnparsable,
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" || root.tag_name().namespace() != Some(SVG_NS) {
        return Err(LogoError::SvgNotSvg);
    }
    inspect(root)?;
    let mut writer = Writer::new(Vec::with_capacity(bytes.len()));
    write_element(&mut writer, root, true).map_err(|_| LogoError::SvgUnparsable)?;
    Ok(writer.into_inner())
}

/// Refuses hostile content anywhere in the document (including parts the rewrite would drop anyway: an
/// upload carrying a script is refused, not quietly "fixed").
fn inspect(root: Node) -> Result<(), LogoError> {
    let mut stack = vec![(root, 1usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(LogoError::SvgTooComplex);
        }
        if node.is_element() {
            check_element(node)?;
        }
        for child in node.children() {
            stack.push((child, depth + 1));
        }
    }
    Ok(())
}

fn unsafe_(what: impl Into<String>) -> LogoError {
    LogoError::SvgUnsafe(what.into())
}

fn check_element(node: Node) -> Result<(), LogoError> {
    let name = node.tag_name().name();
    let lower = name.to_ascii_lowercase();
    if REFUSED_ELEMENTS.contains(&lower.as_str()) {
        return Err(unsafe_(format!("a <{name}> element")));
    }
    if ANIMATIONS.contains(&lower.as_str()) {
        let target = node
            .attributes()
            .find(|a| a.name().eq_ignore_ascii_case("attributeName"))
            .map(|a| a.value().trim().to_ascii_lowercase())
            .unwrap_or_default();
        let target = target.rsplit(':').next().unwrap_or_default();
        if target == "href" || target.starts_with("on") || target == "style" {
            return Err(unsafe_(format!(
                "an animation (<{name}>) that changes '{target}'"
            )));
        }
    }
    if lower == "style" {
        let css: String = node.descendants().filter_map(|n| n.text()).collect();
        if let Some(why) = unsafe_css(&css) {
            return Err(unsafe_(format!("a <style> element with {why}")));
        }
    }
    for attr in node.attributes() {
        let local = attr.name();
        let value = attr.value();
        if local.len() > 2 && local[..2].eq_ignore_ascii_case("on") {
            return Err(unsafe_(format!("an event-handler attribute ({local})")));
        }
        if let Some(scheme) = dangerous_scheme(value) {
            return Err(unsafe_(format!("a {scheme} URL (in '{local}')")));
        }
        if local == "href" && !is_local_ref(value) && lower != "a" {
            return Err(unsafe_(format!(
                "a reference to an external resource (in <{name} {local}>); only references within the file (#id) are allowed"
            )));
        }
        if local == "style" {
            if let Some(why) = unsafe_css(value) {
                return Err(unsafe_(format!("a style attribute with {why}")));
            }
        } else if value.to_ascii_lowercase().contains("url(") && !only_local_urls(value) {
            return Err(unsafe_(format!(
                "a url() pointing outside the file (in '{local}')"
            )));
        }
    }
    Ok(())
}

/// `javascript:`, `vbscript:` or `data:` anywhere in a value, ignoring case, whitespace and control
/// characters (which browsers skip inside a scheme).
fn dangerous_scheme(value: &str) -> Option<&'static str> {
    let squeezed: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    ["javascript:", "vbscript:", "data:"]
        .into_iter()
        .find(|s| squeezed.contains(s))
        .map(|s| s.trim_end_matches(':'))
        .map(|s| match s {
            "javascript" => "javascript:",
            "vbscript" => "vbscript:",
            _ => "data:",
        })
}

fn is_local_ref(value: &str) -> bool {
    let v = value.trim();
    v.starts_with('#') && v[1..].chars().all(is_id_char)
}

fn is_id_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')
}

/// Whether every `url(…)` in a value (CSS or presentation attribute) is a local `url(#id)`.
fn only_local_urls(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("url(") {
        rest = &rest[at + 4..];
        let Some(end) = rest.find(')') else {
            return false;
        };
        let inner = rest[..end].trim();
        let inner = inner
            .strip_prefix(['"', '\''])
            .and_then(|s| s.strip_suffix(['"', '\'']))
            .unwrap_or(inner);
        if !is_local_ref(inner) {
            return false;
        }
        rest = &rest[end + 1..];
    }
    true
}

/// Why a piece of CSS is refused, if it is: anything that can load a resource or hide a keyword.
fn unsafe_css(css: &str) -> Option<&'static str> {
    let lower = css.to_ascii_lowercase();
    if lower.contains('\\') {
        Some("CSS escapes")
    } else if lower.contains('@') {
        Some("an @-rule (such as @import)")
    } else if lower.contains("expression")
        || lower.contains("behavior")
        || lower.contains("binding")
    {
        Some("script-like CSS")
    } else if ["image-set", "image(", "cross-fade", "element("]
        .iter()
        .any(|f| lower.contains(f))
    {
        Some("a CSS function that loads resources")
    } else if lower.contains('<') {
        Some("markup inside CSS")
    } else if !only_local_urls(css) {
        Some("a url() pointing outside the file")
    } else {
        None
    }
}

fn is_svg(node: Node) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(SVG_NS)
}

/// The name an element is written under, or `None` when it is dropped with its content.
fn output_name(node: Node) -> Option<&'static str> {
    if !is_svg(node) {
        return None;
    }
    let name = node.tag_name().name();
    if name == "a" {
        return Some("g");
    }
    ELEMENTS.iter().copied().find(|e| *e == name)
}

fn keeps_text(name: &str) -> bool {
    TEXT_ELEMENTS.contains(&name)
}

fn has_output(node: Node, name: &str) -> bool {
    node.children().any(|c| {
        output_name(c).is_some()
            || (c.is_text() && keeps_text(name) && !c.text().unwrap_or("").is_empty())
    })
}

/// The attributes written for an element: allow-listed names whose values passed the checks.
fn output_attributes<'a>(node: Node<'a, 'a>, element: &str) -> Vec<(String, &'a str)> {
    let mut out = Vec::new();
    for attr in node.attributes() {
        let local = attr.name();
        let value = attr.value();
        if dangerous_scheme(value).is_some() {
            continue;
        }
        let key = match attr.namespace() {
            None if local == "href" => {
                if element == "g" || !is_local_ref(value) {
                    continue;
                }
                "href".to_string()
            }
            Some(XLINK_NS) if local == "href" => {
                if element == "g" || !is_local_ref(value) {
                    continue;
                }
                "xlink:href".to_string()
            }
            Some(XML_NS) if local == "space" || local == "lang" => format!("xml:{local}"),
            None if ATTRIBUTES.contains(&local) => {
                let ok = if local == "style" {
                    unsafe_css(value).is_none()
                } else {
                    !value.to_ascii_lowercase().contains("url(") || only_local_urls(value)
                };
                if !ok {
                    continue;
                }
                local.to_string()
            }
            _ => continue,
        };
        out.push((key, value));
    }
    out
}

fn write_element(w: &mut Writer<Vec<u8>>, node: Node, root: bool) -> Result<(), quick_xml::Error> {
    let Some(name) = output_name(node) else {
        return Ok(());
    };
    let mut start = BytesStart::new(name);
    if root {
        start.push_attribute(("xmlns", SVG_NS));
        start.push_attribute(("xmlns:xlink", XLINK_NS));
    }
    for (key, value) in output_attributes(node, name) {
        start.push_attribute((key.as_str(), value));
    }
    if !has_output(node, name) {
        w.write_event(Event::Empty(start))?;
        return Ok(());
    }
    w.write_event(Event::Start(start))?;
    for child in node.children() {
        if child.is_element() {
            write_element(w, child, false)?;
        } else if child.is_text() && keeps_text(name) {
            let text = child.text().unwrap_or("");
            if !text.is_empty() {
                w.write_event(Event::Text(BytesText::new(text)))?;
            }
        }
    }
    w.write_event(Event::End(BytesEnd::new(name)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_checks() {
        assert!(only_local_urls("fill:url(#a);stroke:url( '#b' )"));
        assert!(only_local_urls("fill:red"));
        assert!(!only_local_urls("fill:url(https://x/y#a)"));
        assert!(!only_local_urls("fill:url(#a"));
        assert!(unsafe_css("@import 'x.css';").is_some());
        assert!(unsafe_css(".a{background:u\\72l(x)}").is_some());
        assert!(unsafe_css(".a{fill:url(#g)}").is_none());
    }

    #[test]
    fn schemes_are_found_through_obfuscation() {
        assert_eq!(
            dangerous_scheme(" JaVa\tScript:alert(1)"),
            Some("javascript:")
        );
        assert_eq!(dangerous_scheme("DATA:image/png;base64,AA"), Some("data:"));
        assert_eq!(dangerous_scheme("#local"), None);
    }
}
