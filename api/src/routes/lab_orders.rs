//! `/api/v1/lab-orders`: laboratory orders and their tests. CLINICIAN and ADMIN write; every
//! role reads. Numbers are `LAB-{tenant code}-{000001}`.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use entity::{lab_order, patient, provider};
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
use crate::list::{ListParams, Page, values};
use crate::openapi::*;
use crate::orders::{
    DateFilter, OrderFilter, SERVICE_ORDER_LIFECYCLE as LIFECYCLE, insert_numbered, local_date,
    order_in_use, reference,
};
use crate::startup::AppState;
use crate::validate::not_blank;

const KIND: OrderKind = OrderKind::Lab;

const RECORDED: fn(&lab_order::Model) -> Option<Recorded> = |_| None;

/// The view of one order, with its computed fields.
async fn view(
    state: &AppState,
    caller: &Caller,
    model: lab_order::Model,
) -> Result<LabOrderView, ApiError> {
    decorate_one::<lab_order::Entity, _>(state, caller, KIND, model, RECORDED, LabOrderView::new)
        .await
}

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_lab_orders)
        .service(create_lab_order)
        .service(get_lab_order)
        .service(update_lab_order)
        .service(delete_lab_order);
}

/// How soon a lab order is needed.
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
pub enum LabPriority {
    #[default]
    Routine,
    Urgent,
    Stat,
}

/// Where a lab or imaging order stands: PENDING → SCHEDULED → IN_PROGRESS → COMPLETED, or
/// CANCELLED; COMPLETED and CANCELLED are final.
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
pub enum ServiceOrderStatus {
    Pending,
    Scheduled,
    InProgress,
    Completed,
    Cancelled,
}

/// One test of a lab order.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"test_name": "Hemoglobin A1c", "cpt_code": "83036"}))]
pub struct LabTest {
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 200)]
    pub test_name: String,
    /// CPT/HCPCS code, when the test has one.
    #[validate(custom(function = "crate::validate::cpt_hcpcs"))]
    #[schema(pattern = "^([0-9]{4}[0-9A-Z]|[A-V][0-9]{4})$")]
    #[serde(default)]
    pub cpt_code: Option<String>,
}

/// A lab order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-ae50-7a55-9d6c-5f6a7b8c9d00", "order_number": "LAB-GH-000001",
    "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
    "ordering_provider_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60",
    "tests": [{"test_name": "Hemoglobin A1c", "cpt_code": "83036"}, {"test_name": "Lipid panel", "cpt_code": "80061"}],
    "diagnosis_code": "E11.9", "clinical_indication": "Type 2 diabetes follow-up",
    "collection_datetime": "2026-11-26T08:00:00Z", "priority": "ROUTINE", "status": "PENDING",
    "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1,
    "requires_approval": true, "has_valid_approval": false, "approval_status": "APPROVAL_REQUIRED", "active_approval": null
}))]
pub struct LabOrderView {
    pub id: Uuid,
    /// `LAB-{tenant code}-{000001}`, gapless per tenant.
    pub order_number: String,
    pub patient_id: Uuid,
    pub ordering_provider_id: Uuid,
    #[schema(value_type = Vec<LabTest>)]
    pub tests: serde_json::Value,
    /// ICD-10-CM.
    pub diagnosis_code: String,
    pub clinical_indication: String,
    pub collection_datetime: Option<DateTime<Utc>>,
    #[schema(value_type = LabPriority)]
    pub priority: String,
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

impl LabOrderView {
    fn new(m: lab_order::Model, approval: ApprovalFields) -> Self {
        Self {
            approval,
            id: m.id,
            order_number: m.order_number,
            patient_id: m.patient_id,
            ordering_provider_id: m.ordering_provider_id,
            tests: m.tests,
            diagnosis_code: m.diagnosis_code,
            clinical_indication: m.clinical_indication,
            collection_datetime: m.collection_datetime,
            priority: m.priority,
            status: m.status,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// A new lab order; it starts PENDING.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
    "ordering_provider_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60",
    "tests": [{"test_name": "Hemoglobin A1c", "cpt_code": "83036"}, {"test_name": "Lipid panel", "cpt_code": "80061"}],
    "diagnosis_code": "E11.9", "clinical_indication": "Type 2 diabetes follow-up",
    "collection_datetime": "2026-11-26T08:00:00Z", "priority": "ROUTINE"
}))]
pub struct CreateLabOrder {
    pub patient_id: Uuid,
    pub ordering_provider_id: Uuid,
    /// 1 to 50 tests.
    #[validate(length(min = 1, max = 50), nested)]
    #[schema(min_items = 1, max_items = 50)]
    pub tests: Vec<LabTest>,
    #[validate(custom(function = "crate::validate::icd10"))]
    #[schema(example = "E11.9")]
    pub diagnosis_code: String,
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub clinical_indication: String,
    pub collection_datetime: Option<DateTime<Utc>>,
    /// Default ROUTINE.
    #[serde(default)]
    pub priority: LabPriority,
}

/// Changes to a lab order (JSON merge patch). `status` moves along the lifecycle;
/// `patient_id` cannot change; a COMPLETED or CANCELLED order cannot change at all.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "SCHEDULED", "collection_datetime": "2026-11-27T08:30:00Z"}))]
pub struct UpdateLabOrder {
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub patient_id: Option<Option<Uuid>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub ordering_provider_id: Option<Option<Uuid>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 50), nested)]
    #[schema(value_type = Option<Vec<LabTest>>)]
    pub tests: Option<Option<Vec<LabTest>>>,
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
    pub collection_datetime: Option<Option<DateTime<Utc>>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<LabPriority>)]
    pub priority: Option<Option<LabPriority>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<ServiceOrderStatus>)]
    pub status: Option<Option<ServiceOrderStatus>>,
}

/// Filters of the lab order list, beside the common ones.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LabOrderFilter {
    /// One or several priorities, comma-separated.
    #[param(example = "URGENT,STAT")]
    pub priority: Option<String>,
    pub ordering_provider_id: Option<Uuid>,
}

const SORT_FIELDS: &[(&str, lab_order::Column)] = &[
    ("order_number", lab_order::Column::OrderNumber),
    ("collection_datetime", lab_order::Column::CollectionDatetime),
    ("priority", lab_order::Column::Priority),
    ("status", lab_order::Column::Status),
    ("created_at", lab_order::Column::CreatedAt),
    ("updated_at", lab_order::Column::UpdatedAt),
];

const STATUSES: &[&str] = &[
    "PENDING",
    "SCHEDULED",
    "IN_PROGRESS",
    "COMPLETED",
    "CANCELLED",
];

fn tests_json(tests: &[LabTest]) -> serde_json::Value {
    serde_json::to_value(tests).unwrap_or_default()
}

/// List lab orders
///
/// Sort on `order_number`, `collection_datetime`, `priority`, `status`, `created_at`,
/// `updated_at`. `from`/`to` apply to `collection_datetime`.
#[utoipa::path(
    tag = "lab-orders",
    params(ListParams, OrderFilter, LabOrderFilter, ApprovalFilter),
    responses(
        (status = 200, description = "A page of lab orders.", body = Page<LabOrderView>),
        ListProblems
    )
)]
#[get("/lab-orders")]
pub async fn list_lab_orders(
    caller: Caller,
    state: web::Data<AppState>,
    page: Query<ListParams>,
    common: Query<OrderFilter>,
    filter: Query<LabOrderFilter>,
    approval: Query<ApprovalFilter>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let mut query = common.apply(
        scoped::<lab_order::Entity>(caller.tenant_id()),
        lab_order::Column::PatientId,
        lab_order::Column::Status,
        STATUSES,
        DateFilter::Instant(lab_order::Column::CollectionDatetime),
        zone(&caller.tenant),
    )?;
    let priorities = values("priority", filter.priority.as_deref(), |v| {
        v.parse::<LabPriority>().ok()
    })?;
    if !priorities.is_empty() {
        query =
            query.filter(lab_order::Column::Priority.is_in(priorities.iter().map(AsRef::as_ref)));
    }
    if let Some(provider) = filter.ordering_provider_id {
        query = query.filter(lab_order::Column::OrderingProviderId.eq(provider));
    }
    order_page::<lab_order::Entity, _>(
        &state,
        &caller,
        KIND,
        query,
        &page,
        &approval,
        SORT_FIELDS,
        RECORDED,
        LabOrderView::new,
    )
    .await
}

/// Create a lab order (CLINICIAN, ADMIN)
#[utoipa::path(
    tag = "lab-orders",
    request_body = CreateLabOrder,
    responses(
        (status = 201, description = "The new lab order.", body = LabOrderView,
            headers(("Location" = String), ("ETag" = String))),
        CreateProblems
    )
)]
#[post("/lab-orders")]
pub async fn create_lab_order(
    caller: Caller,
    state: web::Data<AppState>,
    ValidJson(body): ValidJson<CreateLabOrder>,
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
    let model = insert_numbered(&state.db, tenant_id, "LAB", "", |number| {
        lab_order::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tenant_id),
            order_number: Set(format!("LAB-{code}-{number:06}")),
            patient_id: Set(body.patient_id),
            ordering_provider_id: Set(body.ordering_provider_id),
            tests: Set(tests_json(&body.tests)),
            diagnosis_code: Set(body.diagnosis_code),
            clinical_indication: Set(body.clinical_indication.trim().to_owned()),
            collection_datetime: Set(body.collection_datetime.map(db::micros)),
            service_date: Set(body.collection_datetime.map(|at| local_date(zone, at))),
            priority: Set(body.priority.as_ref().to_owned()),
            status: Set("PENDING".to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
    })
    .await?;
    let location = format!("/api/v1/lab-orders/{}", model.id);
    Ok(created(
        location,
        model.version,
        &view(&state, &caller, model).await?,
    ))
}

/// Get a lab order
#[utoipa::path(
    tag = "lab-orders",
    params(("id" = Uuid, Path, description = "The lab order's id.")),
    responses(
        (status = 200, description = "The lab order.", body = LabOrderView, headers(("ETag" = String))),
        ReadProblems
    )
)]
#[get("/lab-orders/{id}")]
pub async fn get_lab_order(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let model = find_in_tenant::<lab_order::Entity, _>(&state.db, caller.tenant_id(), *id).await?;
    let version = model.version;
    Ok(ok(version, &view(&state, &caller, model).await?))
}

/// Change a lab order (CLINICIAN, ADMIN)
///
/// A JSON merge patch; `status` moves along PENDING → SCHEDULED → IN_PROGRESS → COMPLETED (or
/// CANCELLED), and a move the lifecycle does not allow answers 409 with the allowed statuses.
#[utoipa::path(
    tag = "lab-orders",
    params(
        ("id" = Uuid, Path, description = "The lab order's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    request_body(content = UpdateLabOrder, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated lab order.", body = LabOrderView, headers(("ETag" = String))),
        UpdateProblems
    )
)]
#[patch("/lab-orders/{id}")]
pub async fn update_lab_order(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    ValidJson(patch): ValidJson<UpdateLabOrder>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let tenant_id = caller.tenant_id();
    let mut model = find_in_tenant::<lab_order::Entity, _>(&state.db, tenant_id, *id).await?;
    let with_if_match =
        LIFECYCLE.open_for_patch(&model.status, model.version, if_match, &patch.patient_id)?;
    let mut changes: lab_order::ActiveModel = Default::default();
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
    if let Some(value) = patch.tests {
        model.tests = tests_json(&required("tests", value)?);
        changes.tests = Set(model.tests.clone());
    }
    if let Some(value) = patch.diagnosis_code {
        model.diagnosis_code = required("diagnosis_code", value)?;
        changes.diagnosis_code = Set(model.diagnosis_code.clone());
    }
    if let Some(value) = patch.clinical_indication {
        model.clinical_indication = required("clinical_indication", value)?.trim().to_owned();
        changes.clinical_indication = Set(model.clinical_indication.clone());
    }
    if let Some(value) = patch.collection_datetime {
        model.collection_datetime = value.map(db::micros);
        model.service_date = model
            .collection_datetime
            .map(|at| local_date(zone(&caller.tenant), at));
        changes.collection_datetime = Set(model.collection_datetime);
        changes.service_date = Set(model.service_date);
    }
    if let Some(value) = patch.priority {
        model.priority = required("priority", value)?.as_ref().to_owned();
        changes.priority = Set(model.priority.clone());
    }
    save_patch(&state.db, tenant_id, &mut model, with_if_match, changes).await?;
    Ok(ok(model.version, &view(&state, &caller, model).await?))
}

/// Delete a lab order (CLINICIAN, ADMIN)
///
/// Refused with 409 `order_in_use` while approval requests refer to the order: cancel it instead.
#[utoipa::path(
    tag = "lab-orders",
    params(
        ("id" = Uuid, Path, description = "The lab order's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    responses(
        (status = 204, description = "Deleted."),
        DeleteProblems
    )
)]
#[delete("/lab-orders/{id}")]
pub async fn delete_lab_order(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    delete_one::<lab_order::Entity>(
        &caller,
        &state,
        Permission::WriteClinical,
        *id,
        if_match,
        order_in_use,
    )
    .await
}
