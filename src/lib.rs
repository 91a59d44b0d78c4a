//! Service Registration Platform: library crate shared by the binary and the integration tests.

pub mod admin;
pub mod api;
pub mod app;
pub mod auth;
pub mod biotools;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod db;
pub mod edam;
pub mod error;
pub mod health;
pub mod jobs;
pub mod licenses;
pub mod mail;
pub mod metrics;
pub mod migration;
pub mod ops;
pub mod registry;
pub mod source;
pub mod state;
pub mod submissions;
pub mod text;
pub mod web;
