//! The values of an approval request: its status, type, priority, how it reached the payer,
//! and the status a new request starts in. Stored as strings; these are their typed forms.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::base::error::Error;
use crate::domain::labels::Labelled;

/// The status of an approval request.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    strum::AsRefStr,
    strum::EnumString,
    strum::EnumIter,
    strum::Display,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalStatus {
    Draft,
    PendingSubmission,
    Submitted,
    UnderReview,
    MoreInfoRequired,
    Approved,
    PartiallyApproved,
    Denied,
    AppealSubmitted,
    AppealApproved,
    AppealDenied,
    Expired,
    Cancelled,
}

impl Labelled for ApprovalStatus {
    fn label(&self) -> &'static str {
        match self {
            Self::Draft => "Draft, still being prepared",
            Self::PendingSubmission => "Ready to be sent to the payer",
            Self::Submitted => "Sent to the payer, awaiting its decision",
            Self::UnderReview => "Under review by the payer",
            Self::MoreInfoRequired => "The payer asks for more information",
            Self::Approved => "Approved in full",
            Self::PartiallyApproved => "Approved in part",
            Self::Denied => "Denied by the payer",
            Self::AppealSubmitted => "Denial or partial approval under appeal",
            Self::AppealApproved => "Approved on appeal",
            Self::AppealDenied => "Appeal denied",
            Self::Expired => "The grant has run out",
            Self::Cancelled => "Cancelled",
        }
    }
}

impl ApprovalStatus {
    /// A status as stored (a value only this code writes; anything else is an error).
    pub fn parse_stored(stored: &str) -> Result<Self, Error> {
        stored
            .parse()
            .map_err(|_| Error::unreadable("reading an approval request's status", stored))
    }
}

/// How a request reaches the payer.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    strum::AsRefStr,
    strum::EnumString,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum SubmissionMethod {
    Fax,
    Phone,
    Portal,
    Email,
    Mail,
    Edi,
}

/// What is asked of the payer.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    strum::AsRefStr,
    strum::EnumString,
    strum::EnumIter,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum RequestType {
    Laboratory,
    Radiology,
    Pharmacy,
    Procedure,
    Surgery,
    Therapy,
    Dme,
    HomeHealth,
    Hospice,
    Transportation,
    Other,
}

impl Labelled for RequestType {
    fn label(&self) -> &'static str {
        match self {
            Self::Laboratory => "Laboratory tests",
            Self::Radiology => "Imaging studies",
            Self::Pharmacy => "Medication",
            Self::Procedure => "Procedure",
            Self::Surgery => "Surgery",
            Self::Therapy => "Therapy (physical, occupational, speech and the like)",
            Self::Dme => "Durable medical equipment",
            Self::HomeHealth => "Home health care",
            Self::Hospice => "Hospice care",
            Self::Transportation => "Medical transportation",
            Self::Other => "Other",
        }
    }
}

/// How urgent a request is; URGENT, STAT and EMERGENCY put it on the 72-hour clock.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    strum::AsRefStr,
    strum::EnumString,
    strum::EnumIter,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum RequestPriority {
    #[default]
    Routine,
    Urgent,
    Stat,
    Emergency,
}

impl Labelled for RequestPriority {
    fn label(&self) -> &'static str {
        match self {
            Self::Routine => "Routine: the payer's decision is due in 7 days, unless expedited",
            Self::Urgent => "Urgent: the decision is due in 72 hours",
            Self::Stat => "STAT: the decision is due in 72 hours",
            Self::Emergency => "Emergency: the decision is due in 72 hours",
        }
    }
}

/// The status a new request starts in.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, strum::AsRefStr,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum InitialStatus {
    Draft,
    #[default]
    PendingSubmission,
}
