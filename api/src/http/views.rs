//! Views and answers that several resource modules share: the approval request as a client
//! sees it, and the answer to creating one.

use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDate, Utc};
use entity::approval_request;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{created, location};
use crate::base::state::AppState;
use crate::domain::approval::policy;
use crate::domain::approval::service::{self, Actor};
use crate::domain::approval::state::allowed_targets;
use crate::domain::approval::values::{
    ApprovalStatus, RequestPriority, RequestType, SubmissionMethod,
};
use crate::domain::orders::OrderKind;
use crate::request::problem::ApiError;

/// An approval request.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-e290-7e99-9b0a-9d0e1f2a3b40", "approval_number": "APR-GH-000001",
    "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
    "insurance_info_id": "0193a4d2-8c30-7e33-8b4a-3d4e5f6a7b80", "template_id": null,
    "request_type": "RADIOLOGY", "order_kind": "IMAGING", "order_id": "0193a4d2-bf60-7b66-8e7d-6a7b8c9d0e10",
    "service_description": "MRI brain with and without contrast", "procedure_codes": ["70553"],
    "diagnosis_codes": ["G43.909"], "clinical_justification": "Refractory migraine with new aura",
    "requesting_provider_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60",
    "service_start_date": "2026-11-28", "service_end_date": null, "priority": "ROUTINE",
    "is_expedited": false, "status": "APPROVED", "submission_method": "PORTAL",
    "payer_reference": "ACME-REF-5521", "authorization_number": "AUTH-99812",
    "effective_date": "2026-11-25", "expiration_date": "2027-02-28", "requested_quantity": 1,
    "approved_quantity": 1, "denial_reason": null, "denial_code": null,
    "submitted_at": "2026-11-25T10:00:00Z", "decision_due_at": "2026-12-02T10:00:00Z",
    "decided_at": "2026-11-26T15:30:00Z", "appeal_decided_at": null, "holds_grant": true,
    "allowed_transitions": ["EXPIRED", "CANCELLED"], "created_by": "dr.osei",
    "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-26T15:30:00Z", "version": 5
}))]
pub struct ApprovalRequestView {
    pub id: Uuid,
    /// `APR-{tenant code}-{000001}`, gapless per tenant.
    pub approval_number: String,
    pub patient_id: Uuid,
    /// The coverage the request is made under.
    pub insurance_info_id: Option<Uuid>,
    pub template_id: Option<Uuid>,
    #[schema(value_type = RequestType)]
    pub request_type: String,
    /// The kind of the linked order; null for a request without one (e.g. DME).
    pub order_kind: Option<OrderKind>,
    pub order_id: Option<Uuid>,
    pub service_description: Option<String>,
    /// CPT/HCPCS codes, or NDC numbers for PHARMACY.
    #[schema(value_type = Vec<String>)]
    pub procedure_codes: serde_json::Value,
    /// ICD-10-CM codes.
    #[schema(value_type = Vec<String>)]
    pub diagnosis_codes: serde_json::Value,
    pub clinical_justification: Option<String>,
    pub requesting_provider_id: Option<Uuid>,
    pub service_start_date: Option<NaiveDate>,
    pub service_end_date: Option<NaiveDate>,
    #[schema(value_type = RequestPriority)]
    pub priority: String,
    pub is_expedited: bool,
    #[schema(value_type = ApprovalStatus)]
    pub status: String,
    #[schema(value_type = Option<SubmissionMethod>)]
    pub submission_method: Option<String>,
    pub payer_reference: Option<String>,
    pub authorization_number: Option<String>,
    pub effective_date: Option<NaiveDate>,
    pub expiration_date: Option<NaiveDate>,
    pub requested_quantity: Option<i32>,
    pub approved_quantity: Option<i32>,
    pub denial_reason: Option<String>,
    pub denial_code: Option<String>,
    /// First submission.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When the payer's decision is due (72 h expedited, 7 days standard, from the latest
    /// submission).
    pub decision_due_at: Option<DateTime<Utc>>,
    /// First decision.
    pub decided_at: Option<DateTime<Utc>>,
    pub appeal_decided_at: Option<DateTime<Utc>>,
    /// Whether the request holds a grant (it may still have lapsed: see `expiration_date`).
    pub holds_grant: bool,
    /// The statuses `/transitions` may move it to now.
    pub allowed_transitions: Vec<ApprovalStatus>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-lock version, also sent as `ETag`.
    pub version: i32,
}

impl From<approval_request::Model> for ApprovalRequestView {
    fn from(m: approval_request::Model) -> Self {
        let link = OrderKind::linked(&m);
        // A stored status this build cannot read shows no grant and no moves (and the
        // transition endpoint answers it as the internal error it is).
        let status = m.status.parse::<ApprovalStatus>().ok();
        Self {
            id: m.id,
            approval_number: m.approval_number,
            patient_id: m.patient_id,
            insurance_info_id: m.insurance_info_id,
            template_id: m.template_id,
            request_type: m.request_type,
            order_kind: link.map(|(kind, _)| kind),
            order_id: link.map(|(_, id)| id),
            service_description: m.service_description,
            procedure_codes: m.procedure_codes,
            diagnosis_codes: m.diagnosis_codes,
            clinical_justification: m.clinical_justification,
            requesting_provider_id: m.requesting_provider_id,
            service_start_date: m.service_start_date,
            service_end_date: m.service_end_date,
            priority: m.priority,
            is_expedited: m.is_expedited,
            holds_grant: status.is_some_and(|s| policy::holds_grant(s, m.grant_kind.as_deref())),
            allowed_transitions: status
                .map(|s| allowed_targets(s, m.grant_kind.as_deref()))
                .unwrap_or_default(),
            status: m.status,
            submission_method: m.submission_method,
            payer_reference: m.payer_reference,
            authorization_number: m.authorization_number,
            effective_date: m.effective_date,
            expiration_date: m.expiration_date,
            requested_quantity: m.requested_quantity,
            approved_quantity: m.approved_quantity,
            denial_reason: m.denial_reason,
            denial_code: m.denial_code,
            submitted_at: m.submitted_at,
            decision_due_at: m.decision_due_at,
            decided_at: m.decided_at,
            appeal_decided_at: m.appeal_decided_at,
            created_by: m.created_by,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// Inserts `row` with its number and history row 1, and answers 201.
pub async fn insert_and_answer(
    state: &AppState,
    actor: &Actor<'_>,
    row: approval_request::Model,
) -> Result<HttpResponse, ApiError> {
    let model = service::create(&state.db, actor, row).await?;
    Ok(created(
        location("approval-requests", model.id),
        model.version,
        &ApprovalRequestView::from(model),
    ))
}

/// The patient of an order or a queued order, so that a list shows who it is for without a call
/// per row.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70", "mrn": "MRN-000123", "name": "Maria Lopez"}))]
pub struct PatientSummary {
    pub id: Uuid,
    /// The medical record number.
    pub mrn: String,
    /// Given and family name.
    pub name: String,
}

impl PatientSummary {
    /// The summary of a patient: the name is given, then family.
    pub fn new(id: Uuid, mrn: String, given_name: &str, family_name: &str) -> Self {
        Self {
            id,
            mrn,
            name: format!("{given_name} {family_name}"),
        }
    }
}

impl From<&entity::patient::Model> for PatientSummary {
    fn from(patient: &entity::patient::Model) -> Self {
        Self::new(
            patient.id,
            patient.mrn.clone(),
            &patient.given_name,
            &patient.family_name,
        )
    }
}
