//! Reference data: service categories, service centres, principal investigators.

pub mod admin;
pub mod api;
pub mod api_pis;
pub mod api_types;
pub mod entity;
pub mod model;
pub mod service;
