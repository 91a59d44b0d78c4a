//! Secrets: a value that never prints, and development mode's generated secret key.

use std::path::Path;

use super::ConfigError;

/// A value that must never be printed or logged.
#[derive(Clone, Default, PartialEq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

/// Development mode keeps a generated secret under the data directory so sessions survive restarts.
pub(super) fn dev_secret_key(data_dir: &Path) -> Result<Secret, ConfigError> {
    let err = |e: std::io::Error| ConfigError::DataDir {
        path: data_dir.display().to_string(),
        cause: e.to_string(),
    };
    std::fs::create_dir_all(data_dir).map_err(err)?;
    let path = data_dir.join("secret_key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 50 {
            return Ok(Secret::new(existing));
        }
    }
    let mut bytes = [0u8; 48];
    rand::fill(&mut bytes);
    let key = hex::encode(bytes);
    write_private(&path, &key).map_err(err)?;
    Ok(Secret::new(key))
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(content.as_bytes())
}
