//! Storage of processed logos under the media root: `logos/<uuid>.<ext>`, written to a temporary file
//! first and renamed into place, so a reader never sees half a file.

use std::io;
use std::path::{Path, PathBuf};

use super::{ProcessedLogo, content_type_for};

/// Directory (under the media root) that holds the logos.
pub const LOGO_DIR: &str = "logos";

/// Writes a processed logo and returns its media path, `logos/<uuid>.<ext>`. The uploaded file's name
/// never reaches the disk.
pub async fn store(media_root: &Path, logo: &ProcessedLogo) -> io::Result<String> {
    let dir = media_root.join(LOGO_DIR);
    tokio::fs::create_dir_all(&dir).await?;
    let id = uuid::Uuid::new_v4();
    let name = format!("{id}.{}", logo.ext);
    let tmp = dir.join(format!(".{id}.tmp"));
    let result = write_then_rename(&tmp, &dir.join(&name), &logo.bytes).await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    result.map(|()| format!("{LOGO_DIR}/{name}"))
}

async fn write_then_rename(tmp: &Path, target: &Path, bytes: &[u8]) -> io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut file = tokio::fs::File::create(tmp).await?;
    file.write_all(bytes).await?;
    file.sync_all().await?;
    drop(file);
    tokio::fs::rename(tmp, target).await
}

/// Whether `rel` is a path this application could have stored: `/`-separated segments of ASCII
/// letters, digits, `-` and `_`, the last one with a `png`/`jpg`/`svg` extension. Anything else —
/// `..`, empty or absolute segments, backslashes, NUL, percent signs — is refused.
pub fn is_valid_media_path(rel: &str) -> bool {
    let Some((stem, ext)) = rel.rsplit_once('.') else {
        return false;
    };
    content_type_for(ext).is_some()
        && stem.split('/').all(|seg| {
            !seg.is_empty()
                && seg.len() <= 100
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The site-relative URL of a stored media path (`/media/logos/<uuid>.<ext>`); prefix the site's
/// scheme and host for the API's absolute `logo_url`.
pub fn media_url(rel: &str) -> String {
    format!("/media/{}", rel.trim_start_matches('/'))
}

/// The file for a media path, if it is a regular file really inside the media root (symbolic links
/// that lead elsewhere, and links as the file itself, are refused).
pub(super) async fn resolve(media_root: &Path, rel: &str) -> Option<PathBuf> {
    if !is_valid_media_path(rel) {
        return None;
    }
    let root = tokio::fs::canonicalize(media_root).await.ok()?;
    let candidate = root.join(rel);
    let meta = tokio::fs::symlink_metadata(&candidate).await.ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    let real = tokio::fs::canonicalize(&candidate).await.ok()?;
    real.starts_with(&root).then_some(real)
}

/// Whether the stored file at `rel` already holds exactly these processed bytes (re-uploading the same
/// image yields the same bytes, so the caller can keep the existing file and name).
pub async fn same_as_stored(media_root: &Path, rel: &str, logo: &ProcessedLogo) -> bool {
    if !rel.ends_with(&format!(".{}", logo.ext)) {
        return false;
    }
    let Some(path) = resolve(media_root, rel).await else {
        return false;
    };
    match tokio::fs::metadata(&path).await {
        Ok(m) if m.len() == logo.bytes.len() as u64 => {}
        _ => return false,
    }
    tokio::fs::read(&path)
        .await
        .is_ok_and(|stored| stored == logo.bytes)
}
