//! The real client of a request: the peer address, or the forwarded address when (and only when) the
//! peer is a trusted proxy listed in `FORWARDED_ALLOW_IPS`.

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};
use std::net::{IpAddr, SocketAddr};

/// The socket peer, if the server recorded it (tests through `oneshot` have none).
pub fn peer_ip(extensions: &Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// Whether the peer is a proxy we trust to tell us about the original request.
pub fn from_trusted_proxy(extensions: &Extensions, trusted: &[IpAddr]) -> bool {
    peer_ip(extensions).is_some_and(|ip| trusted.contains(&ip))
}

/// The client address: `X-Real-IP`, then the last untrusted hop of `X-Forwarded-For`, when the peer is
/// trusted; otherwise the peer itself. Spoofed headers from untrusted peers are ignored.
pub fn client_ip_from(
    headers: &HeaderMap,
    extensions: &Extensions,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer_ip(extensions);
    if !peer.is_some_and(|ip| trusted.contains(&ip)) {
        return peer;
    }
    if let Some(ip) = headers
        .get("x-real-ip")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<IpAddr>().ok())
    {
        return Some(ip);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .collect();
    // Walk from the nearest hop outwards, skipping our own proxies.
    forwarded
        .iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .copied()
        .or(peer)
}

pub fn client_ip(parts: &Parts, trusted: &[IpAddr]) -> Option<IpAddr> {
    client_ip_from(&parts.headers, &parts.extensions, trusted)
}

/// Whether the original request was HTTPS (directly, or as reported by a trusted proxy).
pub fn is_https(
    headers: &HeaderMap,
    extensions: &Extensions,
    trusted: &[IpAddr],
    uri: &http::Uri,
) -> bool {
    if uri.scheme_str() == Some("https") {
        return true;
    }
    from_trusted_proxy(extensions, trusted)
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The origin (`scheme://host[:port]`, no trailing slash) absolute links of a response start with: the
/// request's own `Host` when it is one of `ALLOWED_HOSTS`, with the scheme the request arrived over (a
/// trusted proxy's `X-Forwarded-Proto` counts); otherwise the configured public URL.
pub fn origin(config: &crate::config::Config, parts: &Parts) -> String {
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty());
    if let Some(host) = host
        && super::security::host_allowed(host, &config.allowed_hosts)
    {
        let https = is_https(
            &parts.headers,
            &parts.extensions,
            &config.forwarded_allow_ips,
            &parts.uri,
        );
        return format!("{}://{host}", if https { "https" } else { "http" });
    }
    config.site.site.url.trim_end_matches('/').to_string()
}
