//! Configuration: development defaults, production secrets, `_FILE` secrets, site.toml.

use crate::support::repo_path;
use service_registry::config::{Config, ConfigError, DatabaseConfig, EnvSource, Mode, Overrides};

fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut all: Vec<(String, String)> = vec![
        ("DATA_DIR".into(), dir.path().display().to_string()),
        (
            "SITE_CONFIG".into(),
            repo_path("config/site.toml").display().to_string(),
        ),
    ];
    all.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::load(&EnvSource::from_pairs(all), &Overrides::default())
}

fn missing(pairs: &[(&str, &str)]) -> String {
    match load(pairs) {
        Ok(_) => panic!("configuration unexpectedly accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn no_configuration_means_development_on_sqlite_with_a_generated_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = EnvSource::from_pairs([("DATA_DIR", dir.path().display().to_string())]);
    let cfg = Config::load(&env, &Overrides::default()).expect("dev config");
    assert_eq!(cfg.mode, Mode::Development);
    assert_eq!(cfg.bind, "127.0.0.1:8000");
    assert!(
        matches!(&cfg.database, DatabaseConfig::Sqlite { path } if path.starts_with(dir.path()))
    );
    assert!(cfg.secret_key.expose().len() >= 50);
    // The generated key is kept: a second start reuses it.
    let again = Config::load(&env, &Overrides::default()).expect("dev config");
    assert_eq!(cfg.secret_key.expose(), again.secret_key.expose());
}

#[test]
fn production_requires_secret_key_and_names_it() {
    let msg = missing(&[("ENVIRONMENT", "production")]);
    assert!(msg.contains("'SECRET_KEY'"), "{msg}");
    // An empty value counts as missing.
    let msg = missing(&[("ENVIRONMENT", "production"), ("SECRET_KEY", "  ")]);
    assert!(msg.contains("'SECRET_KEY'"), "{msg}");
}

#[test]
fn postgres_requires_db_password_and_implies_production() {
    let msg = missing(&[
        ("SECRET_KEY", "k".repeat(60).as_str()),
        ("DB_HOST", "db.internal"),
    ]);
    assert!(msg.contains("'DB_PASSWORD'"), "{msg}");
    let cfg = load(&[
        ("SECRET_KEY", "k".repeat(60).as_str()),
        ("DB_HOST", "db.internal"),
        ("DB_PASSWORD", "p@ss word"),
    ])
    .expect("config");
    assert_eq!(cfg.mode, Mode::Production);
    // The password is URL-encoded in the URL and never shown.
    assert!(
        cfg.database.url().contains("p%40ss+word"),
        "{}",
        cfg.database.url()
    );
    assert!(!cfg.database.display().contains("p%40ss"));
    assert!(cfg.database.display().contains("***"));
}

#[test]
fn redis_requires_redis_password_in_production() {
    let msg = missing(&[
        ("ENVIRONMENT", "production"),
        ("SECRET_KEY", "k".repeat(60).as_str()),
        ("REDIS_HOST", "redis"),
    ]);
    assert!(msg.contains("'REDIS_PASSWORD'"), "{msg}");
}

#[test]
fn secrets_can_come_from_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("secret");
    std::fs::write(
        &file,
        "from-a-file-0123456789-0123456789-0123456789-0123456789\n",
    )
    .expect("write");
    let cfg = load(&[
        ("ENVIRONMENT", "production"),
        ("SECRET_KEY_FILE", file.display().to_string().as_str()),
    ])
    .expect("config");
    assert_eq!(
        cfg.secret_key.expose(),
        "from-a-file-0123456789-0123456789-0123456789-0123456789"
    );
    let msg = missing(&[
        ("ENVIRONMENT", "production"),
        ("SECRET_KEY_FILE", "/nonexistent/secret"),
    ]);
    assert!(msg.contains("SECRET_KEY"), "{msg}");
}

#[test]
fn environment_wins_over_site_toml() {
    let cfg = load(&[
        ("ADMIN_URL_PREFIX", "/backoffice/"),
        ("LOGO_URL", "https://cdn.example.org/logo.svg"),
    ])
    .expect("config");
    assert_eq!(cfg.admin_url_prefix, "backoffice");
    assert_eq!(cfg.logo_url, "https://cdn.example.org/logo.svg");
    let shipped = load(&[]).expect("config");
    assert_eq!(shipped.admin_url_prefix, "admin-denbi");
    assert_eq!(shipped.site.submission.no_reset_fields.len(), 18);
}

#[test]
fn malformed_site_toml_is_refused_with_the_file_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site.toml");
    std::fs::write(&site, "[site]\nnmae = \"typo\"\n").expect("write");
    let msg = missing(&[("SITE_CONFIG", site.display().to_string().as_str())]);
    assert!(msg.contains("site.toml") && msg.contains("nmae"), "{msg}");
}

#[test]
fn redacted_summary_never_shows_secrets() {
    let cfg = load(&[
        (
            "SECRET_KEY",
            "super-secret-value-0123456789-0123456789-0123456789",
        ),
        ("EMAIL_HOST_PASSWORD", "smtp-password-xyz"),
    ])
    .expect("config");
    let text = format!("{:?}", cfg.redacted_summary());
    assert!(!text.contains("super-secret-value"));
    assert!(!text.contains("smtp-password-xyz"));
    assert!(text.contains("SECRET_KEY"));
    assert!(!format!("{cfg:?}").contains("super-secret-value"));
}
