//! The computed approval fields as the API shows them on every order, single or listed: read
//! from the approval read model (see `read_model` and `order_state`).

use chrono::NaiveDate;
use entity::order_approval_state;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::labels::Labelled;

/// Where an order stands with the payer: the first that applies of NOT_REQUIRED (the order is
/// cancelled), NO_INSURANCE (no coverage in force on the date that matters), NOT_REQUIRED (its
/// kind needs no approval), APPROVED or PARTIALLY_APPROVED (a valid approval covers that date),
/// the status of its newest request that is not cancelled, EXPIRED, PRIOR_AUTH_EXPIRED, and
/// finally PRIOR_AUTH_REQUIRED, EMERGENCY_APPROVAL_REQUIRED or APPROVAL_REQUIRED.
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
pub enum OrderApprovalStatus {
    NotRequired,
    NoInsurance,
    Approved,
    PartiallyApproved,
    Draft,
    PendingSubmission,
    Submitted,
    UnderReview,
    MoreInfoRequired,
    Denied,
    AppealSubmitted,
    AppealDenied,
    Expired,
    PriorAuthExpired,
    ApprovalRequired,
    PriorAuthRequired,
    EmergencyApprovalRequired,
}

impl Labelled for OrderApprovalStatus {
    fn label(&self) -> &'static str {
        match self {
            Self::NotRequired => {
                "No approval needed: the order is cancelled, or its kind needs none"
            }
            Self::NoInsurance => "No coverage of the patient in force on the date that matters",
            Self::Approved => "A valid full approval covers the order",
            Self::PartiallyApproved => "A valid partial approval covers the order",
            Self::Draft => "Its newest request is a draft",
            Self::PendingSubmission => "Its newest request is ready to be sent to the payer",
            Self::Submitted => "Its newest request awaits the payer's decision",
            Self::UnderReview => "Its newest request is under review by the payer",
            Self::MoreInfoRequired => "The payer asks for more information",
            Self::Denied => "Its newest request was denied",
            Self::AppealSubmitted => "A denial or partial approval is under appeal",
            Self::AppealDenied => "The appeal was denied",
            Self::Expired => "Its approval ran out before the date that matters",
            Self::PriorAuthExpired => "The prescription's recorded prior authorization ran out",
            Self::ApprovalRequired => "Approval needed, and no request is under way",
            Self::PriorAuthRequired => {
                "Prior authorization needed for the prescription, and no request is under way"
            }
            Self::EmergencyApprovalRequired => {
                "An emergency surgical case: it may proceed, approval is sought afterwards"
            }
        }
    }
}

/// Where an active approval comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalSource {
    /// An approval request of the order.
    Request,
    /// The prior authorization recorded on a prescription.
    Prescription,
}

/// The approval an order proceeds under.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-e290-7e99-9b0a-9d0e1f2a3b40", "approval_number": "APR-GH-000001",
    "authorization_number": "AUTH-99812", "status": "APPROVED", "effective_date": "2026-11-25",
    "expiration_date": "2027-02-28", "approved_quantity": 1, "source": "REQUEST"
}))]
pub struct ActiveApproval {
    /// The request's id; null for a prescription's recorded prior authorization.
    pub id: Option<Uuid>,
    pub approval_number: Option<String>,
    pub authorization_number: Option<String>,
    /// The request's status (APPROVED for a recorded prior authorization).
    pub status: String,
    pub effective_date: Option<NaiveDate>,
    pub expiration_date: Option<NaiveDate>,
    pub approved_quantity: Option<i32>,
    pub source: ApprovalSource,
}

/// The four computed fields every order carries.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ApprovalFields {
    /// Not cancelled, insured on the date that matters, the kind's rule asks, and no valid
    /// approval.
    pub requires_approval: bool,
    /// A valid approval exists (a request holding a grant that has not lapsed, or a valid
    /// recorded prior authorization).
    pub has_valid_approval: bool,
    #[schema(value_type = OrderApprovalStatus)]
    pub approval_status: String,
    /// The valid approval the order proceeds under, or null.
    pub active_approval: Option<ActiveApproval>,
    /// Whether a coverage is in force on the date that matters (not shown in order views).
    #[serde(skip)]
    pub has_insurance: bool,
}

impl ApprovalFields {
    /// The fields as the read model holds them.
    pub fn of(row: &order_approval_state::Model) -> Self {
        let active = row.active_source.as_deref().map(|source| ActiveApproval {
            id: row.active_request_id,
            approval_number: row.active_approval_number.clone(),
            authorization_number: row.active_authorization_number.clone(),
            status: row.active_status.clone().unwrap_or_default(),
            effective_date: row.active_effective_date,
            expiration_date: row.active_expiration_date,
            approved_quantity: row.active_approved_quantity,
            source: if source == "PRESCRIPTION" {
                ApprovalSource::Prescription
            } else {
                ApprovalSource::Request
            },
        });
        Self {
            requires_approval: row.requires_approval,
            has_valid_approval: row.has_valid_approval,
            approval_status: row.approval_status.clone(),
            active_approval: active,
            has_insurance: row.has_insurance,
        }
    }
}
