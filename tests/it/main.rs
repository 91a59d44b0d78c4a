//! Integration tests: the real router, the real database (SQLite per test, or PostgreSQL when
//! `TEST_DATABASE_URL` is set), and the real binary for command-line behaviour.

mod access_log;
mod api;
mod api_contract;
mod api_keys;
mod api_strictness;
mod captcha;
mod cli;
mod concurrency;
mod config;
mod csrf;
mod edam_api;
mod edam_parse;
mod edam_sync;
mod health;
mod jobs_queue;
mod jobs_support;
mod licenses;
mod logos;
mod mail;
mod migrations;
mod notifications;
mod openapi_snapshot;
mod public_concurrency;
mod public_forms;
mod public_update;
mod query_counts;
mod rate_limit;
mod reference_api;
mod reference_data;
mod roles;
mod scheduler;
mod submissions_api;
mod submissions_lifecycle;
mod support;
mod web;
