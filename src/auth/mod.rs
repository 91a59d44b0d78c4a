//! Staff users, groups, permissions, sessions and admin API keys.

pub mod api_keys;
pub mod entity;
pub mod password;
pub mod roles;
pub mod users;
