//! SPDX licences: the seeded/synced licence list used by the submission form.

pub mod admin;
pub mod entity;
pub mod jobs;
pub mod service;
pub mod sync;
