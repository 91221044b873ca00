//! The values of an approval request: its status, type, priority, how it reached the payer,
//! and the status a new request starts in. Stored as strings; these are their typed forms.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::base::error::Error;

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
