//! jobs domain.

pub mod entity;
