//! Reading environment variables: `<NAME>_FILE` secrets, booleans, lists and strict numbers.

use super::{ConfigError, Secret};
use std::collections::HashMap;

/// A snapshot of environment variables. Tests build one from a map instead of touching the process.
#[derive(Debug, Clone, Default)]
pub struct EnvSource {
    vars: HashMap<String, String>,
}

impl EnvSource {
    pub fn process() -> Self {
        Self {
            vars: std::env::vars().collect(),
        }
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// A non-empty, trimmed value; an empty variable counts as unset (DESIGN.md §9.10).
    pub fn get(&self, key: &str) -> Option<String> {
        self.vars
            .get(key)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// A secret from `<KEY>_FILE` (trimmed file contents) or `<KEY>`; empty counts as unset.
    pub fn secret(&self, key: &str) -> Result<Option<Secret>, ConfigError> {
        if let Some(path) = self.get(&format!("{key}_FILE")) {
            let content = std::fs::read_to_string(&path).map_err(|e| ConfigError::SecretFile {
                key: key.to_string(),
                cause: format!("{path}: {e}"),
            })?;
            let content = content.trim();
            return Ok((!content.is_empty()).then(|| Secret::new(content)));
        }
        Ok(self.get(key).map(Secret::new))
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ConfigError> {
        Ok(self.get(key).map(|v| {
            let v = v.to_ascii_lowercase();
            matches!(v.as_str(), "true" | "1" | "yes" | "on")
        }))
    }

    pub fn list(&self, key: &str) -> Option<Vec<String>> {
        self.get(key).map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
    }

    pub fn parse<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|e: T::Err| ConfigError::Invalid {
                    key: key.to_string(),
                    cause: format!("'{v}': {e}"),
                }),
        }
    }
}
