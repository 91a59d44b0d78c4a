//! SeaORM entities for service submissions, their annotation joins, submission API keys, the change
//! log and the deletion audit.

pub mod service_submission;
pub use crate::auth::submission_api_key;
pub mod submission_category;
pub mod submission_change_log;
pub mod submission_deletion_audit;
pub mod submission_edam_operation;
pub mod submission_edam_topic;
pub mod submission_license;
pub mod submission_pi;
