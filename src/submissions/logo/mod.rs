//! Logo uploads: the type is sniffed from the content (never the file name or declared type), rasters
//! are decoded under pixel/memory limits and re-encoded without metadata, SVGs are parsed without a DTD
//! and rewritten through an allow-list. [`process`] is the one entry point for web, API and admin uploads;
//! [`store`] writes the result as `logos/<uuid>.<ext>` under the media root and [`routes`] serves it.

mod raster;
mod serve;
mod store;
mod svg;

pub use serve::{MEDIA_CSP, routes};
pub use store::{is_valid_media_path, media_url, same_as_stored, store};

/// Widest and tallest raster accepted, in pixels.
pub const MAX_DIMENSION: u32 = 4096;
/// Most memory a raster decode may allocate (the decoded pixels count towards it).
pub const MAX_DECODE_BYTES: u64 = 64 * 1024 * 1024;

/// A logo ready to be stored: its canonical extension, content type and the processed bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessedLogo {
    /// `png`, `jpg` or `svg`.
    pub ext: &'static str,
    /// `image/png`, `image/jpeg` or `image/svg+xml`.
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Why an upload was refused; the `Display` text is meant for the person who uploaded the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogoError {
    #[error("The submitted file is empty.")]
    Empty,
    #[error("Logo file is too large. Maximum allowed size is {}.", human_size(*max_bytes))]
    TooLarge { max_bytes: u64 },
    #[error("Unsupported file type. Please upload a PNG, JPEG, or SVG file.")]
    Unsupported,
    #[error("The uploaded {format} file is corrupt or unreadable.")]
    Corrupt { format: &'static str },
    #[error(
        "The image is too large: at most {max} × {max} pixels ({mb} MB once decoded) are accepted. Please upload a smaller image.",
        max = MAX_DIMENSION,
        mb = MAX_DECODE_BYTES / (1024 * 1024)
    )]
    TooManyPixels,
    #[error("The image could not be processed. Please try another file.")]
    Processing,
    #[error("The SVG file could not be parsed. Ensure it is valid XML.")]
    SvgUnparsable,
    #[error("The SVG file must be UTF-8 encoded.")]
    SvgEncoding,
    #[error(
        "SVG files with a DOCTYPE, entity declarations or entity references are not accepted. Please export a plain SVG."
    )]
    SvgDtd,
    #[error(
        "The file is not an SVG image: the root element must be <svg> in the SVG namespace (xmlns=\"http://www.w3.org/2000/svg\")."
    )]
    SvgNotSvg,
    #[error("The SVG file is too complex (too many elements or nested too deeply).")]
    SvgTooComplex,
    #[error("The SVG file contains content that is not allowed in a logo: {0}.")]
    SvgUnsafe(String),
}

/// The kind of file the content says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Png,
    Jpeg,
    Svg,
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Sniffs the type from the first bytes: PNG and JPEG by their signatures; SVG when the text (after a
/// UTF-8 byte-order mark and whitespace) starts with an XML declaration, a comment, a DOCTYPE naming
/// `svg`, or an `<svg`/`<prefix:svg` tag. Anything else (HTML included) is `None`.
pub fn sniff(bytes: &[u8]) -> Option<Sniffed> {
    if bytes.starts_with(PNG_SIGNATURE) {
        return Some(Sniffed::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Sniffed::Jpeg);
    }
    let head = &bytes[..bytes.len().min(512)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let text: Vec<u8> = head[start..].to_ascii_lowercase();
    if text.starts_with(b"<?xml") || text.starts_with(b"<!--") {
        return Some(Sniffed::Svg);
    }
    if let Some(rest) = text.strip_prefix(b"<!doctype") {
        let rest = &rest[rest
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(rest.len())..];
        return rest.starts_with(b"svg").then_some(Sniffed::Svg);
    }
    let tag = text.strip_prefix(b"<")?;
    let name_len = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
        .unwrap_or(tag.len());
    let name = &tag[..name_len];
    let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
    (local == b"svg" && name_len < tag.len()).then_some(Sniffed::Svg)
}

/// Validates and processes an upload: size first, then the sniffed type's pipeline. The result is safe to
/// store and serve; processing the result again yields the same bytes.
pub fn process(bytes: &[u8], max_bytes: u64) -> Result<ProcessedLogo, LogoError> {
    if bytes.is_empty() {
        return Err(LogoError::Empty);
    }
    if bytes.len() as u64 > max_bytes {
        return Err(LogoError::TooLarge { max_bytes });
    }
    match sniff(bytes).ok_or(LogoError::Unsupported)? {
        Sniffed::Png => raster::process_png(bytes),
        Sniffed::Jpeg => raster::process_jpeg(bytes),
        Sniffed::Svg => svg::sanitize(bytes).map(|bytes| ProcessedLogo {
            ext: "svg",
            content_type: "image/svg+xml",
            bytes,
        }),
    }
}

/// [`process`] on a blocking thread, for async handlers: decoding and re-encoding a large raster is CPU
/// work that must not stall the runtime's worker threads.
pub async fn process_off_thread(
    bytes: Vec<u8>,
    max_bytes: u64,
) -> Result<ProcessedLogo, LogoError> {
    tokio::task::spawn_blocking(move || process(&bytes, max_bytes))
        .await
        .unwrap_or(Err(LogoError::Processing))
}

/// The content type for a stored file's extension (`None` for anything we never store).
pub fn content_type_for(ext: &str) -> Option<&'static str> {
    match ext {
        "png" => Some("image/png"),
        "jpg" => Some("image/jpeg"),
        "svg" => Some("image/svg+xml"),
        _ => None,
    }
}

fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{} MB", (bytes + MIB / 2) / MIB)
    } else if bytes >= 1024 {
        format!("{} KB", (bytes + 512) / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_uses_content_only() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some(Sniffed::Png));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Some(Sniffed::Jpeg));
        assert_eq!(sniff(b"\xEF\xBB\xBF  <svg xmlns='x'/>"), Some(Sniffed::Svg));
        assert_eq!(sniff(b"<SVG>"), Some(Sniffed::Svg));
        assert_eq!(sniff(b"<s:svg xmlns:s='x'>"), Some(Sniffed::Svg));
        assert_eq!(sniff(b"<?xml version='1.0'?>"), Some(Sniffed::Svg));
        assert_eq!(sniff(b"<!DOCTYPE svg>"), Some(Sniffed::Svg));
        assert_eq!(sniff(b"<!DOCTYPE html><html>"), None);
        assert_eq!(sniff(b"<html><body>"), None);
        assert_eq!(sniff(b"<svgfoo>"), None);
        assert_eq!(sniff(b"<svg"), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"   "), None);
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(10 * 1024 * 1024), "10 MB");
        assert_eq!(human_size(2048), "2 KB");
        assert_eq!(human_size(5), "5 bytes");
    }
}
