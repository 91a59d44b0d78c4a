//! Reference data: service categories, service centres, principal investigators.

pub mod entity;
pub mod model;
pub mod service;
