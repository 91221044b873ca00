//! `/api/v1/surgical-cases`: operating theatre bookings. CLINICIAN and ADMIN write; every role
//! reads. Numbers are `SURG-{YYYYMMDD}-{0001}`, per tenant and per day of `scheduled_start` in
//! the tenant's time zone; a number, once given, never changes (also when the case moves).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use entity::{patient, provider, surgical_case};
use sea_orm::{ColumnTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::tenant::zone;
use super::{created, decorate_one, delete_one, ok, order_page, required};
use crate::approval::fields::{ApprovalFields, ApprovalFilter, Recorded};
use crate::approval::prefill::OrderKind;
use crate::auth::{Caller, Permission};
use crate::db::{self, find_in_tenant, save_patch, scoped};
use crate::error::ApiError;
use crate::extract::{IfMatch, Query, ValidJson};
use crate::list::{ListParams, Page};
use crate::openapi::*;
use crate::orders::{
    DateFilter, OrderFilter, SURGICAL_CASE_LIFECYCLE as LIFECYCLE, insert_numbered, local_date,
    order_in_use, reference,
};
use crate::startup::AppState;
use crate::validate::{cpt_hcpcs, each_code, icd10, not_blank};

const KIND: OrderKind = OrderKind::Surgery;

const RECORDED: fn(&surgical_case::Model) -> Option<Recorded> = |_| None;

/// The view of one order, with its computed fields.
async fn view(
    state: &AppState,
    caller: &Caller,
    model: surgical_case::Model,
) -> Result<SurgicalCaseView, ApiError> {
    decorate_one::<surgical_case::Entity, _>(
        state,
        caller,
        KIND,
        model,
        RECORDED,
        SurgicalCaseView::new,
    )
    .await
}

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_surgical_cases)
        .service(create_surgical_case)
        .service(get_surgical_case)
        .service(update_surgical_case)
        .service(delete_surgical_case);
}

/// Where a surgical case stands: SCHEDULED → CONFIRMED → PREP → IN_PROGRESS → COMPLETED, with
/// DELAYED and POSTPONED on the way, or CANCELLED. Once IN_PROGRESS it can only complete.
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
pub enum SurgicalCaseStatus {
    Scheduled,
    Confirmed,
    Prep,
    Delayed,
    InProgress,
    Completed,
    Cancelled,
    Postponed,
}

/// A surgical case.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-d180-7d88-8a9f-8c9d0e1f2a30", "case_number": "SURG-20261203-0001",
    "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
    "primary_surgeon_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60",
    "primary_procedure": "Total knee arthroplasty, right", "procedure_codes": ["27447"],
    "diagnosis": "Primary osteoarthritis, right knee", "diagnosis_codes": ["M17.11"],
    "clinical_notes": "Failed 6 months of conservative therapy",
    "scheduled_start": "2026-12-03T13:00:00Z", "is_emergency": false, "status": "SCHEDULED",
    "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1,
    "requires_approval": false, "has_valid_approval": true, "approval_status": "APPROVED", "active_approval": {"id": "0193a4d2-e290-7e99-9b0a-9d0e1f2a3b40", "approval_number": "APR-GH-000001", "authorization_number": "AUTH-99812", "status": "APPROVED", "effective_date": "2026-11-25", "expiration_date": "2027-02-28", "approved_quantity": 1, "source": "REQUEST"}
}))]
pub struct SurgicalCaseView {
    pub id: Uuid,
    /// `SURG-{YYYYMMDD}-{0001}`, gapless per tenant and day.
    pub case_number: String,
    pub patient_id: Uuid,
    pub primary_surgeon_id: Uuid,
    pub primary_procedure: String,
    /// CPT/HCPCS codes.
    #[schema(value_type = Vec<String>)]
    pub procedure_codes: serde_json::Value,
    pub diagnosis: String,
    /// ICD-10-CM codes.
    #[schema(value_type = Vec<String>)]
    pub diagnosis_codes: serde_json::Value,
    pub clinical_notes: Option<String>,
    pub scheduled_start: DateTime<Utc>,
    pub is_emergency: bool,
    #[schema(value_type = SurgicalCaseStatus)]
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-lock version, also sent as `ETag`.
    pub version: i32,
    /// The computed approval fields (DOMAIN.md §3).
    #[serde(flatten)]
    pub approval: ApprovalFields,
}

impl SurgicalCaseView {
    fn new(m: surgical_case::Model, approval: ApprovalFields) -> Self {
        Self {
            approval,
            id: m.id,
            case_number: m.case_number,
            patient_id: m.patient_id,
            primary_surgeon_id: m.primary_surgeon_id,
            primary_procedure: m.primary_procedure,
            procedure_codes: m.procedure_codes,
            diagnosis: m.diagnosis,
            diagnosis_codes: m.diagnosis_codes,
            clinical_notes: m.clinical_notes,
            scheduled_start: m.scheduled_start,
            is_emergency: m.is_emergency,
            status: m.status,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// A new surgical case; it starts SCHEDULED.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
    "primary_surgeon_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60",
    "primary_procedure": "Total knee arthroplasty, right", "procedure_codes": ["27447"],
    "diagnosis": "Primary osteoarthritis, right knee", "diagnosis_codes": ["M17.11"],
    "clinical_notes": "Failed 6 months of conservative therapy",
    "scheduled_start": "2026-12-03T13:00:00Z", "is_emergency": false
}))]
pub struct CreateSurgicalCase {
    pub patient_id: Uuid,
    pub primary_surgeon_id: Uuid,
    #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 500)]
    pub primary_procedure: String,
    /// Up to 20 CPT/HCPCS codes.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub procedure_codes: Vec<String>,
    #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 500)]
    pub diagnosis: String,
    /// Up to 20 ICD-10-CM codes.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub diagnosis_codes: Vec<String>,
    #[validate(length(min = 1, max = 4000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub clinical_notes: Option<String>,
    pub scheduled_start: DateTime<Utc>,
    /// Default false. An emergency case may proceed before its (retrospective) approval.
    #[serde(default)]
    pub is_emergency: bool,
}

/// Changes to a surgical case (JSON merge patch). `status` moves along the lifecycle;
/// `patient_id` cannot change; a COMPLETED or CANCELLED case cannot change at all.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "CONFIRMED"}))]
pub struct UpdateSurgicalCase {
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub patient_id: Option<Option<Uuid>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub primary_surgeon_id: Option<Option<Uuid>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>)]
    pub primary_procedure: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(max = 20))]
    #[schema(value_type = Option<Vec<String>>)]
    pub procedure_codes: Option<Option<Vec<String>>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>)]
    pub diagnosis: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(max = 20))]
    #[schema(value_type = Option<Vec<String>>)]
    pub diagnosis_codes: Option<Option<Vec<String>>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 4000), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>)]
    pub clinical_notes: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub scheduled_start: Option<Option<DateTime<Utc>>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<bool>)]
    pub is_emergency: Option<Option<bool>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<SurgicalCaseStatus>)]
    pub status: Option<Option<SurgicalCaseStatus>>,
}

/// Filters of the surgical case list, beside the common ones.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SurgicalCaseFilter {
    pub is_emergency: Option<bool>,
    pub primary_surgeon_id: Option<Uuid>,
}

const SORT_FIELDS: &[(&str, surgical_case::Column)] = &[
    ("case_number", surgical_case::Column::CaseNumber),
    ("scheduled_start", surgical_case::Column::ScheduledStart),
    ("status", surgical_case::Column::Status),
    ("created_at", surgical_case::Column::CreatedAt),
    ("updated_at", surgical_case::Column::UpdatedAt),
];

const STATUSES: &[&str] = &[
    "SCHEDULED",
    "CONFIRMED",
    "PREP",
    "DELAYED",
    "IN_PROGRESS",
    "COMPLETED",
    "CANCELLED",
    "POSTPONED",
];

fn codes_json(codes: &[String]) -> serde_json::Value {
    serde_json::Value::from(codes.to_vec())
}

/// List surgical cases
///
/// Sort on `case_number`, `scheduled_start`, `status`, `created_at`, `updated_at`. `from`/`to`
/// apply to `scheduled_start`.
#[utoipa::path(
    tag = "surgical-cases",
    params(ListParams, OrderFilter, SurgicalCaseFilter, ApprovalFilter),
    responses(
        (status = 200, description = "A page of surgical cases.", body = Page<SurgicalCaseView>),
        ListProblems
    )
)]
#[get("/surgical-cases")]
pub async fn list_surgical_cases(
    caller: Caller,
    state: web::Data<AppState>,
    page: Query<ListParams>,
    common: Query<OrderFilter>,
    filter: Query<SurgicalCaseFilter>,
    approval: Query<ApprovalFilter>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let mut query = common.apply(
        scoped::<surgical_case::Entity>(caller.tenant_id()),
        surgical_case::Column::PatientId,
        surgical_case::Column::Status,
        STATUSES,
        DateFilter::Instant(surgical_case::Column::ScheduledStart),
        zone(&caller.tenant),
    )?;
    if let Some(is_emergency) = filter.is_emergency {
        query = query.filter(surgical_case::Column::IsEmergency.eq(is_emergency));
    }
    if let Some(surgeon) = filter.primary_surgeon_id {
        query = query.filter(surgical_case::Column::PrimarySurgeonId.eq(surgeon));
    }
    order_page::<surgical_case::Entity, _>(
        &state,
        &caller,
        KIND,
        query,
        &page,
        &approval,
        SORT_FIELDS,
        RECORDED,
        SurgicalCaseView::new,
    )
    .await
}

/// Create a surgical case (CLINICIAN, ADMIN)
#[utoipa::path(
    tag = "surgical-cases",
    request_body = CreateSurgicalCase,
    responses(
        (status = 201, description = "The new surgical case.", body = SurgicalCaseView,
            headers(("Location" = String), ("ETag" = String))),
        CreateProblems
    )
)]
#[post("/surgical-cases")]
pub async fn create_surgical_case(
    caller: Caller,
    state: web::Data<AppState>,
    ValidJson(body): ValidJson<CreateSurgicalCase>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let tenant_id = caller.tenant_id();
    each_code("procedure_codes", &body.procedure_codes, cpt_hcpcs)?;
    each_code("diagnosis_codes", &body.diagnosis_codes, icd10)?;
    reference::<patient::Entity, _>(&state.db, tenant_id, "patient_id", body.patient_id).await?;
    reference::<provider::Entity, _>(
        &state.db,
        tenant_id,
        "primary_surgeon_id",
        body.primary_surgeon_id,
    )
    .await?;
    let now = db::now();
    let day = local_date(zone(&caller.tenant), body.scheduled_start)
        .format("%Y%m%d")
        .to_string();
    let model = insert_numbered(&state.db, tenant_id, "SURG", &day, |number| {
        surgical_case::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tenant_id),
            case_number: Set(format!("SURG-{day}-{number:04}")),
            patient_id: Set(body.patient_id),
            primary_surgeon_id: Set(body.primary_surgeon_id),
            primary_procedure: Set(body.primary_procedure.trim().to_owned()),
            procedure_codes: Set(codes_json(&body.procedure_codes)),
            diagnosis: Set(body.diagnosis.trim().to_owned()),
            diagnosis_codes: Set(codes_json(&body.diagnosis_codes)),
            clinical_notes: Set(body.clinical_notes.map(|n| n.trim().to_owned())),
            scheduled_start: Set(db::micros(body.scheduled_start)),
            service_date: Set(Some(local_date(zone(&caller.tenant), body.scheduled_start))),
            is_emergency: Set(body.is_emergency),
            status: Set("SCHEDULED".to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
    })
    .await?;
    let location = format!("/api/v1/surgical-cases/{}", model.id);
    Ok(created(
        location,
        model.version,
        &view(&state, &caller, model).await?,
    ))
}

/// Get a surgical case
#[utoipa::path(
    tag = "surgical-cases",
    params(("id" = Uuid, Path, description = "The surgical case's id.")),
    responses(
        (status = 200, description = "The surgical case.", body = SurgicalCaseView, headers(("ETag" = String))),
        ReadProblems
    )
)]
#[get("/surgical-cases/{id}")]
pub async fn get_surgical_case(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let model =
        find_in_tenant::<surgical_case::Entity, _>(&state.db, caller.tenant_id(), *id).await?;
    let version = model.version;
    Ok(ok(version, &view(&state, &caller, model).await?))
}

/// Change a surgical case (CLINICIAN, ADMIN)
///
/// A JSON merge patch; `status` moves along SCHEDULED → CONFIRMED → PREP → IN_PROGRESS →
/// COMPLETED (DELAYED and POSTPONED on the way, CANCELLED before IN_PROGRESS), and a move the
/// lifecycle does not allow answers 409 with the allowed statuses.
#[utoipa::path(
    tag = "surgical-cases",
    params(
        ("id" = Uuid, Path, description = "The surgical case's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    request_body(content = UpdateSurgicalCase, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated surgical case.", body = SurgicalCaseView, headers(("ETag" = String))),
        UpdateProblems
    )
)]
#[patch("/surgical-cases/{id}")]
pub async fn update_surgical_case(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    ValidJson(patch): ValidJson<UpdateSurgicalCase>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let tenant_id = caller.tenant_id();
    let mut model = find_in_tenant::<surgical_case::Entity, _>(&state.db, tenant_id, *id).await?;
    let with_if_match =
        LIFECYCLE.open_for_patch(&model.status, model.version, if_match, &patch.patient_id)?;
    let mut changes: surgical_case::ActiveModel = Default::default();
    if let Some(status) = LIFECYCLE.next(&model.status, patch.status)? {
        model.status = status;
        changes.status = Set(model.status.clone());
    }
    if let Some(value) = patch.primary_surgeon_id {
        let surgeon_id = required("primary_surgeon_id", value)?;
        reference::<provider::Entity, _>(&state.db, tenant_id, "primary_surgeon_id", surgeon_id)
            .await?;
        model.primary_surgeon_id = surgeon_id;
        changes.primary_surgeon_id = Set(surgeon_id);
    }
    if let Some(value) = patch.primary_procedure {
        model.primary_procedure = required("primary_procedure", value)?.trim().to_owned();
        changes.primary_procedure = Set(model.primary_procedure.clone());
    }
    if let Some(value) = patch.procedure_codes {
        let codes = value.unwrap_or_default();
        each_code("procedure_codes", &codes, cpt_hcpcs)?;
        model.procedure_codes = codes_json(&codes);
        changes.procedure_codes = Set(model.procedure_codes.clone());
    }
    if let Some(value) = patch.diagnosis {
        model.diagnosis = required("diagnosis", value)?.trim().to_owned();
        changes.diagnosis = Set(model.diagnosis.clone());
    }
    if let Some(value) = patch.diagnosis_codes {
        let codes = value.unwrap_or_default();
        each_code("diagnosis_codes", &codes, icd10)?;
        model.diagnosis_codes = codes_json(&codes);
        changes.diagnosis_codes = Set(model.diagnosis_codes.clone());
    }
    if let Some(value) = patch.clinical_notes {
        model.clinical_notes = value.map(|n| n.trim().to_owned());
        changes.clinical_notes = Set(model.clinical_notes.clone());
    }
    if let Some(value) = patch.scheduled_start {
        model.scheduled_start = db::micros(required("scheduled_start", value)?);
        model.service_date = Some(local_date(zone(&caller.tenant), model.scheduled_start));
        changes.scheduled_start = Set(model.scheduled_start);
        changes.service_date = Set(model.service_date);
    }
    if let Some(value) = patch.is_emergency {
        model.is_emergency = required("is_emergency", value)?;
        changes.is_emergency = Set(model.is_emergency);
    }
    save_patch(&state.db, tenant_id, &mut model, with_if_match, changes).await?;
    Ok(ok(model.version, &view(&state, &caller, model).await?))
}

/// Delete a surgical case (CLINICIAN, ADMIN)
///
/// Refused with 409 `order_in_use` while approval requests refer to the case: cancel it instead.
#[utoipa::path(
    tag = "surgical-cases",
    params(
        ("id" = Uuid, Path, description = "The surgical case's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    responses(
        (status = 204, description = "Deleted."),
        DeleteProblems
    )
)]
#[delete("/surgical-cases/{id}")]
pub async fn delete_surgical_case(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    delete_one::<surgical_case::Entity>(
        &caller,
        &state,
        Permission::WriteClinical,
        *id,
        if_match,
        order_in_use,
    )
    .await
}
