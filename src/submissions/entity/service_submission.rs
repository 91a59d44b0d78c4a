//! A registered service: the submitter's form (sections A–G) plus review metadata.

use sea_orm::entity::prelude::*;

use crate::edam::entity::edam_term;
use crate::registry::entity::{principal_investigator, service_category, service_center};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "service_submissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,

    /// `draft`, `submitted`, `under_review`, `approved`, `rejected` or `deprecated`.
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub status: String,
    /// `mature`, `emerging` or `legacy`; only on approved services.
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub primary_maturity_tag: Option<String>,
    /// JSON list of additive tags (`unstable`); only on approved services.
    #[sea_orm(column_type = "JsonBinary")]
    pub secondary_maturity_tags: Option<Json>,
    pub submitted_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Text form of the client address. Internal: never leaves through the API.
    #[sea_orm(column_type = "String(StringLen::N(45))")]
    pub submission_ip: Option<String>,
    /// SHA-256 hex of the raw User-Agent. Internal: never shown anywhere.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub user_agent_hash: String,

    // A: submitter
    pub date_of_entry: Date,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub submitter_first_name: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub submitter_last_name: String,
    #[sea_orm(column_type = "String(StringLen::N(300))")]
    pub submitter_affiliation: String,
    pub register_as_elixir: bool,

    // B: service
    #[sea_orm(column_type = "String(StringLen::N(300))")]
    pub service_name: String,
    #[sea_orm(column_type = "Text")]
    pub service_description: String,
    pub year_established: i32,
    pub is_toolbox: bool,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub toolbox_name: String,
    #[sea_orm(column_type = "Text")]
    pub user_knowledge_required: String,
    /// Comma-separated PMIDs and DOIs, kept as typed.
    #[sea_orm(column_type = "Text")]
    pub publications_pmids: String,

    // C: responsibility and contact
    #[sea_orm(column_type = "Text")]
    pub associated_partner_note: String,
    #[sea_orm(column_type = "String(StringLen::N(300))")]
    pub host_institute: String,
    pub service_center_id: Uuid,
    /// An e-mail address or an `https://` URL; shown publicly.
    #[sea_orm(column_type = "String(StringLen::N(2000))")]
    pub public_contact_email: String,
    /// Internal: never public, write-only in the API.
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub internal_contact_name: String,
    /// Internal: never public, write-only in the API.
    #[sea_orm(column_type = "String(StringLen::N(254))")]
    pub internal_contact_email: String,

    // D: links and licensing
    #[sea_orm(column_type = "String(StringLen::N(2000))")]
    pub website_url: String,
    #[sea_orm(column_type = "String(StringLen::N(2000))")]
    pub terms_of_use_url: String,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub license_note: String,
    #[sea_orm(column_type = "String(StringLen::N(2000))")]
    pub github_url: String,
    #[sea_orm(column_type = "String(StringLen::N(2000))")]
    pub biotools_url: String,
    #[sea_orm(column_type = "String(StringLen::N(2000))")]
    pub fairsharing_url: String,
    #[sea_orm(column_type = "String(StringLen::N(2000))")]
    pub other_registry_url: String,

    // E: KPIs
    /// `yes` or `planned`.
    #[sea_orm(column_type = "String(StringLen::N(10))")]
    pub kpi_monitoring: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub kpi_start_year: String,

    // F: keywords and comments
    #[sea_orm(column_type = "Text")]
    pub keywords_uncited: String,
    #[sea_orm(column_type = "Text")]
    pub keywords_seo: String,
    pub survey_participation: bool,
    #[sea_orm(column_type = "Text")]
    pub comments: String,

    /// Path relative to the media root, e.g. `logos/<uuid>.png`.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub logo: Option<String>,

    // G: consent
    pub data_protection_consent: bool,

    /// `{changed_by, changed_at, changes: [{field, label, old, new}]}` of the latest change.
    /// Internal: written by the application only, never from a request.
    #[sea_orm(column_type = "JsonBinary")]
    pub last_change_summary: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "service_center::Entity",
        from = "Column::ServiceCenterId",
        to = "service_center::Column::Id",
        on_delete = "Restrict"
    )]
    ServiceCenter,
    #[sea_orm(has_many = "super::submission_category::Entity")]
    SubmissionCategory,
    #[sea_orm(has_many = "super::submission_edam_topic::Entity")]
    SubmissionEdamTopic,
    #[sea_orm(has_many = "super::submission_edam_operation::Entity")]
    SubmissionEdamOperation,
    #[sea_orm(has_many = "super::submission_pi::Entity")]
    SubmissionPi,
    #[sea_orm(has_many = "super::submission_license::Entity")]
    SubmissionLicense,
    #[sea_orm(has_many = "super::submission_change_log::Entity")]
    ChangeLog,
    #[sea_orm(has_one = "crate::biotools::entity::biotools_record::Entity")]
    BiotoolsRecord,
}

impl Related<service_center::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ServiceCenter.def()
    }
}

impl Related<super::submission_category::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SubmissionCategory.def()
    }
}

impl Related<super::submission_edam_topic::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SubmissionEdamTopic.def()
    }
}

impl Related<super::submission_edam_operation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SubmissionEdamOperation.def()
    }
}

impl Related<super::submission_pi::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SubmissionPi.def()
    }
}

impl Related<super::submission_license::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SubmissionLicense.def()
    }
}

impl Related<super::submission_change_log::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ChangeLog.def()
    }
}

impl Related<crate::biotools::entity::biotools_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::BiotoolsRecord.def()
    }
}

impl Related<service_category::Entity> for Entity {
    fn to() -> RelationDef {
        super::submission_category::Relation::Category.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::submission_category::Relation::Submission.def().rev())
    }
}

impl Related<principal_investigator::Entity> for Entity {
    fn to() -> RelationDef {
        super::submission_pi::Relation::Pi.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::submission_pi::Relation::Submission.def().rev())
    }
}

impl Related<crate::licenses::entity::spdx_license::Entity> for Entity {
    fn to() -> RelationDef {
        super::submission_license::Relation::License.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::submission_license::Relation::Submission.def().rev())
    }
}

/// The EDAM topics of a submission: `submission.find_linked(EdamTopics)`. EDAM terms are linked
/// through two join tables, so a plain `Related` impl would be ambiguous.
#[derive(Debug)]
pub struct EdamTopics;

impl Linked for EdamTopics {
    type FromEntity = Entity;
    type ToEntity = edam_term::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![
            Relation::SubmissionEdamTopic.def(),
            super::submission_edam_topic::Relation::EdamTerm.def(),
        ]
    }
}

/// The EDAM operations of a submission: `submission.find_linked(EdamOperations)`.
#[derive(Debug)]
pub struct EdamOperations;

impl Linked for EdamOperations {
    type FromEntity = Entity;
    type ToEntity = edam_term::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![
            Relation::SubmissionEdamOperation.def(),
            super::submission_edam_operation::Relation::EdamTerm.def(),
        ]
    }
}

impl ActiveModelBehavior for ActiveModel {}
