//! PNG and JPEG: decoded under strict limits (so a small file declaring a huge canvas is refused before
//! any pixel buffer is allocated), turned upright by its EXIF orientation, and re-encoded from the pixels
//! alone, which drops every metadata chunk or segment (EXIF, XMP, text chunks, comments, ICC profiles).

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

use super::{LogoError, MAX_DECODE_BYTES, MAX_DIMENSION, ProcessedLogo};

const JPEG_QUALITY: u8 = 85;

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

fn decode(
    bytes: &[u8],
    format: ImageFormat,
    name: &'static str,
) -> Result<DynamicImage, LogoError> {
    let map = |e: ImageError| match e {
        ImageError::Limits(_) => LogoError::TooManyPixels,
        _ => LogoError::Corrupt { format: name },
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    // The header alone is read here; the width/height limits are checked against it.
    let mut decoder = reader.into_decoder().map_err(map)?;
    if decoder.total_bytes() > MAX_DECODE_BYTES {
        return Err(LogoError::TooManyPixels);
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(map)?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// A PNG re-encoded in its own colour type (palette images come back as RGB/RGBA).
pub(super) fn process_png(bytes: &[u8]) -> Result<ProcessedLogo, LogoError> {
    let img = decode(bytes, ImageFormat::Png, "PNG")?;
    let img = match img {
        DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_)
        | DynamicImage::ImageLuma16(_)
        | DynamicImage::ImageLumaA16(_)
        | DynamicImage::ImageRgb16(_)
        | DynamicImage::ImageRgba16(_) => img,
        other => DynamicImage::ImageRgba8(other.to_rgba8()),
    };
    let mut out = Vec::new();
    img.write_with_encoder(PngEncoder::new(&mut out))
        .map_err(|_| LogoError::Processing)?;
    Ok(ProcessedLogo {
        ext: "png",
        content_type: "image/png",
        bytes: out,
    })
}

/// A JPEG re-encoded as baseline RGB (or greyscale) JPEG.
pub(super) fn process_jpeg(bytes: &[u8]) -> Result<ProcessedLogo, LogoError> {
    let img = decode(bytes, ImageFormat::Jpeg, "JPEG")?;
    let img = match img {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => img,
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    };
    let mut out = Vec::new();
    img.write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
        .map_err(|_| LogoError::Processing)?;
    Ok(ProcessedLogo {
        ext: "jpg",
        content_type: "image/jpeg",
        bytes: out,
    })
}
