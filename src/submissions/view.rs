//! The API representation of a submission. Internal fields (`internal_contact_*`, `submission_ip`,
//! `user_agent_hash`, `data_protection_consent`, `last_change_summary`) are not part of it at all, so they
//! cannot leave through the API by accident.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::repo::SubmissionRecord;
use crate::edam::entity::edam_term;

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CenterRef {
    pub id: Uuid,
    pub short_name: String,
    pub full_name: String,
    pub website: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PiRef {
    pub id: Uuid,
    pub last_name: String,
    pub first_name: String,
    pub display_name: String,
    pub institute: String,
    pub orcid: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EdamRef {
    pub id: i64,
    pub uri: String,
    pub accession: String,
    pub branch: String,
    pub label: String,
    pub url: String,
}

// The hypermedia links of a submission in the API (itself, the schema, the docs); still `Links` in
// the OpenAPI document (a doc comment here would become the schema's description).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Links)]
pub struct ResourceLinks {
    #[serde(rename = "self")]
    pub self_: String,
    pub schema: String,
    pub docs: String,
}

/// A submission as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionView {
    pub id: Uuid,
    #[schema(example = "submitted")]
    pub status: String,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[schema(value_type = String, example = "2026-11-22")]
    pub date_of_entry: chrono::NaiveDate,
    pub submitter_first_name: String,
    pub submitter_last_name: String,
    pub submitter_affiliation: String,
    pub register_as_elixir: bool,
    #[schema(example = "MetaProFi")]
    pub service_name: String,
    pub service_description: String,
    #[schema(example = 2021)]
    pub year_established: i32,
    pub service_categories: Vec<CategoryRef>,
    pub is_toolbox: bool,
    pub toolbox_name: String,
    pub user_knowledge_required: String,
    #[schema(example = "34848984, 10.1093/nar/gkab1000")]
    pub publications_pmids: String,
    pub edam_topics: Vec<EdamRef>,
    pub edam_operations: Vec<EdamRef>,
    pub responsible_pis: Vec<PiRef>,
    pub associated_partner_note: String,
    pub host_institute: String,
    pub service_center: Option<CenterRef>,
    pub public_contact_email: String,
    pub website_url: String,
    pub terms_of_use_url: String,
    #[schema(example = json!(["MIT"]))]
    pub licenses: Vec<String>,
    pub license_note: String,
    pub github_url: String,
    pub biotools_url: String,
    pub fairsharing_url: String,
    pub other_registry_url: String,
    #[schema(example = "yes")]
    pub kpi_monitoring: String,
    pub kpi_start_year: String,
    pub logo_url: Option<String>,
    pub keywords_uncited: String,
    pub keywords_seo: String,
    pub survey_participation: bool,
    pub comments: String,
    /// What the registry mirrors of the linked bio.tools entry; `null` without a bio.tools URL and
    /// until the first sync has run.
    pub biotoolsrecord: Option<crate::biotools::view::RecordView>,
    pub primary_maturity_tag: Option<String>,
    pub secondary_maturity_tags: Vec<String>,
    pub links: ResourceLinks,
}

/// Builds the representation from the loaded record; `root` is the absolute site root with a trailing `/`.
pub fn view(r: &SubmissionRecord, root: &str) -> SubmissionView {
    let s = &r.row;
    let mut categories: Vec<CategoryRef> = r
        .categories
        .iter()
        .map(|c| CategoryRef {
            id: c.id,
            name: c.name.clone(),
        })
        .collect();
    categories.sort_by(|a, b| a.name.cmp(&b.name));
    let mut pis: Vec<PiRef> = r
        .pis
        .iter()
        .map(|p| PiRef {
            display_name: super::diff::pi_display(p),
            id: p.id,
            last_name: p.last_name.clone(),
            first_name: p.first_name.clone(),
            institute: p.institute.clone(),
            orcid: p.orcid.clone(),
        })
        .collect();
    pis.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    let mut licenses: Vec<String> = r.licenses.iter().map(|l| l.license_id.clone()).collect();
    licenses.sort();
    let center = r.center.as_ref().map(|c| CenterRef {
        id: c.id,
        short_name: c.short_name.clone(),
        full_name: c.full_name.clone(),
        website: c.website.clone(),
    });
    SubmissionView {
        id: s.id,
        status: s.status.clone(),
        submitted_at: s.submitted_at,
        updated_at: s.updated_at,
        date_of_entry: s.date_of_entry,
        submitter_first_name: s.submitter_first_name.clone(),
        submitter_last_name: s.submitter_last_name.clone(),
        submitter_affiliation: s.submitter_affiliation.clone(),
        register_as_elixir: s.register_as_elixir,
        service_name: s.service_name.clone(),
        service_description: s.service_description.clone(),
        year_established: s.year_established,
        service_categories: categories,
        is_toolbox: s.is_toolbox,
        toolbox_name: s.toolbox_name.clone(),
        user_knowledge_required: s.user_knowledge_required.clone(),
        publications_pmids: s.publications_pmids.clone(),
        edam_topics: edam_refs(&r.topics),
        edam_operations: edam_refs(&r.operations),
        responsible_pis: pis,
        associated_partner_note: s.associated_partner_note.clone(),
        host_institute: s.host_institute.clone(),
        service_center: center,
        public_contact_email: s.public_contact_email.clone(),
        website_url: s.website_url.clone(),
        terms_of_use_url: s.terms_of_use_url.clone(),
        licenses,
        license_note: s.license_note.clone(),
        github_url: s.github_url.clone(),
        biotools_url: s.biotools_url.clone(),
        fairsharing_url: s.fairsharing_url.clone(),
        other_registry_url: s.other_registry_url.clone(),
        kpi_monitoring: s.kpi_monitoring.clone(),
        kpi_start_year: s.kpi_start_year.clone(),
        logo_url: s.logo.as_ref().map(|p| format!("{root}media/{p}")),
        keywords_uncited: s.keywords_uncited.clone(),
        keywords_seo: s.keywords_seo.clone(),
        survey_participation: s.survey_participation,
        comments: s.comments.clone(),
        biotoolsrecord: None,
        primary_maturity_tag: s.primary_maturity_tag.clone(),
        secondary_maturity_tags: super::diff::secondary_tags(s),
        links: ResourceLinks {
            self_: format!("{root}api/v1/submissions/{}/", s.id),
            schema: format!("{root}api/schema/"),
            docs: format!("{root}api/docs/"),
        },
    }
}

fn edam_refs(terms: &[edam_term::Model]) -> Vec<EdamRef> {
    let mut refs: Vec<EdamRef> = terms
        .iter()
        .map(|t| EdamRef {
            id: t.id,
            url: format!("https://edamontology.org/{}", t.accession),
            uri: t.uri.clone(),
            accession: t.accession.clone(),
            branch: t.branch.clone(),
            label: t.label.clone(),
        })
        .collect();
    refs.sort_by(|a, b| a.label.cmp(&b.label));
    refs
}
