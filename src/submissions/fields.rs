//! The one list of a submission's writable fields: request name, stored field, label, kind, whether a
//! new submission needs it, and its column. Parsing, the change log, the exempt-field check and the
//! OpenAPI body schemas are all derived from it.

use super::entity::service_submission::Column as C;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text, sanitised, at most `max` characters (`None`: unbounded, but still capped below).
    Text {
        max: Option<usize>,
    },
    /// Text kept as typed (URLs, e-mail addresses, identifiers): only trimmed.
    Plain {
        max: usize,
    },
    Bool,
    Int,
    Date,
    IntList,
    UuidList,
    Uuid,
    StrList,
}

/// One writable field: its request name, the stored field it changes (for the change log), its label,
/// its kind, whether a new submission must supply it, and the column that stores it (`None` for the
/// links, which live in their own tables).
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub field: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub column: Option<C>,
    /// How the field shows in a snapshot (change log, diff, update e-mail).
    pub shown: Shown,
    /// The rules a supplied value must pass beyond its kind, in this order (see `validate`).
    pub rules: &'static [Rule],
}

/// A rule of one field, checked through the newtype of `model.rs` that carries its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    ServiceName,
    Description,
    Year,
    Publications,
    PublicContact,
    Email,
    /// An https URL; the field is required, so even an empty value is checked.
    HttpsUrl,
    /// An https URL when not empty.
    OptionalHttpsUrl,
    /// When not empty, an https URL starting with the prefix (the site's name for the message).
    Prefixed(&'static str, &'static str),
    Kpi,
    /// Supplied, it may not be empty.
    NotBlank,
}

/// How a field shows in a submission's display snapshot ([`super::diff::snapshot`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Its column's value: text trimmed, `Yes`/`No`, the date, the number.
    Column,
    /// The label of the stored KPI choice.
    KpiLabel,
    /// The linked rows of the record, sorted and joined.
    Categories,
    Topics,
    Operations,
    Pis,
    Licenses,
    /// The service centre as "short — full name".
    Center,
    /// Not shown: consent is given once, at registration, and never changes.
    Hidden,
}

const fn f(
    name: &'static str,
    field: &'static str,
    label: &'static str,
    kind: Kind,
    required: bool,
    column: Option<C>,
) -> FieldSpec {
    FieldSpec {
        name,
        field,
        label,
        kind,
        required,
        column,
        shown: Shown::Column,
        rules: &[],
    }
}

impl FieldSpec {
    /// How the field shows in a snapshot, when not as its column's value.
    const fn shown(mut self, shown: Shown) -> Self {
        self.shown = shown;
        self
    }
    /// The field's rules beyond its kind.
    const fn rules(mut self, rules: &'static [Rule]) -> Self {
        self.rules = rules;
        self
    }
}

/// Longest free text accepted anywhere (descriptions are limited further by their own rule).
pub const MAX_TEXT: usize = 20_000;

/// Every writable field, in the order of the form's sections A–G.
pub const FIELDS: &[FieldSpec] = &[
    f(
        "date_of_entry",
        "date_of_entry",
        "Date of entry",
        Kind::Date,
        true,
        Some(C::DateOfEntry),
    ),
    f(
        "submitter_first_name",
        "submitter_first_name",
        "Submitter first name",
        Kind::Text { max: Some(100) },
        false,
        Some(C::SubmitterFirstName),
    ),
    f(
        "submitter_last_name",
        "submitter_last_name",
        "Submitter last name",
        Kind::Text { max: Some(100) },
        false,
        Some(C::SubmitterLastName),
    ),
    f(
        "submitter_affiliation",
        "submitter_affiliation",
        "Submitter affiliation",
        Kind::Text { max: Some(300) },
        false,
        Some(C::SubmitterAffiliation),
    ),
    f(
        "register_as_elixir",
        "register_as_elixir",
        "Register as ELIXIR service",
        Kind::Bool,
        false,
        Some(C::RegisterAsElixir),
    ),
    f(
        "service_name",
        "service_name",
        "Service name",
        Kind::Text { max: Some(300) },
        true,
        Some(C::ServiceName),
    )
    .rules(&[Rule::ServiceName, Rule::NotBlank]),
    f(
        "service_description",
        "service_description",
        "Service description",
        Kind::Text { max: None },
        true,
        Some(C::ServiceDescription),
    )
    .rules(&[Rule::Description]),
    f(
        "year_established",
        "year_established",
        "Year established",
        Kind::Int,
        true,
        Some(C::YearEstablished),
    )
    .rules(&[Rule::Year]),
    f(
        "service_category_ids",
        "service_categories",
        "Service categories",
        Kind::IntList,
        true,
        None,
    )
    .shown(Shown::Categories),
    f(
        "is_toolbox",
        "is_toolbox",
        "Part of a toolbox",
        Kind::Bool,
        false,
        Some(C::IsToolbox),
    ),
    f(
        "toolbox_name",
        "toolbox_name",
        "Toolbox name",
        Kind::Text { max: Some(200) },
        false,
        Some(C::ToolboxName),
    ),
    f(
        "user_knowledge_required",
        "user_knowledge_required",
        "User knowledge required",
        Kind::Text { max: None },
        false,
        Some(C::UserKnowledgeRequired),
    ),
    f(
        "publications_pmids",
        "publications_pmids",
        "Publications (PMIDs/DOIs)",
        Kind::Plain { max: 5000 },
        true,
        Some(C::PublicationsPmids),
    )
    .rules(&[Rule::Publications]),
    f(
        "edam_topic_ids",
        "edam_topics",
        "EDAM topics",
        Kind::IntList,
        false,
        None,
    )
    .shown(Shown::Topics),
    f(
        "edam_operation_ids",
        "edam_operations",
        "EDAM operations",
        Kind::IntList,
        false,
        None,
    )
    .shown(Shown::Operations),
    f(
        "responsible_pi_ids",
        "responsible_pis",
        "Responsible PIs",
        Kind::UuidList,
        true,
        None,
    )
    .shown(Shown::Pis),
    f(
        "associated_partner_note",
        "associated_partner_note",
        "Associated partner",
        Kind::Text { max: None },
        false,
        Some(C::AssociatedPartnerNote),
    ),
    f(
        "host_institute",
        "host_institute",
        "Host institute",
        Kind::Text { max: Some(300) },
        true,
        Some(C::HostInstitute),
    )
    .rules(&[Rule::NotBlank]),
    f(
        "service_center_id",
        "service_center",
        "Service center",
        Kind::Uuid,
        true,
        Some(C::ServiceCenterId),
    )
    .shown(Shown::Center),
    f(
        "public_contact_email",
        "public_contact_email",
        "Public contact",
        Kind::Plain { max: 2000 },
        true,
        Some(C::PublicContactEmail),
    )
    .rules(&[Rule::PublicContact]),
    f(
        "internal_contact_name",
        "internal_contact_name",
        "Internal contact name",
        Kind::Text { max: Some(200) },
        true,
        Some(C::InternalContactName),
    )
    .rules(&[Rule::NotBlank]),
    f(
        "internal_contact_email",
        "internal_contact_email",
        "Internal contact e-mail",
        Kind::Plain { max: 254 },
        true,
        Some(C::InternalContactEmail),
    )
    .rules(&[Rule::Email]),
    f(
        "website_url",
        "website_url",
        "Website",
        Kind::Plain { max: 2000 },
        true,
        Some(C::WebsiteUrl),
    )
    .rules(&[Rule::HttpsUrl]),
    f(
        "terms_of_use_url",
        "terms_of_use_url",
        "Terms of use",
        Kind::Plain { max: 2000 },
        true,
        Some(C::TermsOfUseUrl),
    )
    .rules(&[Rule::HttpsUrl]),
    f(
        "licenses",
        "licenses",
        "Licenses",
        Kind::StrList,
        false,
        None,
    )
    .shown(Shown::Licenses),
    f(
        "license_note",
        "license_note",
        "License note",
        Kind::Text { max: Some(200) },
        false,
        Some(C::LicenseNote),
    ),
    f(
        "github_url",
        "github_url",
        "GitHub URL",
        Kind::Plain { max: 2000 },
        false,
        Some(C::GithubUrl),
    )
    .rules(&[Rule::Prefixed("https://github.com/", "GitHub")]),
    f(
        "biotools_url",
        "biotools_url",
        "bio.tools URL",
        Kind::Plain { max: 2000 },
        false,
        Some(C::BiotoolsUrl),
    )
    .rules(&[Rule::Prefixed("https://bio.tools/", "bio.tools")]),
    f(
        "fairsharing_url",
        "fairsharing_url",
        "FAIRsharing URL",
        Kind::Plain { max: 2000 },
        false,
        Some(C::FairsharingUrl),
    )
    .rules(&[Rule::Prefixed("https://fairsharing.org/", "FAIRsharing")]),
    f(
        "other_registry_url",
        "other_registry_url",
        "Other registry URL",
        Kind::Plain { max: 2000 },
        false,
        Some(C::OtherRegistryUrl),
    )
    .rules(&[Rule::OptionalHttpsUrl]),
    f(
        "kpi_monitoring",
        "kpi_monitoring",
        "KPI monitoring",
        Kind::Plain { max: 10 },
        true,
        Some(C::KpiMonitoring),
    )
    .shown(Shown::KpiLabel)
    .rules(&[Rule::Kpi]),
    f(
        "kpi_start_year",
        "kpi_start_year",
        "KPI monitoring since",
        Kind::Text { max: Some(100) },
        false,
        Some(C::KpiStartYear),
    ),
    f(
        "keywords_uncited",
        "keywords_uncited",
        "Keywords (uncited use)",
        Kind::Text { max: None },
        false,
        Some(C::KeywordsUncited),
    ),
    f(
        "keywords_seo",
        "keywords_seo",
        "Keywords (search)",
        Kind::Text { max: None },
        false,
        Some(C::KeywordsSeo),
    ),
    f(
        "survey_participation",
        "survey_participation",
        "Survey participation",
        Kind::Bool,
        false,
        Some(C::SurveyParticipation),
    ),
    f(
        "comments",
        "comments",
        "Comments",
        Kind::Text { max: None },
        false,
        Some(C::Comments),
    ),
    f(
        "data_protection_consent",
        "data_protection_consent",
        "Data protection consent",
        Kind::Bool,
        false,
        Some(C::DataProtectionConsent),
    )
    .shown(Shown::Hidden),
];

/// Keys that describe a submission but are never written through a request; they are ignored.
pub const READ_ONLY: &[&str] = &[
    "id",
    "status",
    "submitted_at",
    "updated_at",
    "primary_maturity_tag",
    "secondary_maturity_tags",
    "service_categories",
    "edam_topics",
    "edam_operations",
    "responsible_pis",
    "service_center",
    "logo_url",
    "links",
    "biotoolsrecord",
    "api_key",
    "api_key_warning",
    "last_change_summary",
    "submission_ip",
    "user_agent_hash",
];

pub fn spec(name: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|s| s.name == name)
}
