//! EDAM ontology: parsing releases (OWL and TSV), the built-in seed, sync, in-memory ranked search and
//! the public EDAM API.

pub mod api;
pub mod entity;
pub mod jobs;
pub mod model;
pub mod owl;
pub mod search;
pub mod seed;
pub mod service;
pub mod sync;
pub mod tsv;
