//! Page-number pagination for API lists: `{count, next, previous, results}` with absolute links.
//!
//! One rule for every paginated list (the original's DRF `PageNumberPagination`): `page` is a positive
//! integer or `last`; page 0, a non-number or a page past the end is `404 Invalid page.`, except that
//! page 1 of an empty list is an empty page. `page_size` is a positive integer capped at
//! `API_MAX_PAGE_SIZE`; anything else is a 400. Both arrive as strings and are checked here, before any
//! arithmetic, so no value can overflow the offset or reach the query builder unchecked.

use axum::extract::OriginalUri;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::AppError;

pub const INVALID_PAGE: &str = "Invalid page.";

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number, or `last`. Past the end → 404.
    #[param(value_type = Option<String>, pattern = r"^([1-9][0-9]*|last)$", example = "2")]
    pub page: Option<String>,
    /// Items per page (default `API_PAGE_SIZE`, capped at `API_MAX_PAGE_SIZE`).
    #[param(value_type = Option<u64>, minimum = 1)]
    pub page_size: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub count: u64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<T>,
}

/// Which page was asked for, checked for shape but not yet against the list's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageNumber {
    Number(u64),
    Last,
}

/// A page request whose syntax is valid; [`PageQuery::resolve`] checks it against the row count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageQuery {
    pub page: PageNumber,
    pub size: u64,
}

/// A validated page request: which slice of the list to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub size: u64,
}

fn invalid_page() -> AppError {
    AppError::NotFound(INVALID_PAGE.into())
}

/// A non-empty run of ASCII digits (no sign, no spaces), as DRF's clients send it.
fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

impl PageQuery {
    /// Checks the parameters' shape. An empty value counts as absent (DRF: `page or 1`).
    pub fn parse(params: &PageParams, default_size: u64, max_size: u64) -> Result<Self, AppError> {
        // The limit is bound as a signed 64-bit value by the database drivers.
        let max_size = max_size.clamp(1, i64::MAX as u64);
        let page = match params.page.as_deref().filter(|p| !p.is_empty()) {
            None => PageNumber::Number(1),
            Some("last") => PageNumber::Last,
            Some(p) if digits(p) => match p.parse::<u64>() {
                Ok(0) | Err(_) => return Err(invalid_page()),
                Ok(n) => PageNumber::Number(n),
            },
            Some(_) => return Err(invalid_page()),
        };
        let size = match params.page_size.as_deref().filter(|s| !s.is_empty()) {
            None => default_size.clamp(1, max_size),
            // A number too large for u64 is still a positive integer: it is capped like any other.
            Some(s) if digits(s) && s.bytes().any(|b| b != b'0') => {
                s.parse::<u64>().unwrap_or(u64::MAX).min(max_size)
            }
            Some(_) => {
                return Err(AppError::BadRequest(
                    "page_size must be a positive integer.".into(),
                ));
            }
        };
        Ok(Self { page, size })
    }

    /// The page to fetch from a list of `count` rows; a page past the end is a 404.
    pub fn resolve(self, count: u64) -> Result<PageRequest, AppError> {
        let last = last_page(count, self.size);
        let page = match self.page {
            PageNumber::Last => last,
            PageNumber::Number(n) if n <= last => n,
            PageNumber::Number(_) => return Err(invalid_page()),
        };
        Ok(PageRequest {
            page,
            size: self.size,
        })
    }
}

/// The number of the last page; an empty list still has page 1.
fn last_page(count: u64, size: u64) -> u64 {
    count.div_ceil(size.max(1)).max(1)
}

/// The absolute URL of the list a request asked for: the request's own origin (see
/// [`crate::web::client::origin`]) and its full path, `/api/v1` included even inside a nested router.
pub fn list_url(config: &crate::config::Config, parts: &Parts) -> String {
    let path = parts
        .extensions
        .get::<OriginalUri>()
        .map(|OriginalUri(u)| u.path().to_string())
        .unwrap_or_else(|| parts.uri.path().to_string());
    format!("{}{path}", crate::web::client::origin(config, parts))
}

/// The request's query parameters, in order, decoded.
pub fn query_pairs(parts: &Parts) -> Vec<(String, String)> {
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map(|OriginalUri(u)| u)
        .unwrap_or(&parts.uri);
    url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

impl PageRequest {
    /// Rows before this page. `page` is at most the last page, so this is at most the row count.
    pub fn offset(&self) -> u64 {
        self.page.saturating_sub(1).saturating_mul(self.size)
    }

    /// Wraps one page of results; `base` is the list's absolute URL and `query` its parameters.
    pub fn wrap<T>(
        &self,
        count: u64,
        results: Vec<T>,
        base: &str,
        query: &[(String, String)],
    ) -> Page<T> {
        let link = |page: u64| {
            let mut pairs: Vec<(String, String)> =
                query.iter().filter(|(k, _)| k != "page").cloned().collect();
            if page > 1 {
                pairs.push(("page".into(), page.to_string()));
            }
            if pairs.is_empty() {
                base.to_string()
            } else {
                let qs = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                format!("{base}?{qs}")
            }
        };
        let last = last_page(count, self.size);
        Page {
            count,
            next: (self.page < last).then(|| link(self.page + 1)),
            previous: (self.page > 1).then(|| link(self.page - 1)),
            results,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(page: Option<&str>, size: Option<&str>) -> PageParams {
        PageParams {
            page: page.map(str::to_string),
            page_size: size.map(str::to_string),
        }
    }

    fn status(r: Result<PageQuery, AppError>) -> u16 {
        match r {
            Ok(_) => 200,
            Err(e) => e.status().as_u16(),
        }
    }

    #[test]
    fn links_keep_filters_and_drop_page_one() {
        let req = PageRequest { page: 2, size: 10 };
        let q = vec![
            ("status".to_string(), "approved".to_string()),
            ("page".into(), "2".into()),
        ];
        let page = req.wrap(25, vec![1, 2], "http://h/api/v1/x/", &q);
        assert_eq!(
            page.next.as_deref(),
            Some("http://h/api/v1/x/?status=approved&page=3")
        );
        assert_eq!(
            page.previous.as_deref(),
            Some("http://h/api/v1/x/?status=approved")
        );
        let last = PageRequest { page: 3, size: 10 }.wrap(25, vec![1], "b", &[]);
        assert!(last.next.is_none());
    }

    #[test]
    fn page_size_is_capped_and_must_be_positive() {
        let size = |s: &str| PageQuery::parse(&params(None, Some(s)), 20, 100).map(|q| q.size);
        assert_eq!(size("1000").ok(), Some(100));
        assert_eq!(size("99999999999999999999999").ok(), Some(100));
        assert_eq!(size("7").ok(), Some(7));
        assert_eq!(size("").ok(), Some(20));
        for bad in ["0", "00", "-1", "abc", "+3", " 3", "1.5"] {
            assert_eq!(
                status(PageQuery::parse(&params(None, Some(bad)), 20, 100)),
                400,
                "{bad}"
            );
        }
    }

    #[test]
    fn page_numbers_are_checked_before_any_arithmetic() {
        for bad in ["0", "-1", "x", "1e3", "18446744073709551616", "LAST"] {
            assert_eq!(
                status(PageQuery::parse(&params(Some(bad), None), 20, 100)),
                404,
                "{bad}"
            );
        }
        let huge = PageQuery::parse(&params(Some("9223372036854775807"), None), 20, 100);
        assert!(huge.is_ok_and(|q| q.resolve(1_000).is_err()));
        let max = PageQuery::parse(&params(Some(&u64::MAX.to_string()), Some("1")), 20, 100);
        assert!(max.is_ok_and(|q| q.resolve(u64::MAX).is_ok_and(|r| r.offset() < u64::MAX)));
    }

    #[test]
    fn last_and_empty_lists() {
        let q = |p: &str| PageQuery::parse(&params(Some(p), Some("10")), 20, 100);
        assert_eq!(
            q("last")
                .ok()
                .and_then(|q| q.resolve(25).ok())
                .map(|r| r.page),
            Some(3)
        );
        assert_eq!(
            q("last")
                .ok()
                .and_then(|q| q.resolve(0).ok())
                .map(|r| r.page),
            Some(1)
        );
        assert!(q("1").is_ok_and(|q| q.resolve(0).is_ok()));
        assert!(q("2").is_ok_and(|q| q.resolve(0).is_err()));
        assert!(q("3").is_ok_and(|q| q.resolve(30).is_ok()));
        assert!(q("4").is_ok_and(|q| q.resolve(30).is_err()));
    }
}
