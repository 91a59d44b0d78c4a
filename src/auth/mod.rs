//! Staff users, groups, permissions, sessions, admin API keys and the submissions' API keys.

pub mod api_keys;
pub mod entity;
pub mod password;
pub mod roles;
pub mod submission_api_key;
pub mod users;
