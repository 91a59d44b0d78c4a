//! The public catalogue: listing (filters, search ranking, sorts, paging, HTMX, caching, the flag),
//! service pages and their machine formats, the API, and its query budget.

mod citations;
mod fixtures;
mod listing;
mod machine;
mod queries;
