//! licenses domain.

pub mod entity;
