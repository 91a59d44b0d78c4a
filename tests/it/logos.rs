//! Logo uploads: sniffing, raster re-encoding (metadata gone, bombs refused), the SVG allow-list against
//! hostile files, storage paths, and `/media/` serving (headers, strict CSP, traversal refused).

use crate::support::TestApp;
use image::{DynamicImage, GenericImageView, ImageFormat, RgbImage, RgbaImage};
use service_registry::submissions::logo::{
    self, LogoError, MEDIA_CSP, ProcessedLogo, is_valid_media_path, media_url, process,
    process_off_thread, same_as_stored, store,
};
use std::io::Cursor;

const MAX: u64 = 10 * 1024 * 1024;
const MARKER: &str = "SECRET-MARKER-4711";

// ---------------------------------------------------------------------------------------------------
// Fixtures, built here so every byte is visible.

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
    out
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode fixture");
    out.into_inner()
}

fn small_png() -> Vec<u8> {
    let img = RgbaImage::from_fn(4, 3, |x, y| {
        image::Rgba([x as u8 * 60, y as u8 * 80, 200, 255])
    });
    encode(&DynamicImage::ImageRgba8(img), ImageFormat::Png)
}

/// A valid PNG with a `tEXt` chunk carrying the marker right after IHDR.
fn png_with_text() -> Vec<u8> {
    let png = small_png();
    let ihdr_end = 8 + 25;
    let mut out = png[..ihdr_end].to_vec();
    out.extend(png_chunk(b"tEXt", format!("Comment\0{MARKER}").as_bytes()));
    out.extend_from_slice(&png[ihdr_end..]);
    out
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, _| image::Rgb([x as u8 * 30, 100, 50]));
    encode(&DynamicImage::ImageRgb8(img), ImageFormat::Jpeg)
}

/// A 4×2 JPEG with an EXIF APP1 segment: ImageDescription = marker, Orientation = 6 (rotate 90°).
fn jpeg_with_exif() -> Vec<u8> {
    let desc = format!("{MARKER}\0");
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&0x010Eu16.to_be_bytes());
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&(desc.len() as u32).to_be_bytes());
    tiff.extend_from_slice(&38u32.to_be_bytes());
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&[0, 6, 0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(tiff.len(), 38);
    tiff.extend_from_slice(desc.as_bytes());
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend(tiff);
    let base = jpeg(4, 2);
    let mut out = base[..2].to_vec();
    out.extend(app1);
    out.extend_from_slice(&base[2..]);
    out
}

/// A tiny PNG whose header declares 100000 × 100000 RGBA pixels (40 GB decoded).
fn png_bomb() -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &[0u8; 4096]).expect("compress");
    let idat = z.finish().expect("compress");
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr));
    out.extend(png_chunk(b"IDAT", &idat));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

/// A real small JPEG whose frame header is patched to declare 65000 × 65000 pixels.
fn jpeg_bomb() -> Vec<u8> {
    let mut bytes = jpeg(8, 8);
    let sof = bytes
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("SOF0 marker");
    bytes[sof + 5..sof + 7].copy_from_slice(&65000u16.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&65000u16.to_be_bytes());
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn decoded(logo: &ProcessedLogo) -> DynamicImage {
    image::load_from_memory(&logo.bytes).expect("output decodes")
}

// ---------------------------------------------------------------------------------------------------
// Size and type

#[test]
fn empty_and_oversized_files_are_refused_before_anything_else() {
    assert_eq!(process(b"", MAX), Err(LogoError::Empty));
    let png = small_png();
    let err = process(&png, 5).expect_err("too large");
    assert_eq!(err, LogoError::TooLarge { max_bytes: 5 });
    assert!(err.to_string().contains("too large"), "{err}");
    // The size check comes first: even garbage of the wrong size says "too large".
    assert_eq!(
        process(&[0u8; 100], 10),
        Err(LogoError::TooLarge { max_bytes: 10 })
    );
    assert_eq!(
        LogoError::TooLarge { max_bytes: MAX }.to_string(),
        "Logo file is too large. Maximum allowed size is 10 MB."
    );
}

#[test]
fn html_and_other_types_are_refused_whatever_they_claim() {
    for body in [
        &b"<html><body><script>alert(1)</script></body></html>"[..],
        b"<!DOCTYPE html><html></html>",
        b"   <script>alert(1)</script>",
        b"GIF89a\x01\x00\x01\x00",
        b"%PDF-1.7",
        b"just some text",
    ] {
        assert_eq!(process(body, MAX), Err(LogoError::Unsupported), "{body:?}");
    }
    // PNG signature followed by HTML: sniffed as PNG, but it does not decode.
    let mut fake = b"\x89PNG\r\n\x1a\n".to_vec();
    fake.extend_from_slice(b"<html><script>alert(1)</script></html>");
    assert_eq!(
        process(&fake, MAX),
        Err(LogoError::Corrupt { format: "PNG" })
    );
    let mut truncated = small_png();
    truncated.truncate(40);
    assert!(matches!(
        process(&truncated, MAX),
        Err(LogoError::Corrupt { .. })
    ));
}

// ---------------------------------------------------------------------------------------------------
// Rasters

#[test]
fn png_is_re_encoded_without_its_text_chunk() {
    let input = png_with_text();
    assert!(contains(&input, MARKER), "fixture carries the marker");
    let out = process(&input, MAX).expect("valid png");
    assert_eq!((out.ext, out.content_type), ("png", "image/png"));
    assert!(!contains(&out.bytes, MARKER), "tEXt chunk survived");
    assert!(!contains(&out.bytes, "tEXt"));
    let img = decoded(&out);
    assert_eq!(img.dimensions(), (4, 3));
    assert_eq!(img.color(), image::ColorType::Rgba8, "colour type kept");
    assert_eq!(
        img.to_rgba8().get_pixel(3, 2).0,
        [180, 160, 200, 255],
        "pixels kept"
    );
}

#[test]
fn jpeg_is_re_encoded_without_exif_and_turned_upright() {
    let input = jpeg_with_exif();
    assert!(contains(&input, MARKER));
    let out = process(&input, MAX).expect("valid jpeg");
    assert_eq!((out.ext, out.content_type), ("jpg", "image/jpeg"));
    assert!(!contains(&out.bytes, MARKER), "EXIF survived");
    assert!(!contains(&out.bytes, "Exif"));
    // Orientation 6 was applied to the pixels, since the tag that described it is gone.
    assert_eq!(decoded(&out).dimensions(), (2, 4));
}

#[tokio::test]
async fn processing_off_the_async_threads_gives_the_same_result() {
    let png = png_with_text();
    assert_eq!(
        process_off_thread(png.clone(), MAX).await,
        process(&png, MAX)
    );
    assert_eq!(
        process_off_thread(png_bomb(), MAX).await,
        Err(LogoError::TooManyPixels)
    );
}

#[test]
fn decompression_bombs_are_refused_from_the_header() {
    let bomb = png_bomb();
    assert!(bomb.len() < 200, "the bomb is tiny: {} bytes", bomb.len());
    assert_eq!(process(&bomb, MAX), Err(LogoError::TooManyPixels));
    assert_eq!(process(&jpeg_bomb(), MAX), Err(LogoError::TooManyPixels));
    assert!(
        LogoError::TooManyPixels.to_string().contains("4096"),
        "message names the limit"
    );
}

#[test]
fn images_at_the_limit_are_accepted_and_larger_ones_refused() {
    let wide = encode(
        &DynamicImage::ImageLuma8(image::GrayImage::new(logo::MAX_DIMENSION, 1)),
        ImageFormat::Png,
    );
    assert!(process(&wide, MAX).is_ok());
    let wider = encode(
        &DynamicImage::ImageLuma8(image::GrayImage::new(logo::MAX_DIMENSION + 1, 1)),
        ImageFormat::Png,
    );
    assert_eq!(process(&wider, MAX), Err(LogoError::TooManyPixels));
}

// ---------------------------------------------------------------------------------------------------
// SVG

fn svg_out(svg: &str) -> String {
    let out = process(svg.as_bytes(), MAX).unwrap_or_else(|e| panic!("refused: {e}\n{svg}"));
    assert_eq!((out.ext, out.content_type), ("svg", "image/svg+xml"));
    let text = String::from_utf8(out.bytes.clone()).expect("utf-8");
    let doc = roxmltree::Document::parse(&text).expect("output is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    // Idempotent: processing the output again changes nothing.
    let again = process(&out.bytes, MAX).expect("output accepted again");
    assert_eq!(again.bytes, out.bytes, "not idempotent");
    text
}

fn svg_refused(svg: &str) -> LogoError {
    match process(svg.as_bytes(), MAX) {
        Ok(out) => panic!(
            "accepted:\n{svg}\n→\n{}",
            String::from_utf8_lossy(&out.bytes)
        ),
        Err(e) => e,
    }
}

fn unsafe_(svg: &str, expect_in_message: &str) {
    let err = svg_refused(svg);
    assert!(matches!(err, LogoError::SvgUnsafe(_)), "{err:?} for {svg}");
    assert!(
        err.to_string().contains(expect_in_message),
        "message '{err}' should mention '{expect_in_message}'"
    );
}

const NS: &str = r#"xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink""#;

#[test]
fn a_clean_logo_keeps_its_drawing_and_loses_editor_noise() {
    let svg = format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<!-- Created with Inkscape -->
<?xml-stylesheet href="https://evil.example/x.css"?>
<svg {NS} xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
     xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
     width="120" height="40" viewBox="0 0 120 40" inkscape:version="1.3" xml:base="https://evil.example/">
  <title>de.NBI &amp; friends</title>
  <metadata><rdf:RDF><rdf:Description rdf:about="https://example.org"/></rdf:RDF></metadata>
  <defs>
    <linearGradient id="g1" x1="0" x2="1"><stop offset="0" stop-color="#fff"/><stop offset="1" stop-color="#036"/></linearGradient>
    <path id="p" d="M0 0 L10 10"/>
  </defs>
  <g transform="translate(2,2)" style="fill:url(#g1);stroke:url( '#g1' )" inkscape:label="Layer 1">
    <rect x="0" y="0" width="100" height="30" rx="4" fill="url(#g1)"/>
    <use xlink:href="#p"/><use href="#p"/>
    <text x="10" y="20" font-family="sans-serif">de.NBI <tspan fill="red">&lt;registry&gt;</tspan></text>
    <a href="https://example.org" transform="scale(2)"><circle cx="5" cy="5" r="3"/></a>
    <animate attributeName="opacity" from="0" to="1" dur="1s"/>
    <unknown-thing/>
  </g>
</svg>"##
    );
    let out = svg_out(&svg);
    for kept in [
        "viewBox=\"0 0 120 40\"",
        "<linearGradient id=\"g1\"",
        "fill=\"url(#g1)\"",
        "style=\"fill:url(#g1);stroke:url( &apos;#g1&apos; )\"",
        "xlink:href=\"#p\"",
        "href=\"#p\"",
        "<title>de.NBI &amp; friends</title>",
        "&lt;registry&gt;",
        "<g transform=\"scale(2)\"><circle",
    ] {
        assert!(out.contains(kept), "missing {kept}\n{out}");
    }
    for gone in [
        "Inkscape",
        "inkscape",
        "metadata",
        "rdf",
        "xml-stylesheet",
        "evil",
        "xml:base",
        "example.org",
        "animate",
        "unknown-thing",
        "<!--",
        "<?",
    ] {
        assert!(!out.contains(gone), "{gone} survived\n{out}");
    }
}

#[test]
fn script_in_any_form_is_refused() {
    unsafe_(
        &format!(r#"<svg {NS}><script>alert(1)</script></svg>"#),
        "<script>",
    );
    unsafe_(
        &format!(
            r#"<svg {NS}><SCRIPT xmlns="http://www.w3.org/1999/xhtml">alert(1)</SCRIPT></svg>"#
        ),
        "SCRIPT",
    );
    unsafe_(
        &format!(r#"<svg {NS} onload="alert(1)"><rect/></svg>"#),
        "onload",
    );
    unsafe_(
        &format!(r#"<svg {NS}><rect ONCLICK="alert(1)"/></svg>"#),
        "ONCLICK",
    );
    unsafe_(
        &format!(
            r#"<svg {NS}><a xlink:href="javascript:alert(1)"><rect width="9" height="9"/></a></svg>"#
        ),
        "javascript:",
    );
    unsafe_(
        &format!(r#"<svg {NS}><a href=" jav&#x09;ascript:alert(1)"><rect/></a></svg>"#),
        "javascript:",
    );
}

#[test]
fn foreign_object_style_urls_and_animation_of_links_are_refused() {
    unsafe_(
        &format!(
            r#"<svg {NS}><foreignObject width="9" height="9"><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject></svg>"#
        ),
        "foreignObject",
    );
    unsafe_(
        &format!(
            r#"<svg {NS}><style>rect {{ fill: url(https://evil.example/track.svg#x) }}</style><rect/></svg>"#
        ),
        "url()",
    );
    unsafe_(
        &format!(r#"<svg {NS}><style>@import url(#x);</style></svg>"#),
        "@import",
    );
    unsafe_(
        &format!(
            r#"<svg {NS}><rect style="background-image:url('https://evil.example/p.png')"/></svg>"#
        ),
        "url()",
    );
    unsafe_(
        &format!(r#"<svg {NS}><rect fill="url(https://evil.example/#g)"/></svg>"#),
        "url()",
    );
    unsafe_(
        &format!(
            r#"<svg {NS}><style>rect {{ background: image-set("https://evil.example/p.png" 1x) }}</style></svg>"#
        ),
        "loads resources",
    );
    unsafe_(
        &format!(
            r##"<svg {NS}><a href="#x"><set attributeName="href" to="javascript:alert(1)"/><rect/></a></svg>"##
        ),
        "<set>) that changes 'href'",
    );
    unsafe_(
        &format!(
            r##"<svg {NS}><a href="#x"><animate attributeName="xlink:href" values="#a;#b"/><rect/></a></svg>"##
        ),
        "'href'",
    );
    unsafe_(
        &format!(r##"<svg {NS}><set attributeName="onclick" to="x"/></svg>"##),
        "'onclick'",
    );
}

#[test]
fn data_urls_and_external_references_are_refused() {
    unsafe_(
        &format!(
            r#"<svg {NS}><image href="data:image/png;base64,iVBORw0KGgo=" width="9" height="9"/></svg>"#
        ),
        "data:",
    );
    unsafe_(
        &format!(r#"<svg {NS}><use xlink:href="https://evil.example/sprite.svg#icon"/></svg>"#),
        "external resource",
    );
    unsafe_(
        &format!(r#"<svg {NS}><image xlink:href="logo.png"/></svg>"#),
        "external resource",
    );
    unsafe_(
        &format!(r#"<svg {NS}><rect class="data:text/html,x"/></svg>"#),
        "data:",
    );
}

#[test]
fn dtds_and_entities_are_refused() {
    let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&d;</text></svg>"#;
    assert_eq!(svg_refused(bomb), LogoError::SvgDtd);
    let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>"#;
    assert_eq!(svg_refused(xxe), LogoError::SvgDtd);
    let external_dtd = r#"<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg"><text>&nbsp;</text></svg>"#;
    assert_eq!(svg_refused(external_dtd), LogoError::SvgDtd);
    assert!(LogoError::SvgDtd.to_string().contains("DOCTYPE"));
    // Even a DOCTYPE that declares nothing (as old exporters write) is refused: no DTD at all.
    let plain = r#"<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>"#;
    assert_eq!(svg_refused(plain), LogoError::SvgDtd);
    let bare = r#"<!DOCTYPE svg><svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>"#;
    assert_eq!(svg_refused(bare), LogoError::SvgDtd);
}

#[test]
fn things_that_are_not_svg_are_refused() {
    assert_eq!(
        svg_refused(r#"<svg><rect/></svg>"#),
        LogoError::SvgNotSvg,
        "no SVG namespace"
    );
    assert_eq!(
        svg_refused(r#"<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>"#),
        LogoError::SvgNotSvg
    );
    assert_eq!(
        svg_refused(r#"<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>"#),
        LogoError::SvgUnparsable
    );
    let mut latin1 = format!(r#"<svg {NS}><title>"#).into_bytes();
    latin1.extend_from_slice(&[0xE9]);
    latin1.extend_from_slice(b"</title></svg>");
    assert_eq!(process(&latin1, MAX), Err(LogoError::SvgEncoding));
    let deep = format!(
        r#"<svg {NS}>{}{}</svg>"#,
        "<g>".repeat(1000),
        "</g>".repeat(1000)
    );
    assert_eq!(svg_refused(&deep), LogoError::SvgTooComplex);
}

#[test]
fn a_prefixed_svg_root_comes_out_with_the_default_namespace() {
    let out = svg_out(
        r#"<s:svg xmlns:s="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><s:rect width="1" height="1"/></s:svg>"#,
    );
    assert!(
        out.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{out}"
    );
    assert!(out.contains("<rect width=\"1\" height=\"1\"/>"), "{out}");
}

// ---------------------------------------------------------------------------------------------------
// Storage

#[tokio::test]
async fn stored_logos_get_a_uuid_name_and_nothing_else_is_left_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let logo = process(&small_png(), MAX).expect("png");
    let rel = store(dir.path(), &logo).await.expect("store");
    let name = rel.strip_prefix("logos/").expect("under logos/");
    let stem = name.strip_suffix(".png").expect("png extension");
    assert!(uuid::Uuid::parse_str(stem).is_ok(), "{rel}");
    assert!(is_valid_media_path(&rel));
    assert_eq!(media_url(&rel), format!("/media/{rel}"));
    assert_eq!(
        std::fs::read(dir.path().join(&rel)).expect("stored file"),
        logo.bytes
    );
    let entries: Vec<_> = std::fs::read_dir(dir.path().join("logos"))
        .expect("dir")
        .collect();
    assert_eq!(entries.len(), 1, "no temporary files left");

    let second = store(dir.path(), &logo).await.expect("store again");
    assert_ne!(second, rel, "every upload gets its own name");
    assert!(same_as_stored(dir.path(), &rel, &logo).await);
    let other = process(&jpeg(3, 3), MAX).expect("jpeg");
    assert!(!same_as_stored(dir.path(), &rel, &other).await);
    assert!(!same_as_stored(dir.path(), "logos/../../etc/passwd.png", &logo).await);
}

#[test]
fn media_paths_are_strict() {
    for ok in ["logos/0b6f.png", "logos/a-b_c.svg", "x.jpg"] {
        assert!(is_valid_media_path(ok), "{ok}");
    }
    for bad in [
        "../Cargo.toml",
        "logos/../x.png",
        "/etc/x.png",
        "logos//x.png",
        "logos/x.html",
        "logos/x.png.html",
        "logos/.x.png",
        "logos\\x.png",
        "logos/x%2e.png",
        "logos/x\0.png",
        "",
    ] {
        assert!(!is_valid_media_path(bad), "{bad:?}");
    }
}

// ---------------------------------------------------------------------------------------------------
// Serving

#[tokio::test]
async fn media_serves_stored_logos_with_safe_headers() {
    let app = TestApp::new().await;
    let root = app.state.config.media_root.clone();
    assert_eq!(root, app.state.config.data_dir.join("media"));
    let svg = process(
        format!(r#"<svg {NS} viewBox="0 0 1 1"><rect width="1" height="1"/></svg>"#).as_bytes(),
        MAX,
    )
    .expect("svg");
    let rel = store(&root, &svg).await.expect("store");
    let resp = app.get(&media_url(&rel)).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.header("content-type"), "image/svg+xml");
    assert_eq!(resp.header("x-content-type-options"), "nosniff");
    assert_eq!(resp.header("content-security-policy"), MEDIA_CSP);
    assert!(MEDIA_CSP.contains("default-src 'none'") && MEDIA_CSP.contains("sandbox"));
    assert_eq!(resp.header("cache-control"), "public, max-age=604800");
    assert_eq!(resp.header("content-disposition"), "inline");
    assert_eq!(resp.body, svg.bytes);

    for (bytes, ct) in [(small_png(), "image/png"), (jpeg(2, 2), "image/jpeg")] {
        let logo = process(&bytes, MAX).expect("raster");
        let rel = store(&root, &logo).await.expect("store");
        let resp = app.get(&media_url(&rel)).await;
        assert_eq!(resp.status, 200);
        assert_eq!(resp.header("content-type"), ct);
        assert_eq!(resp.body, logo.bytes);
    }
}

#[tokio::test]
async fn media_refuses_traversal_links_and_unknown_files() {
    let app = TestApp::new().await;
    let root = app.state.config.media_root.clone();
    let data = app.state.config.data_dir.clone();
    std::fs::create_dir_all(root.join("logos")).expect("mkdir");
    std::fs::write(data.join("secret.png"), b"outside the media root").expect("write");
    std::fs::write(root.join("logos/page.html"), b"<script>alert(1)</script>").expect("write");
    std::os::unix::fs::symlink(data.join("secret.png"), root.join("logos/link.png"))
        .expect("symlink");
    std::os::unix::fs::symlink(&data, root.join("up")).expect("dir symlink");

    for path in [
        "/media/../Cargo.toml",
        "/media/../secret.png",
        "/media/%2e%2e/secret.png",
        "/media/%2e%2e%2fsecret.png",
        "/media/logos/..%2f..%2fsecret.png",
        "/media//etc/passwd",
        "/media/%2fetc%2fpasswd",
        "/media/logos/link.png",
        "/media/up/secret.png",
        "/media/logos/page.html",
        "/media/logos/missing.png",
        "/media/logos/",
        "/media/",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status, 404, "{path}: {}", resp.text());
        assert!(!resp.text().contains("outside the media root"), "{path}");
        assert!(!resp.text().contains("alert(1)"), "{path}");
        // The normal error page, with the normal page policy.
        assert!(
            resp.header("content-type").starts_with("text/html"),
            "{path}"
        );
        assert_ne!(resp.header("content-security-policy"), MEDIA_CSP, "{path}");
    }
}

#[tokio::test]
async fn other_pages_keep_the_page_policy() {
    let app = TestApp::new().await;
    let resp = app.get("/").await;
    let csp = resp.header("content-security-policy");
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
}

#[tokio::test]
async fn media_root_can_be_moved_with_an_environment_variable() {
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let path = elsewhere.path().join("uploads");
    let app = TestApp::build(
        &[("MEDIA_ROOT", path.to_str().expect("utf-8 path"))],
        axum::Router::new(),
    )
    .await;
    assert_eq!(app.state.config.media_root, path);
    let logo = process(&small_png(), MAX).expect("png");
    let rel = store(&path, &logo).await.expect("store");
    assert_eq!(app.get(&media_url(&rel)).await.status, 200);
}
