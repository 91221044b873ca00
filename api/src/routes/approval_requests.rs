//! `/api/v1/approval-requests`: the insurance desk's daily work (DOMAIN.md §2). Requests are
//! created by CLINICIAN and ADMIN (standalone here, from an order in `order_approvals`),
//! edited in DRAFT, PENDING_SUBMISSION and MORE_INFO_REQUIRED, moved only through
//! `/transitions`, and deleted only as never-submitted DRAFTs.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use entity::{
    approval_request, approval_status_history as history, approval_template, insurance_info,
    provider,
};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, TransactionTrait};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::tenant::today;
use super::{created, ok, read_one, required};
use crate::approval::prefill::OrderKind;
use crate::approval::service;
use crate::approval::state::{
    ApprovalStatus, EDITABLE, SubmissionMethod, TransitionRequest, allowed_targets, holds_grant,
    status_of,
};
use crate::auth::{Caller, Permission, Role};
use crate::db::{self, delete_versioned, find_in_tenant, scoped};
use crate::error::ApiError;
use crate::extract::{IfMatch, Query, RawJson, ValidJson};
use crate::list::{ListParams, Page, values};
use crate::openapi::*;
use crate::orders::{immutable, reference};
use crate::startup::AppState;
use crate::validate::{cpt_hcpcs, each_code, icd10, ndc, not_blank};

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_approval_requests)
        .service(create_approval_request)
        .service(get_approval_request)
        .service(update_approval_request)
        .service(delete_approval_request)
        .service(transition_approval_request)
        .service(list_approval_history)
        .service(run_expiry_sweep);
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

/// The order a request is linked to, if any.
pub fn order_link(m: &approval_request::Model) -> Option<(OrderKind, Uuid)> {
    [
        (OrderKind::Lab, m.lab_order_id),
        (OrderKind::Imaging, m.imaging_order_id),
        (OrderKind::Pharmacy, m.prescription_id),
        (OrderKind::Surgery, m.surgical_case_id),
    ]
    .into_iter()
    .find_map(|(kind, id)| id.map(|id| (kind, id)))
}

impl From<approval_request::Model> for ApprovalRequestView {
    fn from(m: approval_request::Model) -> Self {
        let link = order_link(&m);
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
            holds_grant: status.is_some_and(|s| holds_grant(s, m.grant_kind.as_deref())),
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

/// A new request without an order (e.g. DME, therapy), possibly from a template.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70", "request_type": "DME",
    "service_description": "Power wheelchair, group 2", "procedure_codes": ["K0823"],
    "diagnosis_codes": ["G35"], "clinical_justification": "Multiple sclerosis with progressive weakness",
    "requesting_provider_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60", "requested_quantity": 1,
    "status": "DRAFT"
}))]
pub struct CreateApprovalRequest {
    pub patient_id: Uuid,
    /// Required unless the template gives one.
    pub request_type: Option<RequestType>,
    /// Starts from this template: its procedure codes, service description, clinical
    /// justification and request type fill what the body leaves out.
    pub template_id: Option<Uuid>,
    /// A coverage of this patient; default the coverage in force (PRIMARY first).
    pub insurance_info_id: Option<Uuid>,
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    pub service_description: Option<String>,
    #[validate(length(max = 30))]
    pub procedure_codes: Option<Vec<String>>,
    #[validate(length(max = 30))]
    pub diagnosis_codes: Option<Vec<String>>,
    #[validate(length(min = 1, max = 4000), custom(function = "not_blank"))]
    pub clinical_justification: Option<String>,
    pub requesting_provider_id: Option<Uuid>,
    pub service_start_date: Option<NaiveDate>,
    pub service_end_date: Option<NaiveDate>,
    pub priority: Option<RequestPriority>,
    pub is_expedited: Option<bool>,
    #[validate(range(min = 1, max = 1_000_000))]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub requested_quantity: Option<i32>,
    /// DRAFT or PENDING_SUBMISSION (default).
    pub status: Option<InitialStatus>,
}

/// Changes to a request's content (JSON merge patch), in DRAFT, PENDING_SUBMISSION or
/// MORE_INFO_REQUIRED. The status changes only through `/transitions`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"clinical_justification": "Two failed courses of triptans; new focal aura", "diagnosis_codes": ["G43.109"]}))]
pub struct UpdateApprovalRequest {
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub patient_id: Option<Option<Uuid>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub status: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<RequestType>)]
    pub request_type: Option<Option<RequestType>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub insurance_info_id: Option<Option<Uuid>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>)]
    pub service_description: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(max = 30))]
    #[schema(value_type = Option<Vec<String>>)]
    pub procedure_codes: Option<Option<Vec<String>>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(max = 30))]
    #[schema(value_type = Option<Vec<String>>)]
    pub diagnosis_codes: Option<Option<Vec<String>>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 4000), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>)]
    pub clinical_justification: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub requesting_provider_id: Option<Option<Uuid>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub service_start_date: Option<Option<NaiveDate>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub service_end_date: Option<Option<NaiveDate>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<RequestPriority>)]
    pub priority: Option<Option<RequestPriority>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<bool>)]
    pub is_expedited: Option<Option<bool>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(range(min = 1, max = 1_000_000))]
    #[schema(value_type = Option<i32>)]
    pub requested_quantity: Option<Option<i32>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<SubmissionMethod>)]
    pub submission_method: Option<Option<SubmissionMethod>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>)]
    pub payer_reference: Option<Option<String>>,
}

/// Filters of the request list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApprovalRequestFilter {
    /// One or several statuses, comma-separated.
    #[param(example = "SUBMITTED,UNDER_REVIEW")]
    pub status: Option<String>,
    /// One or several request types, comma-separated.
    pub request_type: Option<String>,
    /// One or several priorities, comma-separated.
    pub priority: Option<String>,
    pub patient_id: Option<Uuid>,
    /// One or several order kinds (LAB, IMAGING, PHARMACY, SURGERY), comma-separated.
    pub order_kind: Option<String>,
    /// Requests linked to this order.
    pub order_id: Option<Uuid>,
    /// `true`: SUBMITTED or UNDER_REVIEW past `decision_due_at`; `false`: every other request.
    pub overdue: Option<bool>,
    /// Requests holding a grant whose `expiration_date` is from today to today + N (0 to 365).
    #[param(minimum = 0, maximum = 365)]
    pub expiring_within_days: Option<i64>,
}

const SORT_FIELDS: &[(&str, approval_request::Column)] = &[
    ("approval_number", approval_request::Column::ApprovalNumber),
    ("status", approval_request::Column::Status),
    ("priority", approval_request::Column::Priority),
    ("submitted_at", approval_request::Column::SubmittedAt),
    ("decision_due_at", approval_request::Column::DecisionDueAt),
    ("expiration_date", approval_request::Column::ExpirationDate),
    ("created_at", approval_request::Column::CreatedAt),
    ("updated_at", approval_request::Column::UpdatedAt),
];

/// The content of a request, as created or after a merge patch, before it is checked.
#[derive(Debug, Clone)]
pub struct Content {
    pub request_type: String,
    pub insurance_info_id: Option<Uuid>,
    pub service_description: Option<String>,
    pub procedure_codes: Vec<String>,
    pub diagnosis_codes: Vec<String>,
    pub clinical_justification: Option<String>,
    pub requesting_provider_id: Option<Uuid>,
    pub service_start_date: Option<NaiveDate>,
    pub service_end_date: Option<NaiveDate>,
    pub priority: String,
    pub is_expedited: bool,
    pub requested_quantity: Option<i32>,
}

impl Content {
    /// Checks codes (NDC numbers for PHARMACY, CPT/HCPCS otherwise; ICD-10-CM diagnoses), the
    /// service dates' order, and that the coverage belongs to `patient_id` and the provider
    /// to the tenant (422 on the field otherwise).
    pub async fn check<C: ConnectionTrait>(
        &self,
        db: &C,
        tenant_id: Uuid,
        patient_id: Uuid,
    ) -> Result<(), ApiError> {
        let procedure_check = if self.request_type == "PHARMACY" {
            ndc
        } else {
            cpt_hcpcs
        };
        each_code("procedure_codes", &self.procedure_codes, procedure_check)?;
        each_code("diagnosis_codes", &self.diagnosis_codes, icd10)?;
        if let (Some(start), Some(end)) = (self.service_start_date, self.service_end_date)
            && end < start
        {
            return Err(ApiError::invalid(
                "service_end_date",
                "before_start",
                "must be on or after service_start_date",
            ));
        }
        if let Some(coverage_id) = self.insurance_info_id {
            let coverage = reference::<insurance_info::Entity, _>(
                db,
                tenant_id,
                "insurance_info_id",
                coverage_id,
            )
            .await?;
            if coverage.patient_id != patient_id {
                return Err(ApiError::invalid(
                    "insurance_info_id",
                    "other_patient",
                    "is a coverage of another patient",
                ));
            }
        }
        if let Some(provider_id) = self.requesting_provider_id {
            reference::<provider::Entity, _>(db, tenant_id, "requesting_provider_id", provider_id)
                .await?;
        }
        Ok(())
    }

    /// Writes the content into a row.
    pub fn write(&self, row: &mut approval_request::Model) {
        row.request_type = self.request_type.clone();
        row.insurance_info_id = self.insurance_info_id;
        row.service_description = self.service_description.clone();
        row.procedure_codes = serde_json::Value::from(self.procedure_codes.clone());
        row.diagnosis_codes = serde_json::Value::from(self.diagnosis_codes.clone());
        row.clinical_justification = self.clinical_justification.clone();
        row.requesting_provider_id = self.requesting_provider_id;
        row.service_start_date = self.service_start_date;
        row.service_end_date = self.service_end_date;
        row.priority = self.priority.clone();
        row.is_expedited = self.is_expedited;
        row.requested_quantity = self.requested_quantity;
    }

    fn read(row: &approval_request::Model) -> Self {
        Self {
            request_type: row.request_type.clone(),
            insurance_info_id: row.insurance_info_id,
            service_description: row.service_description.clone(),
            procedure_codes: serde_json::from_value(row.procedure_codes.clone())
                .unwrap_or_default(),
            diagnosis_codes: serde_json::from_value(row.diagnosis_codes.clone())
                .unwrap_or_default(),
            clinical_justification: row.clinical_justification.clone(),
            requesting_provider_id: row.requesting_provider_id,
            service_start_date: row.service_start_date,
            service_end_date: row.service_end_date,
            priority: row.priority.clone(),
            is_expedited: row.is_expedited,
            requested_quantity: row.requested_quantity,
        }
    }
}

/// An active template of the caller's tenant, or 422 on `template_id`.
pub async fn active_template<C: ConnectionTrait>(
    db: &C,
    tenant_id: Uuid,
    template_id: Uuid,
) -> Result<approval_template::Model, ApiError> {
    let template =
        reference::<approval_template::Entity, _>(db, tenant_id, "template_id", template_id)
            .await?;
    if !template.is_active {
        return Err(ApiError::invalid(
            "template_id",
            "inactive",
            "the template is inactive",
        ));
    }
    Ok(template)
}

/// A new row with the fields every creation sets.
pub fn new_row(
    caller: &Caller,
    patient_id: Uuid,
    template_id: Option<Uuid>,
    status: InitialStatus,
    now: DateTime<Utc>,
) -> approval_request::Model {
    approval_request::Model {
        id: Uuid::now_v7(),
        tenant_id: caller.tenant_id(),
        approval_number: String::new(),
        patient_id,
        insurance_info_id: None,
        template_id,
        request_type: String::new(),
        lab_order_id: None,
        imaging_order_id: None,
        prescription_id: None,
        surgical_case_id: None,
        service_description: None,
        procedure_codes: serde_json::json!([]),
        diagnosis_codes: serde_json::json!([]),
        clinical_justification: None,
        requesting_provider_id: None,
        service_start_date: None,
        service_end_date: None,
        priority: "ROUTINE".to_owned(),
        is_expedited: false,
        status: status.as_ref().to_owned(),
        grant_kind: None,
        submission_method: None,
        payer_reference: None,
        authorization_number: None,
        effective_date: None,
        expiration_date: None,
        requested_quantity: None,
        approved_quantity: None,
        denial_reason: None,
        denial_code: None,
        submitted_at: None,
        decision_due_at: None,
        decided_at: None,
        appeal_decided_at: None,
        created_by: caller.user.clone(),
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

/// Inserts `row` with its number and history row 1, and answers 201.
pub async fn insert_and_answer(
    state: &AppState,
    caller: &Caller,
    row: approval_request::Model,
) -> Result<HttpResponse, ApiError> {
    let now = row.created_at;
    let model = service::create(
        &state.db,
        caller.tenant_id(),
        &caller.tenant.code,
        sea_orm::IntoActiveModel::into_active_model(row),
        &caller.user,
        now,
    )
    .await?;
    let location = format!("/api/v1/approval-requests/{}", model.id);
    Ok(created(
        location,
        model.version,
        &ApprovalRequestView::from(model),
    ))
}

/// List approval requests
///
/// Sort on `approval_number`, `status`, `priority`, `submitted_at`, `decision_due_at`,
/// `expiration_date`, `created_at`, `updated_at`.
#[utoipa::path(
    tag = "approval-requests",
    params(ListParams, ApprovalRequestFilter),
    responses(
        (status = 200, description = "A page of approval requests.", body = Page<ApprovalRequestView>),
        ListProblems
    )
)]
#[get("/approval-requests")]
pub async fn list_approval_requests(
    caller: Caller,
    state: web::Data<AppState>,
    page: Query<ListParams>,
    filter: Query<ApprovalRequestFilter>,
) -> Result<HttpResponse, ApiError> {
    use approval_request::Column as C;
    caller.require(Permission::Read)?;
    let mut query = scoped::<approval_request::Entity>(caller.tenant_id());
    let statuses = values("status", filter.status.as_deref(), |v| {
        v.parse::<ApprovalStatus>().ok()
    })?;
    if !statuses.is_empty() {
        query = query.filter(C::Status.is_in(statuses.iter().map(ToString::to_string)));
    }
    let types = values("request_type", filter.request_type.as_deref(), |v| {
        v.parse::<RequestType>().ok()
    })?;
    if !types.is_empty() {
        query = query.filter(C::RequestType.is_in(types.iter().map(AsRef::as_ref)));
    }
    let priorities = values("priority", filter.priority.as_deref(), |v| {
        v.parse::<RequestPriority>().ok()
    })?;
    if !priorities.is_empty() {
        query = query.filter(C::Priority.is_in(priorities.iter().map(AsRef::as_ref)));
    }
    if let Some(patient_id) = filter.patient_id {
        query = query.filter(C::PatientId.eq(patient_id));
    }
    let kinds = values("order_kind", filter.order_kind.as_deref(), |v| {
        v.parse::<OrderKind>().ok()
    })?;
    if !kinds.is_empty() {
        let mut any = Condition::any();
        for kind in kinds {
            any = any.add(order_column(kind).is_not_null());
        }
        query = query.filter(any);
    }
    if let Some(order_id) = filter.order_id {
        query = query.filter(
            Condition::any()
                .add(C::LabOrderId.eq(order_id))
                .add(C::ImagingOrderId.eq(order_id))
                .add(C::PrescriptionId.eq(order_id))
                .add(C::SurgicalCaseId.eq(order_id)),
        );
    }
    if let Some(overdue) = filter.overdue {
        let is_overdue = Condition::all()
            .add(C::Status.is_in(["SUBMITTED", "UNDER_REVIEW"]))
            .add(C::DecisionDueAt.lt(Utc::now()));
        query = query.filter(if overdue {
            is_overdue
        } else {
            is_overdue.not()
        });
    }
    if let Some(days) = filter.expiring_within_days {
        if !(0..=365).contains(&days) {
            return Err(ApiError::bad_request(
                "invalid_query",
                "expiring_within_days must be from 0 to 365",
            ));
        }
        let today = today(&caller.tenant);
        query = query
            .filter(crate::approval::sweep::holds_grant())
            .filter(C::ExpirationDate.gte(today))
            .filter(C::ExpirationDate.lte(today + TimeDelta::days(days)));
    }
    let page = page
        .fetch(
            &state.db,
            query,
            SORT_FIELDS,
            C::Id,
            ApprovalRequestView::from,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The column linking a request to an order of `kind`.
pub fn order_column(kind: OrderKind) -> approval_request::Column {
    match kind {
        OrderKind::Lab => approval_request::Column::LabOrderId,
        OrderKind::Imaging => approval_request::Column::ImagingOrderId,
        OrderKind::Pharmacy => approval_request::Column::PrescriptionId,
        OrderKind::Surgery => approval_request::Column::SurgicalCaseId,
    }
}

/// Create an approval request without an order (CLINICIAN, ADMIN)
///
/// For a request about an order, use `POST /api/v1/{order path}/{id}/approval-requests`, which
/// fills it from the order. With `template_id`, the template fills what the body leaves out.
#[utoipa::path(
    tag = "approval-requests",
    request_body = CreateApprovalRequest,
    responses(
        (status = 201, description = "The new request (history row 1 written).", body = ApprovalRequestView,
            headers(("Location" = String), ("ETag" = String))),
        CreateProblems
    )
)]
#[post("/approval-requests")]
pub async fn create_approval_request(
    caller: Caller,
    state: web::Data<AppState>,
    ValidJson(body): ValidJson<CreateApprovalRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let tenant_id = caller.tenant_id();
    reference::<entity::patient::Entity, _>(&state.db, tenant_id, "patient_id", body.patient_id)
        .await?;
    let template = match body.template_id {
        Some(id) => Some(active_template(&state.db, tenant_id, id).await?),
        None => None,
    };
    let request_type = body
        .request_type
        .map(|t| t.as_ref().to_owned())
        .or_else(|| template.as_ref().map(|t| t.request_type.clone()))
        .ok_or_else(|| {
            ApiError::invalid(
                "request_type",
                "required",
                "is required (or a template that gives one)",
            )
        })?;
    let today = today(&caller.tenant);
    let insurance_info_id = match body.insurance_info_id {
        Some(id) => Some(id),
        None => {
            let day = body
                .service_start_date
                .map_or(today, |start| start.max(today));
            super::order_approvals::coverage_in_force(&state.db, tenant_id, body.patient_id, day)
                .await?
                .map(|c| c.id)
        }
    };
    let content = Content {
        request_type,
        insurance_info_id,
        service_description: body.service_description.or_else(|| {
            template
                .as_ref()
                .and_then(|t| t.service_description.clone())
        }),
        procedure_codes: body
            .procedure_codes
            .or_else(|| {
                template
                    .as_ref()
                    .and_then(|t| serde_json::from_value(t.procedure_codes.clone()).ok())
            })
            .unwrap_or_default(),
        diagnosis_codes: body.diagnosis_codes.unwrap_or_default(),
        clinical_justification: body.clinical_justification.or_else(|| {
            template
                .as_ref()
                .and_then(|t| t.clinical_justification.clone())
        }),
        requesting_provider_id: body.requesting_provider_id,
        service_start_date: body.service_start_date,
        service_end_date: body.service_end_date,
        priority: body.priority.unwrap_or_default().as_ref().to_owned(),
        is_expedited: body.is_expedited.unwrap_or(false),
        requested_quantity: body.requested_quantity,
    };
    content.check(&state.db, tenant_id, body.patient_id).await?;
    let mut row = new_row(
        &caller,
        body.patient_id,
        body.template_id,
        body.status.unwrap_or_default(),
        db::now(),
    );
    content.write(&mut row);
    insert_and_answer(&state, &caller, row).await
}

/// Get an approval request
#[utoipa::path(
    tag = "approval-requests",
    params(("id" = Uuid, Path, description = "The request's id.")),
    responses(
        (status = 200, description = "The request.", body = ApprovalRequestView, headers(("ETag" = String))),
        ReadProblems
    )
)]
#[get("/approval-requests/{id}")]
pub async fn get_approval_request(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    read_one::<approval_request::Entity, ApprovalRequestView>(&caller, &state, *id).await
}

/// Change a request's content
///
/// A JSON merge patch of content fields, in DRAFT, PENDING_SUBMISSION or MORE_INFO_REQUIRED
/// (409 `not_editable` otherwise). CLINICIAN and ADMIN edit in those three; COORDINATOR in
/// MORE_INFO_REQUIRED. The status changes only through `/transitions`; `patient_id` and the
/// linked order never change; a request linked to a surgical case may switch between SURGERY and
/// PROCEDURE.
#[utoipa::path(
    tag = "approval-requests",
    params(
        ("id" = Uuid, Path, description = "The request's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    request_body(content = UpdateApprovalRequest, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated request.", body = ApprovalRequestView, headers(("ETag" = String))),
        UpdateProblems
    )
)]
#[patch("/approval-requests/{id}")]
pub async fn update_approval_request(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    ValidJson(patch): ValidJson<UpdateApprovalRequest>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = caller.tenant_id();
    caller.require(Permission::Read)?;
    let current = find_in_tenant::<approval_request::Entity, _>(&state.db, tenant_id, *id).await?;
    let status = status_of(&current)?;
    let may_edit = caller.may(Permission::WriteClinical)
        || (caller.roles.contains(&Role::Coordinator)
            && status == ApprovalStatus::MoreInfoRequired);
    if !may_edit {
        return Err(ApiError::Forbidden {
            detail: "requests are edited by CLINICIAN and ADMIN, and by COORDINATOR in MORE_INFO_REQUIRED".into(),
        });
    }
    let with_if_match = if_match.check(current.version)?;
    if !EDITABLE.contains(&status) {
        return Err(ApiError::conflict(
            "not_editable",
            format!(
                "a request in {status} cannot be edited; its content is editable in DRAFT, PENDING_SUBMISSION and MORE_INFO_REQUIRED"
            ),
        ));
    }
    immutable("patient_id", &patch.patient_id)?;
    if patch.status.is_some() {
        return Err(ApiError::invalid(
            "status",
            "use_transitions",
            "the status changes only through POST /approval-requests/{id}/transitions",
        ));
    }
    let mut content = Content::read(&current);
    if let Some(value) = patch.request_type {
        let requested = required("request_type", value)?.as_ref().to_owned();
        let allowed = match order_link(&current) {
            None => true,
            Some((OrderKind::Surgery, _)) => matches!(requested.as_str(), "SURGERY" | "PROCEDURE"),
            Some((kind, _)) => requested == kind.request_type(),
        };
        if !allowed {
            return Err(ApiError::invalid(
                "request_type",
                "fixed_by_order",
                "a request linked to an order keeps its order's type (SURGERY and PROCEDURE may swap)",
            ));
        }
        content.request_type = requested;
    }
    if let Some(value) = patch.insurance_info_id {
        content.insurance_info_id = value;
    }
    if let Some(value) = patch.service_description {
        content.service_description = value.map(|v| v.trim().to_owned());
    }
    if let Some(value) = patch.procedure_codes {
        content.procedure_codes = value.unwrap_or_default();
    }
    if let Some(value) = patch.diagnosis_codes {
        content.diagnosis_codes = value.unwrap_or_default();
    }
    if let Some(value) = patch.clinical_justification {
        content.clinical_justification = value.map(|v| v.trim().to_owned());
    }
    if let Some(value) = patch.requesting_provider_id {
        content.requesting_provider_id = value;
    }
    if let Some(value) = patch.service_start_date {
        content.service_start_date = value;
    }
    if let Some(value) = patch.service_end_date {
        content.service_end_date = value;
    }
    if let Some(value) = patch.priority {
        content.priority = required("priority", value)?.as_ref().to_owned();
    }
    if let Some(value) = patch.is_expedited {
        content.is_expedited = required("is_expedited", value)?;
    }
    if let Some(value) = patch.requested_quantity {
        content.requested_quantity = value;
    }
    content
        .check(&state.db, tenant_id, current.patient_id)
        .await?;
    let mut next = current.clone();
    content.write(&mut next);
    if let Some(value) = patch.submission_method {
        next.submission_method = value.map(|m| m.as_ref().to_owned());
    }
    if let Some(value) = patch.payer_reference {
        next.payer_reference = value;
    }
    next.updated_at = db::now();
    service::save(&state.db, &current, &next, with_if_match).await?;
    next.version += 1;
    Ok(ok(next.version, &ApprovalRequestView::from(next)))
}

/// Delete a never-submitted DRAFT (CLINICIAN, ADMIN)
///
/// Its history, communications and documents go with it. Any other request answers 409
/// `not_deletable`: cancel it instead.
#[utoipa::path(
    tag = "approval-requests",
    params(
        ("id" = Uuid, Path, description = "The request's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    responses(
        (status = 204, description = "Deleted."),
        DeleteProblems
    )
)]
#[delete("/approval-requests/{id}")]
pub async fn delete_approval_request(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = caller.tenant_id();
    caller.require(Permission::Read)?;
    let current = find_in_tenant::<approval_request::Entity, _>(&state.db, tenant_id, *id).await?;
    caller.require(Permission::WriteClinical)?;
    let with_if_match = if_match.check(current.version)?;
    if status_of(&current)? != ApprovalStatus::Draft || current.submitted_at.is_some() {
        return Err(ApiError::conflict(
            "not_deletable",
            "only a DRAFT that was never submitted can be deleted; cancel this request instead",
        ));
    }
    let txn = state.db.begin().await?;
    delete_versioned::<approval_request::Entity, _>(
        &txn,
        tenant_id,
        current.id,
        current.version,
        with_if_match,
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Move a request to another status
///
/// DOMAIN.md §2.1: a move not allowed from the current status answers 409 with `allowed`;
/// missing data answers 422 naming each field; a stale `If-Match` answers 412. Checks run in
/// this order: 401, 404, 403, 412, 409, 422. CLINICIAN moves between DRAFT and
/// PENDING_SUBMISSION and cancels their own requests from those; COORDINATOR and ADMIN do
/// every transition. The history row is written in the same transaction.
#[utoipa::path(
    tag = "approval-requests",
    params(
        ("id" = Uuid, Path, description = "The request's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    request_body(content = TransitionRequest, examples(
        ("PENDING_SUBMISSION" = (value = json!({"to_status": "PENDING_SUBMISSION"}))),
        ("DRAFT" = (value = json!({"to_status": "DRAFT", "reason": "Taken back to add imaging history"}))),
        ("SUBMITTED" = (value = json!({"to_status": "SUBMITTED", "submission_method": "PORTAL", "payer_reference": "ACME-REF-5521"}))),
        ("UNDER_REVIEW" = (value = json!({"to_status": "UNDER_REVIEW", "reason": "Payer portal shows clinical review"}))),
        ("MORE_INFO_REQUIRED" = (value = json!({"to_status": "MORE_INFO_REQUIRED", "reason": "Payer asks for the last two clinic notes"}))),
        ("APPROVED" = (value = json!({"to_status": "APPROVED", "authorization_number": "AUTH-99812", "effective_date": "2026-11-25", "expiration_date": "2027-02-28"}))),
        ("PARTIALLY_APPROVED" = (value = json!({"to_status": "PARTIALLY_APPROVED", "authorization_number": "AUTH-99813", "expiration_date": "2027-02-28", "approved_quantity": 6, "reason": "Payer approved 6 of 12 sessions"}))),
        ("DENIED" = (value = json!({"to_status": "DENIED", "denial_reason": "Not medically necessary per policy 4.2", "denial_code": "CO-50"}))),
        ("APPEAL_SUBMITTED" = (value = json!({"to_status": "APPEAL_SUBMITTED", "reason": "Peer-to-peer review: conservative therapy failed"}))),
        ("APPEAL_APPROVED" = (value = json!({"to_status": "APPEAL_APPROVED", "authorization_number": "AUTH-99820", "expiration_date": "2027-03-31"}))),
        ("APPEAL_DENIED" = (value = json!({"to_status": "APPEAL_DENIED", "denial_reason": "Appeal upheld the denial", "denial_code": "CO-50"}))),
        ("EXPIRED" = (value = json!({"to_status": "EXPIRED"}))),
        ("CANCELLED" = (value = json!({"to_status": "CANCELLED", "reason": "Order cancelled by the clinician"})))
    )),
    responses(
        (status = 200, description = "The request in its new status.", body = ApprovalRequestView, headers(("ETag" = String))),
        UpdateProblems
    )
)]
#[post("/approval-requests/{id}/transitions")]
pub async fn transition_approval_request(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    raw: RawJson,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let current =
        find_in_tenant::<approval_request::Entity, _>(&state.db, caller.tenant_id(), *id).await?;
    // The body is judged only now: another tenant's request answers 404 whatever the body.
    let body: TransitionRequest = raw.parse()?;
    authorize_transition(&caller, &current, body.to_status)?;
    let with_if_match = if_match.check(current.version)?;
    let next = service::transition(
        &state.db,
        &current,
        &body,
        &caller.user,
        today(&caller.tenant),
        with_if_match,
    )
    .await?;
    Ok(ok(next.version, &ApprovalRequestView::from(next)))
}

/// API.md's roles for transitions: COORDINATOR and ADMIN every one; CLINICIAN between DRAFT and
/// PENDING_SUBMISSION, and CANCELLED from those for requests they created.
fn authorize_transition(
    caller: &Caller,
    current: &approval_request::Model,
    to: ApprovalStatus,
) -> Result<(), ApiError> {
    use ApprovalStatus::*;
    if caller.may(Permission::Coordinate) {
        return Ok(());
    }
    if caller.roles.contains(&Role::Clinician) {
        let drafting = matches!(status_of(current)?, Draft | PendingSubmission);
        if drafting && matches!(to, Draft | PendingSubmission) {
            return Ok(());
        }
        if drafting && to == Cancelled && current.created_by == caller.user {
            return Ok(());
        }
    }
    Err(ApiError::Forbidden {
        detail: format!(
            "moving this request to {to} needs COORDINATOR or ADMIN (CLINICIAN moves drafts between DRAFT and PENDING_SUBMISSION and cancels their own)"
        ),
    })
}

/// One status change of a request.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-f3a0-7faa-8c1b-0e1f2a3b4c50", "seq": 3, "from_status": "PENDING_SUBMISSION",
    "to_status": "SUBMITTED", "changed_by": "coordinator.kim", "changed_at": "2026-11-25T10:00:00Z",
    "reason": null
}))]
pub struct HistoryView {
    pub id: Uuid,
    /// 1, 2, 3… in order of the changes; row 1 is the creation.
    pub seq: i32,
    #[schema(value_type = Option<ApprovalStatus>)]
    pub from_status: Option<String>,
    #[schema(value_type = ApprovalStatus)]
    pub to_status: String,
    /// The user (`sub`), or `system` for the expiry sweep.
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
    pub reason: Option<String>,
}

impl From<history::Model> for HistoryView {
    fn from(m: history::Model) -> Self {
        Self {
            id: m.id,
            seq: m.seq,
            from_status: m.from_status,
            to_status: m.to_status,
            changed_by: m.changed_by,
            changed_at: m.changed_at,
            reason: m.reason,
        }
    }
}

/// A request's status history
///
/// Read-only, ordered by `seq`.
#[utoipa::path(
    tag = "approval-requests",
    params(("id" = Uuid, Path, description = "The request's id."), ListParams),
    responses(
        (status = 200, description = "A page of history rows.", body = Page<HistoryView>),
        ReadProblems
    )
)]
#[get("/approval-requests/{id}/history")]
pub async fn list_approval_history(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    page: Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let request =
        find_in_tenant::<approval_request::Entity, _>(&state.db, caller.tenant_id(), *id).await?;
    let query = scoped_history(caller.tenant_id(), request.id);
    let page = page
        .fetch_sorted(
            &state.db,
            query,
            &[("seq", history::Column::Seq)],
            "seq",
            history::Column::Id,
            HistoryView::from,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

fn scoped_history(tenant_id: Uuid, request_id: Uuid) -> sea_orm::Select<history::Entity> {
    use sea_orm::EntityTrait;
    history::Entity::find()
        .filter(history::Column::TenantId.eq(tenant_id))
        .filter(history::Column::ApprovalRequestId.eq(request_id))
}

/// The sweep's answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"expired": 3}))]
pub struct SweepView {
    /// How many requests this run moved to EXPIRED.
    pub expired: u64,
}

/// Run the expiry sweep now (COORDINATOR, ADMIN)
///
/// Moves every request of the caller's tenant that holds a grant whose `expiration_date` is
/// before the tenant's today to EXPIRED, with a history row by `system`. Idempotent; the
/// service also runs it periodically for every tenant.
#[utoipa::path(
    tag = "approval-requests",
    responses(
        (status = 200, description = "How many requests expired.", body = SweepView),
        (status = 401, response = UnauthorizedProblem),
        (status = 403, response = ForbiddenProblem)
    )
)]
#[post("/expiry-sweeps")]
pub async fn run_expiry_sweep(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Coordinate)?;
    let expired = crate::approval::sweep::run(&state.db, Some(caller.tenant_id())).await?;
    Ok(HttpResponse::Ok().json(SweepView { expired }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn transition_request_examples_parse() {
        let body = serde_json::json!({"to_status": "APPROVED", "authorization_number": "A", "expiration_date": "2027-01-01"});
        let parsed: super::TransitionRequest = serde_json::from_value(body).expect("parses");
        assert_eq!(parsed.to_status, super::ApprovalStatus::Approved);
    }
}
