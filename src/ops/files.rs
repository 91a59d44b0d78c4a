//! File helpers of backups: checksums, walking the media tree, copying it.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Size and hex SHA-256 of a file, read in chunks.
pub fn checksum(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((size, hex::encode(hasher.finalize())))
}

/// A `/`-separated relative path with only normal components (no `..`, no root, nothing empty).
pub fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Every regular file under `root`, relative to it, sorted; names starting with `.` (temporary files
/// of a logo being written) are left out. A missing root has no files.
pub fn walk(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if root.exists() {
        walk_into(root, Path::new(""), &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn walk_into(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(root.join(rel))? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let child = rel.join(&name);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk_into(root, &child, out)?;
        } else if kind.is_file() {
            out.push(child);
        }
    }
    Ok(())
}

/// Copies the listed relative files from `from` to `to`, creating directories.
pub fn copy_files(from: &Path, to: &Path, files: &[PathBuf]) -> std::io::Result<()> {
    for rel in files {
        let target = to.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from.join(rel), &target)?;
    }
    Ok(())
}

/// The path as the manifest writes it (`/`-separated).
pub fn manifest_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// A sibling of `path` with a unique suffix, for writing beside a target before renaming into place.
pub fn sibling(path: &Path, what: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "target".into());
    path.with_file_name(format!(".{name}.{what}-{}", uuid::Uuid::new_v4().simple()))
}

/// Whether a directory holds any file (a missing directory holds none).
pub fn has_files(dir: &Path) -> std::io::Result<bool> {
    Ok(!walk(dir)?.is_empty())
}
