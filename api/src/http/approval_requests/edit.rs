//! Creating a request without an order, changing its content, and deleting a never-submitted
//! DRAFT.

use actix_web::{HttpResponse, delete, patch, post, web};
use chrono::NaiveDate;
use entity::approval_request;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::base::error::{Error, ProblemCode};
use crate::base::state::AppState;
use crate::data::db::{find_in_tenant, reference};
use crate::domain::approval::service::{
    self, Content, TemplateFill, active_template, coverage_in_force, new_row,
};
use crate::domain::approval::state::{EDITABLE, status_of};
use crate::domain::approval::values::{
    ApprovalStatus, InitialStatus, RequestPriority, RequestType, SubmissionMethod,
};
use crate::domain::orders::{OrderKind, immutable};
use crate::domain::validate::{DiagnosisCode, ProcedureOrNdcCode, not_blank};
use crate::http::problems::*;
use crate::http::views::{ApprovalRequestView, insert_and_answer};
use crate::http::{actor, ok, required};
use crate::request::auth::{Caller, Permission, Role};
use crate::request::extract::{IfMatch, ValidJson};
use crate::request::problem::ApiError;

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
    #[schema(min_length = 1, max_length = 2000)]
    pub service_description: Option<String>,
    /// Up to 30 CPT/HCPCS codes, or NDC numbers for PHARMACY.
    #[validate(length(max = 30))]
    #[schema(value_type = Option<Vec<ProcedureOrNdcCode>>, max_items = 30)]
    pub procedure_codes: Option<Vec<String>>,
    /// Up to 30 ICD-10-CM codes.
    #[validate(length(max = 30))]
    #[schema(value_type = Option<Vec<DiagnosisCode>>, max_items = 30)]
    pub diagnosis_codes: Option<Vec<String>>,
    #[validate(length(min = 1, max = 4000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 4000)]
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
    /// Only the current status (as a client sends back what it read): the status changes only
    /// through `/transitions`.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<ApprovalStatus>)]
    pub status: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<RequestType>)]
    pub request_type: Option<Option<RequestType>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub insurance_info_id: Option<Option<Uuid>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000)]
    pub service_description: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(max = 30))]
    #[schema(value_type = Option<Vec<ProcedureOrNdcCode>>, max_items = 30)]
    pub procedure_codes: Option<Option<Vec<String>>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(max = 30))]
    #[schema(value_type = Option<Vec<DiagnosisCode>>, max_items = 30)]
    pub diagnosis_codes: Option<Option<Vec<String>>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 4000), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 4000)]
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
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100)]
    pub payer_reference: Option<Option<String>>,
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
    body: ValidJson<CreateApprovalRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let body = body.parse()?;
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
            Error::invalid(
                "request_type",
                "required",
                "is required (or a template that gives one)",
            )
        })?;
    let today = caller.today;
    let insurance_info_id = match body.insurance_info_id {
        Some(id) => Some(id),
        None => {
            let day = body
                .service_start_date
                .map_or(today, |start| start.max(today));
            coverage_in_force(&state.db, tenant_id, body.patient_id, day)
                .await?
                .map(|c| c.id)
        }
    };
    let from_template = TemplateFill::of(template.as_ref())?;
    let content = Content {
        request_type,
        insurance_info_id,
        service_description: body
            .service_description
            .or(from_template.service_description),
        procedure_codes: body
            .procedure_codes
            .or(from_template.procedure_codes)
            .unwrap_or_default(),
        diagnosis_codes: body.diagnosis_codes.unwrap_or_default(),
        clinical_justification: body
            .clinical_justification
            .or(from_template.clinical_justification),
        requesting_provider_id: body.requesting_provider_id,
        service_start_date: body.service_start_date,
        service_end_date: body.service_end_date,
        priority: body.priority.unwrap_or_default().as_ref().to_owned(),
        is_expedited: body.is_expedited.unwrap_or(false),
        requested_quantity: body.requested_quantity,
    };
    content.check(&state.db, tenant_id, body.patient_id).await?;
    let actor = actor(&caller);
    let mut row = new_row(
        &actor,
        body.patient_id,
        body.template_id,
        body.status.unwrap_or_default(),
    );
    content.write(&mut row);
    insert_and_answer(&state, &actor, row).await
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
    patch: ValidJson<UpdateApprovalRequest>,
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
    let patch = patch.parse()?;
    let with_if_match = if_match.check(current.version)?;
    if !EDITABLE.contains(&status) {
        return Err(Error::conflict(
            ProblemCode::NotEditable,
            format!(
                "a request in {status} cannot be edited; its content is editable in DRAFT, PENDING_SUBMISSION and MORE_INFO_REQUIRED"
            ),
        )
        .into());
    }
    immutable("patient_id", &patch.patient_id, &Some(current.patient_id))?;
    if patch
        .status
        .as_ref()
        .is_some_and(|status| status.as_deref() != Some(current.status.as_str()))
    {
        return Err(ApiError::invalid(
            "status",
            "use_transitions",
            "the status changes only through POST /approval-requests/{id}/transitions",
        ));
    }
    let mut content = Content::read(&current)?;
    if let Some(value) = patch.request_type {
        let requested = required("request_type", value)?.as_ref().to_owned();
        let allowed = OrderKind::linked(&current)
            .is_none_or(|(kind, _)| kind.allows_request_type(&requested));
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
    next.updated_at = caller.now;
    service::save_edit(&state.db, &current, &next, with_if_match).await?;
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
        return Err(Error::conflict(
            ProblemCode::NotDeletable,
            "only a DRAFT that was never submitted can be deleted; cancel this request instead",
        )
        .into());
    }
    service::delete(&state.db, &current, with_if_match, caller.now).await?;
    Ok(HttpResponse::NoContent().finish())
}
