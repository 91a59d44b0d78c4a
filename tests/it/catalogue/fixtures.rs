//! A small catalogue for the tests: three approved services that differ in every filter, plus a
//! submitted and a rejected one that must never show. Dates are fixed, never today's.

use crate::support::{TestApp, repo_path};
use axum::Router;
use chrono::{TimeZone, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use service_registry::biotools::entity::{biotools_function, biotools_record};
use service_registry::edam::entity::edam_term;
use service_registry::registry::entity::{
    principal_investigator as pi, service_category, service_center,
};
use service_registry::submissions::entity::service_submission;
use service_registry::submissions::input::{NewSubmission, RawSubmission};
use service_registry::submissions::service::{self, Ctx, Origin};
use uuid::Uuid;

pub struct Catalogue {
    pub app: TestApp,
    /// Keeps the site file alive.
    _site: tempfile::TempDir,
    pub cat_database: i64,
    pub cat_tool: i64,
    pub cat_training: i64,
    pub bigi: Uuid,
    pub hdhub: Uuid,
    pub metaprofi: Uuid,
    pub portal: Uuid,
    pub galaxy: Uuid,
    pub submitted: Uuid,
    pub rejected: Uuid,
}

pub const HIDDEN: [&str; 2] = ["Hidden Proteomics Draft", "Rejected Proteomics Thing"];

/// The shipped site.toml with some lines replaced.
fn site_file(dir: &tempfile::TempDir, replace: &[(&str, &str)]) -> String {
    let mut s = std::fs::read_to_string(repo_path("config/site.toml")).expect("site.toml");
    for (from, to) in replace {
        assert!(s.contains(from), "{from} not in site.toml");
        s = s.replace(from, to);
    }
    let p = dir.path().join("site.toml");
    std::fs::write(&p, s).expect("write site.toml");
    p.display().to_string()
}

pub async fn app_with(replace: &[(&str, &str)]) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = site_file(&dir, replace);
    let app = TestApp::build(&[("SITE_CONFIG", path.as_str())], Router::new()).await;
    (app, dir)
}

async fn category(app: &TestApp, name: &str) -> i64 {
    service_category::ActiveModel {
        name: Set(name.into()),
        is_active: Set(true),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("category")
    .id
}

async fn centre(app: &TestApp, short: &str, full: &str) -> Uuid {
    service_center::ActiveModel {
        id: Set(Uuid::new_v4()),
        short_name: Set(short.into()),
        full_name: Set(full.into()),
        website: Set("https://example.org/centre".into()),
        is_active: Set(true),
    }
    .insert(&app.state.db)
    .await
    .expect("centre")
    .id
}

async fn person(app: &TestApp, first: &str, last: &str, orcid: &str) -> Uuid {
    pi::ActiveModel {
        id: Set(Uuid::new_v4()),
        last_name: Set(last.into()),
        first_name: Set(first.into()),
        email: Set("pi@example.org".into()),
        institute: Set(String::new()),
        orcid: Set(orcid.into()),
        is_active: Set(true),
        is_associated_partner: Set(false),
    }
    .insert(&app.state.db)
    .await
    .expect("pi")
    .id
}

pub async fn topic(app: &TestApp, accession: &str) -> edam_term::Model {
    edam_term::Entity::find()
        .filter(edam_term::Column::Accession.eq(accession))
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("seeded EDAM term")
}

/// A valid submission body; `extra` overrides fields.
pub fn body(name: &str, cat: i64, centre: Uuid, pis: &[Uuid], topic: i64, extra: Value) -> Value {
    let mut b = json!({
        "date_of_entry": "2025-01-01",
        "submitter_first_name": "Ada",
        "submitter_last_name": "Lovelace",
        "submitter_affiliation": "Example University",
        "service_name": name,
        "service_description": "A service for the analysis of biological data used by many groups.",
        "year_established": 2020,
        "service_category_ids": [cat],
        "publications_pmids": "30000001",
        "edam_topic_ids": [topic],
        "responsible_pi_ids": pis.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        "host_institute": "Example Institute",
        "service_center_id": centre.to_string(),
        "public_contact_email": "help@example.org",
        "internal_contact_name": "Grace Hopper",
        "internal_contact_email": "internal-secret@example.org",
        "website_url": "https://example.org",
        "terms_of_use_url": "https://example.org/terms",
        "licenses": ["MIT"],
        "kpi_monitoring": "planned",
        "data_protection_consent": true
    });
    if let (Some(o), Some(e)) = (b.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            o.insert(k.clone(), v.clone());
        }
    }
    b
}

/// Stores a submission through the service, then sets its status, tags and (fixed) dates.
pub async fn store(
    app: &TestApp,
    body: &Value,
    status: &str,
    maturity: Option<&str>,
    dates: (i32, u32, u32, i32, u32, u32),
) -> Uuid {
    let ctx = Ctx::new(&app.state);
    let origin = Origin {
        ip: Some("203.0.113.9".parse().expect("ip")),
        user_agent: "catalogue test".into(),
        form_id: None,
    };
    let input = NewSubmission::try_from(&RawSubmission(body.clone())).expect("valid input");
    let (created, _) = service::create(&ctx, &input, None, &origin)
        .await
        .expect("create");
    let id = created.id().uuid();
    let row = service_submission::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    let mut am: service_submission::ActiveModel = row.into();
    am.status = Set(status.into());
    am.primary_maturity_tag = Set(maturity.map(str::to_string));
    let (y, m, d, uy, um, ud) = dates;
    am.submitted_at = Set(Utc
        .with_ymd_and_hms(y, m, d, 9, 0, 0)
        .single()
        .expect("date"));
    am.updated_at = Set(Utc
        .with_ymd_and_hms(uy, um, ud, 9, 0, 0)
        .single()
        .expect("date"));
    am.update(&app.state.db).await.expect("status");
    id
}

impl Catalogue {
    pub async fn new() -> Self {
        Self::with(&[]).await
    }

    pub async fn with(replace: &[(&str, &str)]) -> Self {
        let (app, site) = app_with(replace).await;
        let cat_database = category(&app, "Database").await;
        let cat_tool = category(&app, "Tool").await;
        let cat_training = category(&app, "Training").await;
        let bigi = centre(&app, "BiGi", "Bielefeld-Gießen Center").await;
        let hdhub = centre(&app, "HD-HuB", "Heidelberg Center for Human Bioinformatics").await;
        let carberry = person(&app, "Josiah", "Carberry", "0000-0002-1825-0097").await;
        let mueller = person(&app, "Jürgen", "Müller", "").await;
        let proteomics = topic(&app, "topic_0121").await.id;
        let bioinformatics = topic(&app, "topic_0091").await.id;

        let metaprofi = store(
            &app,
            &body(
                "MetaProFi",
                cat_database,
                bigi,
                &[carberry],
                proteomics,
                json!({
                    "service_description": "Metagenomic protein function annotation at scale. It is maintained by its team for the community.",
                    "register_as_elixir": true,
                    "publications_pmids": "34848984, 10.1093/nar/gkab1000",
                    "keywords_seo": "metagenomics, annotation",
                    "github_url": "https://github.com/example/metaprofi",
                }),
            ),
            "approved",
            Some("mature"),
            (2025, 1, 10, 2025, 6, 1),
        )
        .await;
        let portal = store(
            &app,
            &body(
                "Proteomics Portal",
                cat_tool,
                hdhub,
                &[mueller],
                proteomics,
                json!({
                    "service_description": "Search engine for mass spectrometry data. It is maintained by its team for the community.",
                    "licenses": ["Apache-2.0"],
                }),
            ),
            "approved",
            Some("emerging"),
            (2025, 3, 1, 2025, 4, 1),
        )
        .await;
        let galaxy = store(
            &app,
            &body("Galaxy Training", cat_training, bigi, &[mueller], bioinformatics, json!({
                "service_description": "Hands-on training material, including proteomics workflows. It is maintained by its team for the community.",
                "register_as_elixir": true,
            })),
            "approved",
            Some("legacy"),
            (2024, 5, 1, 2025, 7, 1),
        )
        .await;
        let submitted = store(
            &app,
            &body(
                HIDDEN[0],
                cat_tool,
                bigi,
                &[carberry],
                proteomics,
                json!({}),
            ),
            "submitted",
            None,
            (2025, 2, 1, 2025, 8, 1),
        )
        .await;
        let rejected = store(
            &app,
            &body(
                HIDDEN[1],
                cat_database,
                hdhub,
                &[carberry],
                proteomics,
                json!({}),
            ),
            "rejected",
            None,
            (2025, 2, 2, 2025, 8, 2),
        )
        .await;
        Self {
            app,
            _site: site,
            cat_database,
            cat_tool,
            cat_training,
            bigi,
            hdhub,
            metaprofi,
            portal,
            galaxy,
            submitted,
            rejected,
        }
    }

    /// The service names of the API's answer, in order.
    pub async fn api_names(&self, qs: &str) -> Vec<String> {
        let r = self.app.get(&format!("/api/v1/catalogue/{qs}")).await;
        assert_eq!(r.status, 200, "{qs}: {}", r.text());
        r.json()["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|s| s["name"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// The service names shown on the page, in order (the card/list links to service pages).
    pub async fn page_names(&self, qs: &str) -> Vec<String> {
        let r = self.app.get(&format!("/catalogue/{qs}")).await;
        assert_eq!(r.status, 200, "{qs}: {}", r.text());
        names_in(&html(&r))
    }
}

/// A page's HTML with the auto-escaped `/` (`&#x2f;`) decoded, so links can be compared as written.
pub fn html(r: &crate::support::TestResponse) -> String {
    r.text().replace("&#x2f;", "/")
}

/// Names linked to service pages, in document order.
pub fn names_in(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<a href=\"/catalogue/") {
        rest = &rest[i..];
        let close = rest.find('>').unwrap_or(0);
        let end = rest.find("</a>").unwrap_or(close);
        let href = rest["<a href=\"".len()..]
            .split('"')
            .next()
            .unwrap_or_default();
        // Service pages only: `/catalogue/<uuid>/`.
        let id = href
            .strip_prefix("/catalogue/")
            .and_then(|r| r.strip_suffix('/'));
        if id.is_some_and(|i| uuid::Uuid::parse_str(i).is_ok()) {
            out.push(rest[close + 1..end].to_string());
        }
        rest = &rest[end.max(1)..];
    }
    out
}

/// A bio.tools record with one function for MetaProFi, as a sync would store it.
pub async fn sync_biotools(c: &Catalogue) {
    let db = &c.app.state.db;
    let t = Utc
        .with_ymd_and_hms(2025, 6, 2, 0, 0, 0)
        .single()
        .expect("t");
    let rec = biotools_record::ActiveModel {
        submission_id: Set(c.metaprofi),
        biotools_id: Set("metaprofi".into()),
        name: Set("MetaProFi".into()),
        description: Set(String::new()),
        homepage: Set(String::new()),
        version: Set("1.2.0".into()),
        license: Set("MIT".into()),
        maturity: Set(String::new()),
        cost: Set(String::new()),
        tool_type: Set(json!(["Web application"])),
        operating_system: Set(json!([])),
        publications: Set(json!([])),
        documentation: Set(json!([])),
        download: Set(json!([])),
        links: Set(json!([])),
        edam_topic_uris: Set(json!([])),
        raw_json: Set(json!({})),
        last_synced_at: Set(Some(t)),
        sync_error: Set(String::new()),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("record");
    biotools_function::ActiveModel {
        record_id: Set(rec.id),
        position: Set(0),
        operations: Set(json!([{"uri": "http://edamontology.org/operation_0361", "term": "Sequence annotation"}])),
        inputs: Set(json!([{"data": {"uri": "http://edamontology.org/data_2044", "term": "Sequence"},
                            "formats": [{"uri": "http://edamontology.org/format_1929", "term": "FASTA"}]}])),
        outputs: Set(json!([])),
        cmd: Set(String::new()),
        note: Set("Annotates proteins".into()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("function");
}
