//! `/api/v1/imaging-orders`: radiology orders. CLINICIAN and ADMIN write; every role reads.
//! Numbers are `IMG-{tenant code}-{000001}`.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use entity::{imaging_order, patient, provider};
use sea_orm::{ColumnTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::lab_orders::ServiceOrderStatus;
use super::tenant::zone;
use super::{created, decorate_one, delete_one, ok, order_page, required};
use crate::approval::fields::{ApprovalFields, ApprovalFilter, Recorded};
use crate::approval::prefill::OrderKind;
use crate::auth::{Caller, Permission};
use crate::db::{self, find_in_tenant, save_patch, scoped};
use crate::error::ApiError;
use crate::extract::{IfMatch, Query, ValidJson};
use crate::list::{ListParams, Page, values};
use crate::openapi::*;
use crate::orders::{
    DateFilter, OrderFilter, SERVICE_ORDER_LIFECYCLE as LIFECYCLE, insert_numbered, local_date,
    order_in_use, reference,
};
use crate::startup::AppState;
use crate::validate::not_blank;

const KIND: OrderKind = OrderKind::Imaging;

const RECORDED: fn(&imaging_order::Model) -> Option<Recorded> = |_| None;

/// The view of one order, with its computed fields.
async fn view(
    state: &AppState,
    caller: &Caller,
    model: imaging_order::Model,
) -> Result<ImagingOrderView, ApiError> {
    decorate_one::<imaging_order::Entity, _>(
        state,
        caller,
        KIND,
        model,
        RECORDED,
        ImagingOrderView::new,
    )
    .await
}

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_imaging_orders)
        .service(create_imaging_order)
        .service(get_imaging_order)
        .service(update_imaging_order)
        .service(delete_imaging_order);
}

/// DICOM modality of the study.
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
pub enum Modality {
    /// Computed radiography.
    Cr,
    /// Computed tomography.
    Ct,
    /// Magnetic resonance.
    Mr,
    /// Ultrasound.
    Us,
    /// Nuclear medicine.
    Nm,
    /// Positron emission tomography.
    Pet,
    /// Mammography.
    Mg,
    /// Fluoroscopy.
    Fl,
    /// X-ray angiography.
    Xa,
    /// Digital radiography.
    Dx,
}

/// An imaging order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-bf60-7b66-8e7d-6a7b8c9d0e10", "order_number": "IMG-GH-000001",
    "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
    "ordering_provider_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60",
    "modality": "MR", "study_description": "MRI brain with and without contrast", "body_part": "Brain",
    "diagnosis_code": "G43.909", "clinical_indication": "Refractory migraine with new aura",
    "requested_datetime": "2026-11-28T14:00:00Z", "is_stat": false, "status": "PENDING",
    "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1,
    "requires_approval": true, "has_valid_approval": false, "approval_status": "SUBMITTED", "active_approval": null
}))]
pub struct ImagingOrderView {
    pub id: Uuid,
    /// `IMG-{tenant code}-{000001}`, gapless per tenant.
    pub order_number: String,
    pub patient_id: Uuid,
    pub ordering_provider_id: Uuid,
    #[schema(value_type = Modality)]
    pub modality: String,
    pub study_description: String,
    pub body_part: String,
    /// ICD-10-CM.
    pub diagnosis_code: String,
    pub clinical_indication: String,
    pub requested_datetime: Option<DateTime<Utc>>,
    pub is_stat: bool,
    #[schema(value_type = ServiceOrderStatus)]
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-lock version, also sent as `ETag`.
    pub version: i32,
    /// The computed approval fields (DOMAIN.md §3).
    #[serde(flatten)]
    pub approval: ApprovalFields,
}

impl ImagingOrderView {
    fn new(m: imaging_order::Model, approval: ApprovalFields) -> Self {
        Self {
            approval,
            id: m.id,
            order_number: m.order_number,
            patient_id: m.patient_id,
            ordering_provider_id: m.ordering_provider_id,
            modality: m.modality,
            study_description: m.study_description,
            body_part: m.body_part,
            diagnosis_code: m.diagnosis_code,
            clinical_indication: m.clinical_indication,
            requested_datetime: m.requested_datetime,
            is_stat: m.is_stat,
            status: m.status,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// A new imaging order; it starts PENDING.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
    "ordering_provider_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60",
    "modality": "MR", "study_description": "MRI brain with and without contrast", "body_part": "Brain",
    "diagnosis_code": "G43.909", "clinical_indication": "Refractory migraine with new aura",
    "requested_datetime": "2026-11-28T14:00:00Z", "is_stat": false
}))]
pub struct CreateImagingOrder {
    pub patient_id: Uuid,
    pub ordering_provider_id: Uuid,
    pub modality: Modality,
    #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 500)]
    pub study_description: String,
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 100)]
    pub body_part: String,
    #[validate(custom(function = "crate::validate::icd10"))]
    #[schema(example = "G43.909")]
    pub diagnosis_code: String,
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub clinical_indication: String,
    pub requested_datetime: Option<DateTime<Utc>>,
    /// Default false.
    #[serde(default)]
    pub is_stat: bool,
}

/// Changes to an imaging order (JSON merge patch). `status` moves along the lifecycle;
/// `patient_id` cannot change; a COMPLETED or CANCELLED order cannot change at all.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "SCHEDULED", "requested_datetime": "2026-11-29T09:00:00Z"}))]
pub struct UpdateImagingOrder {
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub patient_id: Option<Option<Uuid>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub ordering_provider_id: Option<Option<Uuid>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Modality>)]
    pub modality: Option<Option<Modality>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>)]
    pub study_description: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>)]
    pub body_part: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(custom(function = "crate::validate::icd10"))]
    #[schema(value_type = Option<String>)]
    pub diagnosis_code: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>)]
    pub clinical_indication: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub requested_datetime: Option<Option<DateTime<Utc>>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<bool>)]
    pub is_stat: Option<Option<bool>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<ServiceOrderStatus>)]
    pub status: Option<Option<ServiceOrderStatus>>,
}

/// Filters of the imaging order list, beside the common ones.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImagingOrderFilter {
    /// One or several modalities, comma-separated.
    #[param(example = "CT,MR")]
    pub modality: Option<String>,
    pub is_stat: Option<bool>,
    pub ordering_provider_id: Option<Uuid>,
}

const SORT_FIELDS: &[(&str, imaging_order::Column)] = &[
    ("order_number", imaging_order::Column::OrderNumber),
    (
        "requested_datetime",
        imaging_order::Column::RequestedDatetime,
    ),
    ("modality", imaging_order::Column::Modality),
    ("status", imaging_order::Column::Status),
    ("created_at", imaging_order::Column::CreatedAt),
    ("updated_at", imaging_order::Column::UpdatedAt),
];

const STATUSES: &[&str] = &[
    "PENDING",
    "SCHEDULED",
    "IN_PROGRESS",
    "COMPLETED",
    "CANCELLED",
];

/// List imaging orders
///
/// Sort on `order_number`, `requested_datetime`, `modality`, `status`, `created_at`,
/// `updated_at`. `from`/`to` apply to `requested_datetime`.
#[utoipa::path(
    tag = "imaging-orders",
    params(ListParams, OrderFilter, ImagingOrderFilter, ApprovalFilter),
    responses(
        (status = 200, description = "A page of imaging orders.", body = Page<ImagingOrderView>),
        ListProblems
    )
)]
#[get("/imaging-orders")]
pub async fn list_imaging_orders(
    caller: Caller,
    state: web::Data<AppState>,
    page: Query<ListParams>,
    common: Query<OrderFilter>,
    filter: Query<ImagingOrderFilter>,
    approval: Query<ApprovalFilter>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let mut query = common.apply(
        scoped::<imaging_order::Entity>(caller.tenant_id()),
        imaging_order::Column::PatientId,
        imaging_order::Column::Status,
        STATUSES,
        DateFilter::Instant(imaging_order::Column::RequestedDatetime),
        zone(&caller.tenant),
    )?;
    let modalities = values("modality", filter.modality.as_deref(), |v| {
        v.parse::<Modality>().ok()
    })?;
    if !modalities.is_empty() {
        query = query
            .filter(imaging_order::Column::Modality.is_in(modalities.iter().map(AsRef::as_ref)));
    }
    if let Some(is_stat) = filter.is_stat {
        query = query.filter(imaging_order::Column::IsStat.eq(is_stat));
    }
    if let Some(provider) = filter.ordering_provider_id {
        query = query.filter(imaging_order::Column::OrderingProviderId.eq(provider));
    }
    order_page::<imaging_order::Entity, _>(
        &state,
        &caller,
        KIND,
        query,
        &page,
        &approval,
        SORT_FIELDS,
        RECORDED,
        ImagingOrderView::new,
    )
    .await
}

/// Create an imaging order (CLINICIAN, ADMIN)
#[utoipa::path(
    tag = "imaging-orders",
    request_body = CreateImagingOrder,
    responses(
        (status = 201, description = "The new imaging order.", body = ImagingOrderView,
            headers(("Location" = String), ("ETag" = String))),
        CreateProblems
    )
)]
#[post("/imaging-orders")]
pub async fn create_imaging_order(
    caller: Caller,
    state: web::Data<AppState>,
    ValidJson(body): ValidJson<CreateImagingOrder>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let tenant_id = caller.tenant_id();
    reference::<patient::Entity, _>(&state.db, tenant_id, "patient_id", body.patient_id).await?;
    reference::<provider::Entity, _>(
        &state.db,
        tenant_id,
        "ordering_provider_id",
        body.ordering_provider_id,
    )
    .await?;
    let now = db::now();
    let code = caller.tenant.code.clone();
    let zone = zone(&caller.tenant);
    let model = insert_numbered(&state.db, tenant_id, "IMG", "", |number| {
        imaging_order::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tenant_id),
            order_number: Set(format!("IMG-{code}-{number:06}")),
            patient_id: Set(body.patient_id),
            ordering_provider_id: Set(body.ordering_provider_id),
            modality: Set(body.modality.as_ref().to_owned()),
            study_description: Set(body.study_description.trim().to_owned()),
            body_part: Set(body.body_part.trim().to_owned()),
            diagnosis_code: Set(body.diagnosis_code),
            clinical_indication: Set(body.clinical_indication.trim().to_owned()),
            requested_datetime: Set(body.requested_datetime.map(db::micros)),
            service_date: Set(body.requested_datetime.map(|at| local_date(zone, at))),
            is_stat: Set(body.is_stat),
            status: Set("PENDING".to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
    })
    .await?;
    let location = format!("/api/v1/imaging-orders/{}", model.id);
    Ok(created(
        location,
        model.version,
        &view(&state, &caller, model).await?,
    ))
}

/// Get an imaging order
#[utoipa::path(
    tag = "imaging-orders",
    params(("id" = Uuid, Path, description = "The imaging order's id.")),
    responses(
        (status = 200, description = "The imaging order.", body = ImagingOrderView, headers(("ETag" = String))),
        ReadProblems
    )
)]
#[get("/imaging-orders/{id}")]
pub async fn get_imaging_order(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let model =
        find_in_tenant::<imaging_order::Entity, _>(&state.db, caller.tenant_id(), *id).await?;
    let version = model.version;
    Ok(ok(version, &view(&state, &caller, model).await?))
}

/// Change an imaging order (CLINICIAN, ADMIN)
///
/// A JSON merge patch; `status` moves along PENDING → SCHEDULED → IN_PROGRESS → COMPLETED (or
/// CANCELLED), and a move the lifecycle does not allow answers 409 with the allowed statuses.
#[utoipa::path(
    tag = "imaging-orders",
    params(
        ("id" = Uuid, Path, description = "The imaging order's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    request_body(content = UpdateImagingOrder, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated imaging order.", body = ImagingOrderView, headers(("ETag" = String))),
        UpdateProblems
    )
)]
#[patch("/imaging-orders/{id}")]
pub async fn update_imaging_order(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    ValidJson(patch): ValidJson<UpdateImagingOrder>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let tenant_id = caller.tenant_id();
    let mut model = find_in_tenant::<imaging_order::Entity, _>(&state.db, tenant_id, *id).await?;
    let with_if_match =
        LIFECYCLE.open_for_patch(&model.status, model.version, if_match, &patch.patient_id)?;
    let mut changes: imaging_order::ActiveModel = Default::default();
    if let Some(status) = LIFECYCLE.next(&model.status, patch.status)? {
        model.status = status;
        changes.status = Set(model.status.clone());
    }
    if let Some(value) = patch.ordering_provider_id {
        let provider_id = required("ordering_provider_id", value)?;
        reference::<provider::Entity, _>(&state.db, tenant_id, "ordering_provider_id", provider_id)
            .await?;
        model.ordering_provider_id = provider_id;
        changes.ordering_provider_id = Set(provider_id);
    }
    if let Some(value) = patch.modality {
        model.modality = required("modality", value)?.as_ref().to_owned();
        changes.modality = Set(model.modality.clone());
    }
    if let Some(value) = patch.study_description {
        model.study_description = required("study_description", value)?.trim().to_owned();
        changes.study_description = Set(model.study_description.clone());
    }
    if let Some(value) = patch.body_part {
        model.body_part = required("body_part", value)?.trim().to_owned();
        changes.body_part = Set(model.body_part.clone());
    }
    if let Some(value) = patch.diagnosis_code {
        model.diagnosis_code = required("diagnosis_code", value)?;
        changes.diagnosis_code = Set(model.diagnosis_code.clone());
    }
    if let Some(value) = patch.clinical_indication {
        model.clinical_indication = required("clinical_indication", value)?.trim().to_owned();
        changes.clinical_indication = Set(model.clinical_indication.clone());
    }
    if let Some(value) = patch.requested_datetime {
        model.requested_datetime = value.map(db::micros);
        model.service_date = model
            .requested_datetime
            .map(|at| local_date(zone(&caller.tenant), at));
        changes.requested_datetime = Set(model.requested_datetime);
        changes.service_date = Set(model.service_date);
    }
    if let Some(value) = patch.is_stat {
        model.is_stat = required("is_stat", value)?;
        changes.is_stat = Set(model.is_stat);
    }
    save_patch(&state.db, tenant_id, &mut model, with_if_match, changes).await?;
    Ok(ok(model.version, &view(&state, &caller, model).await?))
}

/// Delete an imaging order (CLINICIAN, ADMIN)
///
/// Refused with 409 `order_in_use` while approval requests refer to the order: cancel it instead.
#[utoipa::path(
    tag = "imaging-orders",
    params(
        ("id" = Uuid, Path, description = "The imaging order's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    responses(
        (status = 204, description = "Deleted."),
        DeleteProblems
    )
)]
#[delete("/imaging-orders/{id}")]
pub async fn delete_imaging_order(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    delete_one::<imaging_order::Entity>(
        &caller,
        &state,
        Permission::WriteClinical,
        *id,
        if_match,
        order_in_use,
    )
    .await
}
