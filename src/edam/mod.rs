//! edam domain.

pub mod entity;
