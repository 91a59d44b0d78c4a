//! The public catalogue of approved services (`[features] catalogue`): the HTML listing and service
//! pages, the machine formats (JSON-LD, bio.tools JSON, citations, Atom, sitemap) and
//! `GET /api/v1/catalogue/`. It reads through the submissions repository and writes nothing.

pub mod api;
pub mod cache;
pub mod export;
pub mod feeds;
mod http;
mod listing;
pub mod model;
pub mod repo;
pub mod search;
pub mod service;
pub mod view;
pub mod web;

pub use web::routes;
