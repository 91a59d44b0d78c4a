//! The submission's domain types: its typed id, its status (codes, labels, transitions) and its maturity
//! tags. The database keeps the codes as strings; they are converted at the edge (`repo`, `view`).

use std::fmt;
use uuid::Uuid;

/// The id of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubmissionId(pub Uuid);

impl SubmissionId {
    /// Parses a path segment; anything that is not a UUID (traversal attempts included) is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        Uuid::parse_str(s).ok().map(Self)
    }

    pub fn uuid(self) -> Uuid {
        self.0
    }
}

impl From<Uuid> for SubmissionId {
    fn from(u: Uuid) -> Self {
        Self(u)
    }
}

impl fmt::Display for SubmissionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a submission is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    Submitted,
    UnderReview,
    Approved,
    Rejected,
    Deprecated,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::Submitted,
        Status::UnderReview,
        Status::Approved,
        Status::Rejected,
        Status::Deprecated,
    ];

    /// The code stored in the database and shown by the API.
    pub const fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::UnderReview => "under_review",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Deprecated => "deprecated",
        }
    }

    /// The label people read (change log, e-mails, pages).
    pub const fn label(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::Submitted => "Submitted",
            Status::UnderReview => "Under Review",
            Status::Approved => "Approved",
            Status::Rejected => "Rejected",
            Status::Deprecated => "Deprecated",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Every status may be set from every other one by staff (approve, reject, review, deprecate,
    /// undeprecate → submitted); moving to the current status is a no-op, not a transition.
    pub fn can_move_to(self, target: Status) -> bool {
        self != target
    }

    /// Maturity tags only belong to approved services: leaving `approved` clears them.
    pub fn keeps_tags(self) -> bool {
        self == Status::Approved
    }
}

/// The label of a stored status code; an unknown code shows as itself.
pub fn status_label(code: &str) -> String {
    match Status::parse(code) {
        Some(s) => s.label().to_string(),
        None => code.to_string(),
    }
}

/// The primary maturity tag of an approved service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrimaryTag {
    Mature,
    Emerging,
    Legacy,
}

impl PrimaryTag {
    pub const ALL: [PrimaryTag; 3] = [PrimaryTag::Mature, PrimaryTag::Emerging, PrimaryTag::Legacy];

    pub const fn code(self) -> &'static str {
        match self {
            PrimaryTag::Mature => "mature",
            PrimaryTag::Emerging => "emerging",
            PrimaryTag::Legacy => "legacy",
        }
    }
}

/// The additive maturity tags of an approved service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondaryTag {
    Unstable,
}

impl SecondaryTag {
    pub const ALL: [SecondaryTag; 1] = [SecondaryTag::Unstable];

    pub const fn code(self) -> &'static str {
        match self {
            SecondaryTag::Unstable => "unstable",
        }
    }
}

/// The label of a stored tag code (primary or secondary); an unknown code shows as itself.
pub fn tag_label(code: &str) -> String {
    match code {
        "mature" => "Mature",
        "emerging" => "Emerging",
        "legacy" => "Legacy",
        "unstable" => "Unstable",
        other => other,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_label() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(s));
        }
        assert_eq!(status_label("under_review"), "Under Review");
        assert_eq!(status_label("weird"), "weird");
        assert!(!Status::Approved.can_move_to(Status::Approved));
        assert!(Status::Deprecated.can_move_to(Status::Submitted));
        assert_eq!(tag_label("unstable"), "Unstable");
        assert_eq!(
            PrimaryTag::ALL.map(PrimaryTag::code),
            ["mature", "emerging", "legacy"]
        );
        assert_eq!(SecondaryTag::ALL.map(SecondaryTag::code), ["unstable"]);
    }
}
