//! `config/site.toml`: branding, contact, links, feature flags and limits (non-secret, re-read on restart).

use serde::{Deserialize, Serialize};
use std::path::Path;

/// Every key of the original's `site.toml`, with its shipped value as the default, so a missing file or
/// a missing key behaves exactly like the shipped file.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    pub site: SiteSection,
    pub contact: ContactSection,
    pub email: EmailSection,
    pub links: LinksSection,
    pub api: ApiSection,
    pub features: FeaturesSection,
    pub edam: EdamSection,
    pub licenses: LicensesSection,
    pub biotools: BiotoolsSection,
    pub admin: AdminSection,
    pub uploads: UploadsSection,
    pub submission: SubmissionSection,
    pub catalogue: CatalogueSection,
    pub captcha: CaptchaSection,
    /// Cron expressions overriding the built-in schedules, by schedule name (`"off"` disables one).
    pub schedules: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SiteSection {
    pub name: String,
    pub tagline: String,
    pub url: String,
    pub logo_url: String,
    pub favicon_url: String,
}

impl Default for SiteSection {
    fn default() -> Self {
        Self {
            name: "de.NBI Service Registration Platform".into(),
            tagline: "de.NBI & ELIXIR-DE Service Registration Platform".into(),
            url: "https://service-registry.bi.denbi.de".into(),
            logo_url: String::new(),
            favicon_url: String::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ContactSection {
    pub email: String,
    pub office: String,
    pub organisation: String,
}

impl Default for ContactSection {
    fn default() -> Self {
        Self {
            email: "servicecoordination@denbi.de".into(),
            office: "Forschungszentrum Jülich GmbH - IBG-5, c/o Bielefeld University".into(),
            organisation: "German Network for Bioinformatics Infrastructure".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSection {
    pub from_address: String,
    pub subject_prefix: String,
}

impl Default for EmailSection {
    fn default() -> Self {
        Self {
            from_address: "no-reply@denbi.de".into(),
            subject_prefix: "[de.NBI Service Registration Platform]".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LinksSection {
    pub website: String,
    pub privacy_policy: String,
    pub imprint: String,
    pub data_protection: String,
    pub kpi_cheatsheet: String,
    pub user_guide: String,
}

impl Default for LinksSection {
    fn default() -> Self {
        Self {
            website: "https://www.denbi.de".into(),
            privacy_policy: "https://www.denbi.de/privacy-policy".into(),
            imprint: "https://www.denbi.de/imprint".into(),
            data_protection: "https://www.denbi.de/privacy-policy".into(),
            kpi_cheatsheet: String::new(),
            user_guide: String::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSection {
    pub title: String,
    /// The API contract's own version (semver), bumped when the API changes — see the release runbook.
    pub version: String,
    pub license_name: String,
}

impl Default for ApiSection {
    fn default() -> Self {
        Self {
            title: "de.NBI Service Registration Platform API".into(),
            version: crate::api::API_VERSION.into(),
            license_name: "MIT".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FeaturesSection {
    pub biotools_prefill: bool,
    pub edam_annotations: bool,
    pub catalogue: bool,
    /// ALTCHA proof-of-work captcha on the public forms; off → verification always passes.
    pub captcha: bool,
}

impl Default for FeaturesSection {
    fn default() -> Self {
        Self {
            biotools_prefill: true,
            edam_annotations: true,
            catalogue: true,
            captcha: true,
        }
    }
}

/// The ALTCHA challenge (`GET /captcha/`): how hard it is and how long it may be used.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CaptchaSection {
    /// Upper bound of the secret number; the browser tries on average half as many hashes.
    pub max_number: u64,
    /// Minutes from issuing a challenge until its solution is refused as expired.
    pub expires_minutes: u32,
}

impl Default for CaptchaSection {
    fn default() -> Self {
        Self {
            max_number: 100_000,
            expires_minutes: 20,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct EdamSection {
    pub owl_url: String,
}

impl Default for EdamSection {
    fn default() -> Self {
        Self {
            owl_url: "https://edamontology.org/EDAM_stable.owl".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LicensesSection {
    pub url: String,
}

impl Default for LicensesSection {
    fn default() -> Self {
        Self {
            url: "https://raw.githubusercontent.com/spdx/license-list-data/main/json/licenses.json"
                .into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BiotoolsSection {
    /// Base of the bio.tools REST API; tools are read from `<api_url>/tool/<id>/?format=json`.
    pub api_url: String,
}

impl Default for BiotoolsSection {
    fn default() -> Self {
        Self {
            api_url: "https://bio.tools/api".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSection {
    pub url_prefix: String,
    /// Who must sign in with a second factor (TOTP): `"superusers"`, `"staff"` (everyone) or `"off"`.
    pub require_2fa: Require2fa,
}

impl Default for AdminSection {
    fn default() -> Self {
        Self {
            url_prefix: "admin-denbi".into(),
            require_2fa: Require2fa::Off,
        }
    }
}

/// `[admin] require_2fa`: staff who must enrol in two-factor sign-in before any admin screen.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Require2fa {
    #[default]
    Off,
    Superusers,
    Staff,
}

impl Require2fa {
    /// Whether a user with this superuser flag must have a confirmed second factor.
    pub fn applies_to(self, is_superuser: bool) -> bool {
        match self {
            Self::Off => false,
            Self::Superusers => is_superuser,
            Self::Staff => true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct UploadsSection {
    pub logo_max_bytes: u64,
}

impl Default for UploadsSection {
    fn default() -> Self {
        Self {
            logo_max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Fields whose change does not send an approved submission back to review.
pub const DEFAULT_NO_RESET_FIELDS: [&str; 18] = [
    "logo",
    "github_url",
    "biotools_url",
    "fairsharing_url",
    "other_registry_url",
    "edam_topics",
    "edam_operations",
    "keywords_uncited",
    "keywords_seo",
    "publications_pmids",
    "public_contact_email",
    "internal_contact_name",
    "internal_contact_email",
    "website_url",
    "terms_of_use_url",
    "kpi_monitoring",
    "kpi_start_year",
    "comments",
];

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SubmissionSection {
    pub no_reset_fields: Vec<String>,
    pub draft_ttl_days: u32,
}

impl Default for SubmissionSection {
    fn default() -> Self {
        Self {
            no_reset_fields: DEFAULT_NO_RESET_FIELDS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            draft_ttl_days: 7,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogueSection {
    pub card_fields: Vec<String>,
    pub per_page: u32,
    pub meta_description: String,
}

impl Default for CatalogueSection {
    fn default() -> Self {
        Self {
            card_fields: ["categories", "service_center", "updated_at"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            per_page: 12,
            meta_description: "Browse all approved de.NBI & ELIXIR-DE bioinformatics services."
                .into(),
        }
    }
}

/// Outcome of reading `site.toml`: the file may be absent (defaults are used and a warning is given).
pub enum SiteSource {
    File,
    Missing,
}

impl SiteConfig {
    /// Reads the file at `path`; a missing file gives the built-in defaults, a malformed one is an error
    /// naming the file and the problem (unknown keys included, so a typo never passes silently).
    pub fn load(path: &Path) -> Result<(Self, SiteSource), String> {
        if !path.exists() {
            return Ok((Self::default(), SiteSource::Missing));
        }
        use figment::providers::{Format, Serialized, Toml};
        figment::Figment::from(Serialized::defaults(Self::default()))
            .merge(Toml::file_exact(path))
            .extract::<Self>()
            .map(|c| (c, SiteSource::File))
            .map_err(|e| format!("{}: {e}", path.display()))
    }
}
