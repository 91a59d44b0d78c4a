//! submissions domain.

pub mod entity;
pub mod logo;
