//! biotools domain.

pub mod entity;
