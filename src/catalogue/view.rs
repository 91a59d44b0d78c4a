//! What the catalogue shows of an approved service: a public view built from its record, with no
//! internal field (`submission_ip`, `user_agent_hash`, `internal_contact_*`, the change summary) in it,
//! and the helpers every format shares (publications as DOIs/PMIDs, ORCID iDs, EDAM links).

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::submissions::model::tag_label;
use crate::submissions::repo::SubmissionRecord;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Term {
    pub uri: String,
    pub accession: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    pub first_name: String,
    pub last_name: String,
    /// `Last, First`, or the partner's description for an associated partner.
    pub display_name: String,
    /// The bare iD (`0000-0002-1825-0097`) when the PI has a valid one.
    pub orcid: Option<String>,
    pub orcid_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Publication {
    /// `doi` or `pmid`.
    pub kind: String,
    pub id: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CentreRef {
    pub id: Uuid,
    pub short_name: String,
    pub full_name: String,
    pub website: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct License {
    pub spdx_id: String,
    pub name: String,
    pub url: String,
}

/// An approved service as the catalogue publishes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceView {
    pub id: Uuid,
    /// Path of its page, `/catalogue/<id>/`.
    pub path: String,
    pub name: String,
    pub description: String,
    /// The description cut to about 200 characters at a word boundary (cards, meta descriptions).
    pub summary: String,
    pub year_established: i32,
    pub center: Option<CentreRef>,
    pub categories: Vec<Named>,
    pub topics: Vec<Term>,
    pub operations: Vec<Term>,
    pub pis: Vec<Person>,
    pub licenses: Vec<License>,
    pub maturity: Option<String>,
    pub maturity_label: Option<String>,
    pub register_as_elixir: bool,
    pub website_url: String,
    pub github_url: String,
    pub biotools_url: String,
    pub fairsharing_url: String,
    pub other_registry_url: String,
    pub public_contact: String,
    pub keywords: Vec<String>,
    pub publications: Vec<Publication>,
    pub logo_url: Option<String>,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// The ORCID iD inside `s` (bare or as a URL), checksum verified.
pub fn orcid(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches('/');
    let id = s.rsplit('/').next()?.to_ascii_uppercase();
    let digits: Vec<char> = id.chars().filter(|c| *c != '-').collect();
    if id.len() != 19 || digits.len() != 16 {
        return None;
    }
    let shape = id.chars().enumerate().all(|(i, c)| {
        if [4, 9, 14].contains(&i) {
            c == '-'
        } else {
            c.is_ascii_digit() || (i == 18 && c == 'X')
        }
    });
    if !shape {
        return None;
    }
    // ISO 7064 11,2 check digit.
    let mut total = 0u32;
    for c in &digits[..15] {
        total = (total + c.to_digit(10)?) * 2;
    }
    let check = (12 - total % 11) % 11;
    let expect = if check == 10 {
        'X'
    } else {
        char::from_digit(check, 10)?
    };
    (digits[15] == expect).then_some(id)
}

/// The publications field (PMIDs and DOIs, comma-separated as typed) as identifiers with links.
pub fn publications(raw: &str) -> Vec<Publication> {
    let mut out: Vec<Publication> = Vec::new();
    for token in raw.split([',', ';', ' ', '\n', '\t']) {
        let t = token.trim();
        let lower = t.to_ascii_lowercase();
        let doi = [
            "https://doi.org/",
            "http://doi.org/",
            "https://dx.doi.org/",
            "doi:",
        ]
        .iter()
        .find_map(|p| lower.starts_with(p).then(|| &t[p.len()..]))
        .unwrap_or(t);
        let p = if doi.starts_with("10.") && doi.contains('/') {
            Publication {
                kind: "doi".into(),
                id: doi.to_string(),
                url: format!("https://doi.org/{doi}"),
            }
        } else {
            let pmid = lower.strip_prefix("pmid:").unwrap_or(&lower).trim();
            if pmid.is_empty() || pmid.len() > 10 || !pmid.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            Publication {
                kind: "pmid".into(),
                id: pmid.to_string(),
                url: format!("https://pubmed.ncbi.nlm.nih.gov/{pmid}/"),
            }
        };
        if !out.iter().any(|o| o.id == p.id) {
            out.push(p);
        }
    }
    out
}

/// `text` cut to at most `max` characters at a word boundary, with `…` when cut.
pub fn summary(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let at = cut.rfind(char::is_whitespace).unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

fn terms(list: &[crate::edam::entity::edam_term::Model]) -> Vec<Term> {
    list.iter()
        .map(|t| Term {
            uri: t.uri.clone(),
            accession: t.accession.clone(),
            label: t.label.clone(),
        })
        .collect()
}

fn keywords(raw: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in raw.iter().flat_map(|r| r.split([',', ';', '\n'])) {
        let k = k.trim();
        if !k.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(k)) {
            out.push(k.to_string());
        }
    }
    out
}

impl ServiceView {
    pub fn from_record(r: &SubmissionRecord) -> Self {
        let row = &r.row;
        Self {
            id: row.id,
            path: format!("/catalogue/{}/", row.id),
            name: row.service_name.clone(),
            description: row.service_description.clone(),
            summary: summary(&row.service_description, 200),
            year_established: row.year_established,
            center: r.center.as_ref().map(|c| CentreRef {
                id: c.id,
                short_name: c.short_name.clone(),
                full_name: c.full_name.clone(),
                website: c.website.clone(),
            }),
            categories: r
                .categories
                .iter()
                .map(|c| Named {
                    id: c.id.to_string(),
                    name: c.name.clone(),
                })
                .collect(),
            topics: terms(&r.topics),
            operations: terms(&r.operations),
            pis: r
                .pis
                .iter()
                .map(|p| {
                    let id = orcid(&p.orcid);
                    Person {
                        first_name: p.first_name.clone(),
                        last_name: p.last_name.clone(),
                        display_name: crate::submissions::diff::pi_display(p),
                        orcid_url: id.as_ref().map(|i| format!("https://orcid.org/{i}")),
                        orcid: id,
                    }
                })
                .collect(),
            licenses: r
                .licenses
                .iter()
                .map(|l| License {
                    spdx_id: l.license_id.clone(),
                    name: l.name.clone(),
                    url: format!("https://spdx.org/licenses/{}.html", l.license_id),
                })
                .collect(),
            maturity: row.primary_maturity_tag.clone(),
            maturity_label: row.primary_maturity_tag.as_deref().map(tag_label),
            register_as_elixir: row.register_as_elixir,
            website_url: row.website_url.clone(),
            github_url: row.github_url.clone(),
            biotools_url: row.biotools_url.clone(),
            fairsharing_url: row.fairsharing_url.clone(),
            other_registry_url: row.other_registry_url.clone(),
            public_contact: row.public_contact_email.clone(),
            keywords: keywords(&[&row.keywords_seo, &row.keywords_uncited]),
            publications: publications(&row.publications_pmids),
            logo_url: row.logo.as_deref().map(crate::submissions::logo::media_url),
            submitted_at: row.submitted_at,
            updated_at: row.updated_at,
        }
    }

    /// The PIs who are people (associated partners are not named persons).
    pub fn people(&self) -> impl Iterator<Item = &Person> {
        self.pis
            .iter()
            .filter(|p| !p.last_name.trim().is_empty() && !p.display_name.starts_with("Associated"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orcid_ids_are_checked() {
        assert_eq!(
            orcid("https://orcid.org/0000-0002-1825-0097").as_deref(),
            Some("0000-0002-1825-0097")
        );
        assert_eq!(
            orcid("0000-0001-5109-3700").as_deref(),
            Some("0000-0001-5109-3700")
        );
        assert!(orcid("0000-0002-1825-0098").is_none());
        assert!(orcid("javascript:alert(1)").is_none());
        assert!(orcid("").is_none());
    }

    #[test]
    fn summaries_cut_at_words() {
        assert_eq!(summary("short", 10), "short");
        assert_eq!(summary("one two three four", 10), "one two…");
        assert_eq!(summary("Müllerstraße ist lang", 13), "Müllerstraße…");
    }

    #[test]
    fn publications_become_links() {
        let p = publications(
            "12345678, doi:10.1093/nar/gkab1, https://doi.org/10.1/x y, junk, 12345678",
        );
        let ids: Vec<&str> = p.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["12345678", "10.1093/nar/gkab1", "10.1/x"]);
        assert_eq!(p[1].url, "https://doi.org/10.1093/nar/gkab1");
    }
}
