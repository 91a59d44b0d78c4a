//! The template environment: templates embedded at build time, optionally overridden from a directory,
//! auto-escaping on, with the site's branding and the static-file URL helper available everywhere.

use minijinja::{AutoEscape, Environment, Value, context};
use rust_embed::RustEmbed;
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::Config;
use crate::web::assets::Assets;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Embedded;

pub struct Templates {
    env: Environment<'static>,
}

/// Values every page needs, computed once at start-up.
#[derive(serde::Serialize)]
struct SiteGlobals {
    name: String,
    tagline: String,
    url: String,
    logo_url: Option<String>,
    favicon_url: Option<String>,
    contact_email: String,
    contact_office: String,
    contact_organisation: String,
    privacy_policy: String,
    imprint: String,
    website: String,
    user_guide: String,
    catalogue_enabled: bool,
    admin_prefix: String,
    dev_mode: bool,
    version: &'static str,
}

impl Templates {
    pub fn new(config: &Config, assets: Arc<Assets>) -> Self {
        let mut env = Environment::new();
        let override_dir: Option<PathBuf> = config.templates_dir.clone();
        env.set_loader(move |name| {
            if name.contains("..") {
                return Ok(None);
            }
            if let Some(dir) = &override_dir {
                let path = dir.join(name);
                if path.is_file() {
                    return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
                    });
                }
            }
            Ok(Embedded::get(name).and_then(|f| String::from_utf8(f.data.into_owned()).ok()))
        });
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".txt") {
                AutoEscape::None
            } else {
                AutoEscape::Html
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);

        let asset_urls = assets.clone();
        env.add_function("static", move |path: String| asset_urls.template_url(&path));
        env.add_global("site", Value::from_serialize(site_globals(config, &assets)));
        env.add_function("csrf_field", |state: &minijinja::State| {
            csrf_slot(state).map(|slot| Value::from_safe_string(slot.field_html()))
        });
        env.add_function("csrf_token", |state: &minijinja::State| {
            csrf_slot(state).map(|slot| Value::from(slot.token()))
        });
        Self { env }
    }

    /// Renders a template with the page context merged over the globals.
    pub fn render(&self, name: &str, ctx: Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }

    /// Renders a page, adding the per-request values the layout uses.
    pub fn render_page(
        &self,
        name: &str,
        page: &crate::web::PageContext,
        ctx: Value,
    ) -> Result<String, minijinja::Error> {
        let csrf = page.csrf.clone().map(Value::from_object);
        let merged = context! { request => Value::from_serialize(page), csrf_slot => csrf, ..ctx };
        self.render(name, merged)
    }
}

/// The current request's CSRF slot (put into the context by `render_page`). A form rendered outside a
/// page request could never be submitted, so that is a template error rather than an empty field.
fn csrf_slot(state: &minijinja::State) -> Result<crate::web::csrf::CsrfSlot, minijinja::Error> {
    state
        .lookup("csrf_slot")
        .and_then(|v| {
            v.downcast_object_ref::<crate::web::csrf::CsrfSlot>()
                .cloned()
        })
        .ok_or_else(|| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                "csrf_field()/csrf_token() need a page request under the CSRF middleware",
            )
        })
}

fn site_globals(config: &Config, assets: &Assets) -> SiteGlobals {
    let site = &config.site;
    // LOGO_URL / site.logo_url first, then a logo file shipped under static/img/.
    let logo_url = Some(config.logo_url.clone())
        .filter(|u| !u.is_empty())
        .or_else(|| {
            ["svg", "png", "jpg", "jpeg", "webp"]
                .iter()
                .map(|ext| format!("img/logo.{ext}"))
                .find(|p| assets.exists(p))
                .map(|p| assets.url(&p))
        });
    let favicon_url = Some(site.site.favicon_url.clone())
        .filter(|u| !u.is_empty())
        .or_else(|| {
            ["ico", "png", "svg"]
                .iter()
                .map(|ext| format!("img/favicon.{ext}"))
                .find(|p| assets.exists(p))
                .map(|p| assets.url(&p))
        });
    SiteGlobals {
        name: site.site.name.clone(),
        tagline: site.site.tagline.clone(),
        url: site.site.url.clone(),
        logo_url,
        favicon_url,
        contact_email: site.contact.email.clone(),
        contact_office: site.contact.office.clone(),
        contact_organisation: site.contact.organisation.clone(),
        privacy_policy: site.links.privacy_policy.clone(),
        imprint: site.links.imprint.clone(),
        website: site.links.website.clone(),
        user_guide: site.links.user_guide.clone(),
        catalogue_enabled: site.features.catalogue,
        admin_prefix: config.admin_url_prefix.clone(),
        dev_mode: config.is_dev(),
        version: env!("CARGO_PKG_VERSION"),
    }
}

/// External origins (logo, favicon) the CSP must allow for images.
pub fn image_origins(config: &Config) -> Vec<String> {
    [
        config.logo_url.as_str(),
        config.site.site.favicon_url.as_str(),
    ]
    .iter()
    .filter_map(|u| url::Url::parse(u).ok())
    .filter(|u| u.scheme() == "https")
    .map(|u| u.origin().ascii_serialization())
    .collect()
}
