//! bio.tools domain: the stored records, the tool id people paste, the HTTP client and the mapping of
//! a tool's JSON to what is stored, the sync of a submission's record and its jobs, and the form's
//! prefill.

pub mod admin;
pub mod api;
pub mod client;
pub mod entity;
pub mod id;
pub mod jobs;
pub mod mapping;
pub mod prefill;
pub mod repo;
pub mod sync;
pub mod view;

pub use client::{BiotoolsClient, BiotoolsError, ClientSettings};
pub use id::BiotoolsId;
pub use mapping::{BioToolsEntry, BioToolsFunction, map_tool};
