//! Page-number pagination for API lists: `{count, next, previous, results}` with absolute links.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number.
    pub page: Option<u64>,
    /// Items per page (capped by `API_MAX_PAGE_SIZE`).
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub count: u64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<T>,
}

/// A validated page request: which slice of the list to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub size: u64,
}

impl PageRequest {
    pub fn new(
        params: &PageParams,
        default_size: u64,
        max_size: u64,
    ) -> Result<Self, crate::error::AppError> {
        let page = params.page.unwrap_or(1);
        if page == 0 {
            return Err(crate::error::AppError::NotFound("Invalid page.".into()));
        }
        let size = params
            .page_size
            .unwrap_or(default_size)
            .clamp(1, max_size.max(1));
        Ok(Self { page, size })
    }

    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.size
    }

    /// Wraps one page of results; `base` is the list's absolute URL and `query` its other parameters.
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
        let last_page = count.div_ceil(self.size).max(1);
        Page {
            count,
            next: (self.page < last_page).then(|| link(self.page + 1)),
            previous: (self.page > 1).then(|| link(self.page - 1)),
            results,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn page_size_is_capped() {
        let p = PageParams {
            page: None,
            page_size: Some(1000),
        };
        assert_eq!(
            PageRequest::new(&p, 20, 100).map(|r| r.size).ok(),
            Some(100)
        );
        let zero = PageParams {
            page: Some(0),
            page_size: None,
        };
        assert!(PageRequest::new(&zero, 20, 100).is_err());
    }
}
