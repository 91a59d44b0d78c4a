//! Service submissions: the core domain (rules, lifecycle, change log, deletion audit, logos) and its API.

pub mod admin;
pub mod api;
pub mod body;
pub mod diff;
pub mod entity;
pub mod fields;
pub mod form;
pub mod input;
pub mod lifecycle;
pub mod logo;
pub mod model;
pub mod notify;
pub mod pages;
pub mod repo;
pub mod rules;
pub mod schema;
pub mod service;
pub mod validate;
pub mod view;
