//! `check-config`: the effective configuration with every secret redacted.

use super::*;

impl Config {
    /// The effective configuration as `KEY = value` lines with every secret redacted (`check-config`).
    pub fn redacted_summary(&self) -> Vec<(String, String)> {
        let redact = |s: &Secret| if s.is_empty() { "(empty)" } else { "***" }.to_string();
        let mut out = vec![
            ("mode".into(), format!("{:?}", self.mode).to_lowercase()),
            ("debug".into(), self.debug.to_string()),
            ("bind".into(), self.bind.clone()),
            ("data_dir".into(), self.data_dir.display().to_string()),
            ("media_root".into(), self.media_root.display().to_string()),
            ("site_config".into(), self.site_path.display().to_string()),
            ("SECRET_KEY".into(), redact(&self.secret_key)),
            ("METRICS_TOKEN".into(), redact(&self.metrics_token)),
            ("database".into(), self.database.display()),
            (
                "redis".into(),
                self.redis
                    .as_ref()
                    .map(|r| r.display.clone())
                    .unwrap_or_else(|| "(not configured: in-memory rate-limit counters)".into()),
            ),
            ("SKIP_MIGRATE".into(), self.skip_migrate.to_string()),
            ("TIME_ZONE".into(), self.time_zone.name().into()),
            ("ALLOWED_HOSTS".into(), self.allowed_hosts.join(",")),
            (
                "FORWARDED_ALLOW_IPS".into(),
                self.forwarded_allow_ips
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("ADMIN_URL_PREFIX".into(), self.admin_url_prefix.clone()),
            ("LOGO_URL".into(), self.logo_url.clone()),
            ("EDAM_OWL_URL".into(), self.edam_owl_url.clone()),
            ("SPDX_LICENSES_URL".into(), self.spdx_licenses_url.clone()),
            ("BIOTOOLS_API_URL".into(), self.biotools_api_url.clone()),
            (
                "BIOTOOLS_SYNC_RATE".into(),
                self.biotools_sync_rate.to_string(),
            ),
            (
                "BIOTOOLS_TIMEOUT_MS".into(),
                self.biotools_timeout_ms
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            ),
            (
                "BIOTOOLS_RETRY_BACKOFF_MS".into(),
                self.biotools_retry_backoff_ms
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            ),
            ("HSTS_SECONDS".into(), self.hsts_seconds.to_string()),
            (
                "SECURE_SSL_REDIRECT".into(),
                (self.secure_ssl_redirect && !self.is_dev()).to_string(),
            ),
            (
                "SESSION_COOKIE_SECURE".into(),
                self.secure_cookies.to_string(),
            ),
            (
                "SESSION_COOKIE_AGE".into(),
                self.session_cookie_age.to_string(),
            ),
            ("ALTCHA_HMAC_KEY".into(), redact(&self.altcha_hmac_key)),
            (
                "AXES_FAILURE_LIMIT".into(),
                self.login_failure_limit.to_string(),
            ),
            (
                "AXES_COOLOFF_MINUTES".into(),
                self.login_cooloff_minutes.to_string(),
            ),
            ("RATE_LIMIT_SUBMIT".into(), self.rate_limits.submit.clone()),
            ("RATE_LIMIT_UPDATE".into(), self.rate_limits.update.clone()),
            (
                "RATE_LIMIT_CHALLENGE".into(),
                self.rate_limits.challenge.clone(),
            ),
            (
                "RATE_LIMIT_VALIDATE".into(),
                self.rate_limits.validate.clone(),
            ),
            (
                "RATE_LIMIT_RECOVER".into(),
                self.rate_limits.recover.clone(),
            ),
            (
                "RATE_LIMIT_BIOTOOLS".into(),
                self.rate_limits.biotools.clone(),
            ),
            ("RATE_LIMIT_API".into(), self.rate_limits.api.clone()),
            ("EMAIL_BACKEND".into(), self.email.backend.clone()),
            ("EMAIL_HOST".into(), self.email.host.clone()),
            ("EMAIL_PORT".into(), self.email.port.to_string()),
            ("EMAIL_USE_TLS".into(), self.email.use_tls.to_string()),
            ("EMAIL_HOST_USER".into(), self.email.user.clone()),
            ("EMAIL_HOST_PASSWORD".into(), redact(&self.email.password)),
            ("EMAIL_FROM".into(), self.email.from.clone()),
            (
                "SUBMISSION_NOTIFY_CC".into(),
                self.email.notify_cc.join(","),
            ),
            (
                "SUBMISSION_NOTIFY_OVERRIDE".into(),
                self.email.notify_override.clone(),
            ),
            ("API_PAGE_SIZE".into(), self.api_page_size.to_string()),
            (
                "API_MAX_PAGE_SIZE".into(),
                self.api_max_page_size.to_string(),
            ),
            (
                "CORS_ALLOWED_ORIGINS".into(),
                self.cors_allowed_origins.join(","),
            ),
            ("MAX_BODY_BYTES".into(), self.max_body_bytes.to_string()),
            (
                "WORKER_CONCURRENCY".into(),
                self.worker_concurrency.to_string(),
            ),
            (
                "LOG_FORMAT".into(),
                format!("{:?}", self.log_format).to_lowercase(),
            ),
            ("LOG_REQUESTS".into(), self.log_requests.to_string()),
        ];
        if let Ok(site) = toml_lines(&self.site) {
            out.extend(site);
        }
        out
    }
}

fn toml_lines(site: &SiteConfig) -> Result<Vec<(String, String)>, serde_json::Error> {
    let value = serde_json::to_value(site)?;
    let mut out = Vec::new();
    if let serde_json::Value::Object(sections) = value {
        for (section, keys) in sections {
            if let serde_json::Value::Object(keys) = keys {
                for (key, v) in keys {
                    out.push((format!("site.toml [{section}] {key}"), v.to_string()));
                }
            }
        }
    }
    Ok(out)
}
