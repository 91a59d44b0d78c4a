//! `/sitemap.xml` (the catalogue and every approved service's page) and `/catalogue/feed.atom` (the
//! newest approved services), written as XML with every value escaped.

use quick_xml::escape::escape;

use super::repo::Light;
use super::view::ServiceView;

/// Entries in the feed.
pub const FEED_ENTRIES: usize = 50;

pub fn sitemap(origin: &str, services: &[Light]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let newest = services.iter().map(|s| s.updated_at).max();
    out.push_str(&format!(
        "  <url><loc>{}</loc>",
        escape(format!("{origin}/catalogue/"))
    ));
    if let Some(t) = newest {
        out.push_str(&format!("<lastmod>{}</lastmod>", t.format("%Y-%m-%d")));
    }
    out.push_str("</url>\n");
    for s in services {
        out.push_str(&format!(
            "  <url><loc>{}</loc><lastmod>{}</lastmod></url>\n",
            escape(format!("{origin}/catalogue/{}/", s.id)),
            s.updated_at.format("%Y-%m-%d")
        ));
    }
    out.push_str("</urlset>\n");
    out
}

/// An Atom 1.0 feed; `site` is the feed's title and author.
pub fn atom(origin: &str, site: &str, services: &[ServiceView]) -> String {
    let updated = services
        .iter()
        .map(|s| s.updated_at)
        .max()
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <id>{o}/catalogue/feed.atom</id>\n<title>{t} — new services</title>\n<updated>{u}</updated>\n\
         <author><name>{t}</name></author>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{o}/catalogue/feed.atom\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{o}/catalogue/\"/>\n",
        o = escape(origin),
        t = escape(site),
        u = updated.to_rfc3339(),
    );
    for s in services {
        let url = format!("{origin}{}", s.path);
        let centre = s
            .center
            .as_ref()
            .map(|c| c.short_name.as_str())
            .unwrap_or_default();
        out.push_str(&format!(
            "<entry>\n  <id>urn:uuid:{id}</id>\n  <title>{name}</title>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n  \
             <published>{p}</published>\n  <updated>{u}</updated>\n  <summary>{summary}</summary>\n{cat}</entry>\n",
            id = s.id,
            name = escape(s.name.as_str()),
            url = escape(url),
            p = s.submitted_at.to_rfc3339(),
            u = s.updated_at.to_rfc3339(),
            summary = escape(s.description.as_str()),
            cat = if centre.is_empty() {
                String::new()
            } else {
                format!("  <category term=\"{}\"/>\n", escape(centre))
            },
        ));
    }
    out.push_str("</feed>\n");
    out
}
