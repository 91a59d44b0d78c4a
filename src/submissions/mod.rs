//! submissions domain.

pub mod entity;
