//! `/api/v1/prescriptions`: prescriptions of formulary medications, with a recorded payer prior
//! authorization when there is one. CLINICIAN and ADMIN write; every role reads. Numbers are
//! `RX-{tenant code}-{000001}`.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{medication, patient, prescription, provider};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::tenant::{today, zone};
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
    DateFilter, OrderFilter, PRESCRIPTION_LIFECYCLE as LIFECYCLE, insert_numbered, order_in_use,
    reference,
};
use crate::startup::AppState;
use crate::validate::not_blank;

const KIND: OrderKind = OrderKind::Pharmacy;

const RECORDED: fn(&prescription::Model) -> Option<Recorded> = |m: &prescription::Model| {
    Some(Recorded {
        number: m.prior_authorization_number.clone(),
        expiry: m.prior_authorization_expiry,
    })
};

/// The view of one order, with its computed fields.
async fn view(
    state: &AppState,
    caller: &Caller,
    model: prescription::Model,
) -> Result<PrescriptionView, ApiError> {
    decorate_one::<prescription::Entity, _>(
        state,
        caller,
        KIND,
        model,
        RECORDED,
        PrescriptionView::new,
    )
    .await
}

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_prescriptions)
        .service(create_prescription)
        .service(get_prescription)
        .service(update_prescription)
        .service(delete_prescription);
}

/// Where a prescription stands: ACTIVE → DISPENSED → COMPLETED, or CANCELLED; COMPLETED and
/// CANCELLED are final.
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
pub enum PrescriptionStatus {
    Active,
    Dispensed,
    Completed,
    Cancelled,
}

/// A prescription.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-c070-7c77-9f8e-7b8c9d0e1f20", "prescription_number": "RX-GH-000001",
    "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
    "prescriber_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60",
    "medication_id": "0193a4d2-9d40-7f44-8c5b-4e5f6a7b8c90",
    "quantity_prescribed": 2, "quantity_unit": "pen", "diagnosis_code": "M05.79",
    "indication": "Rheumatoid arthritis, methotrexate failure", "date_written": "2026-11-25",
    "prior_authorization_required": true, "prior_authorization_number": null,
    "prior_authorization_expiry": null, "status": "ACTIVE",
    "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1,
    "requires_approval": true, "has_valid_approval": false, "approval_status": "PRIOR_AUTH_REQUIRED", "active_approval": null
}))]
pub struct PrescriptionView {
    pub id: Uuid,
    /// `RX-{tenant code}-{000001}`, gapless per tenant.
    pub prescription_number: String,
    pub patient_id: Uuid,
    pub prescriber_id: Uuid,
    pub medication_id: Uuid,
    /// Above zero, at most three decimals.
    #[serde(serialize_with = "rust_decimal::serde::float::serialize")]
    #[schema(value_type = f64)]
    pub quantity_prescribed: Decimal,
    pub quantity_unit: String,
    /// ICD-10-CM.
    pub diagnosis_code: String,
    pub indication: Option<String>,
    pub date_written: NaiveDate,
    pub prior_authorization_required: bool,
    /// The payer's number of a prior authorization recorded on the prescription.
    pub prior_authorization_number: Option<String>,
    /// Last day that prior authorization is valid.
    pub prior_authorization_expiry: Option<NaiveDate>,
    #[schema(value_type = PrescriptionStatus)]
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-lock version, also sent as `ETag`.
    pub version: i32,
    /// The computed approval fields (DOMAIN.md §3).
    #[serde(flatten)]
    pub approval: ApprovalFields,
}

impl PrescriptionView {
    fn new(m: prescription::Model, approval: ApprovalFields) -> Self {
        Self {
            approval,
            id: m.id,
            prescription_number: m.prescription_number,
            patient_id: m.patient_id,
            prescriber_id: m.prescriber_id,
            medication_id: m.medication_id,
            quantity_prescribed: m.quantity_prescribed.normalize(),
            quantity_unit: m.quantity_unit,
            diagnosis_code: m.diagnosis_code,
            indication: m.indication,
            date_written: m.date_written,
            prior_authorization_required: m.prior_authorization_required,
            prior_authorization_number: m.prior_authorization_number,
            prior_authorization_expiry: m.prior_authorization_expiry,
            status: m.status,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// A new prescription; it starts ACTIVE.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
    "prescriber_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60",
    "medication_id": "0193a4d2-9d40-7f44-8c5b-4e5f6a7b8c90",
    "quantity_prescribed": 2, "quantity_unit": "pen", "diagnosis_code": "M05.79",
    "indication": "Rheumatoid arthritis, methotrexate failure", "date_written": "2026-11-25",
    "prior_authorization_required": true
}))]
pub struct CreatePrescription {
    pub patient_id: Uuid,
    pub prescriber_id: Uuid,
    pub medication_id: Uuid,
    /// Above zero, at most three decimals.
    #[schema(value_type = f64, exclusive_minimum = 0, example = 30)]
    pub quantity_prescribed: Decimal,
    #[validate(length(min = 1, max = 32), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 32, example = "tablet")]
    pub quantity_unit: String,
    #[validate(custom(function = "crate::validate::icd10"))]
    #[schema(example = "M05.79")]
    pub diagnosis_code: String,
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub indication: Option<String>,
    /// Default: today in the tenant's time zone.
    pub date_written: Option<NaiveDate>,
    /// Default false.
    #[serde(default)]
    pub prior_authorization_required: bool,
    /// With `prior_authorization_expiry`: a prior authorization the payer already granted.
    #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 64)]
    pub prior_authorization_number: Option<String>,
    pub prior_authorization_expiry: Option<NaiveDate>,
}

/// Changes to a prescription (JSON merge patch). `status` moves along the lifecycle;
/// `patient_id` cannot change; a COMPLETED or CANCELLED prescription cannot change at all.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"prior_authorization_number": "PA-778812", "prior_authorization_expiry": "2027-05-31"}))]
pub struct UpdatePrescription {
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub patient_id: Option<Option<Uuid>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub prescriber_id: Option<Option<Uuid>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub medication_id: Option<Option<Uuid>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<f64>)]
    pub quantity_prescribed: Option<Option<Decimal>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 32), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>)]
    pub quantity_unit: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(custom(function = "crate::validate::icd10"))]
    #[schema(value_type = Option<String>)]
    pub diagnosis_code: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>)]
    pub indication: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub date_written: Option<Option<NaiveDate>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<bool>)]
    pub prior_authorization_required: Option<Option<bool>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>)]
    pub prior_authorization_number: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub prior_authorization_expiry: Option<Option<NaiveDate>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<PrescriptionStatus>)]
    pub status: Option<Option<PrescriptionStatus>>,
}

/// Filters of the prescription list, beside the common ones.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PrescriptionFilter {
    pub medication_id: Option<Uuid>,
    pub prescriber_id: Option<Uuid>,
    pub prior_authorization_required: Option<bool>,
}

const SORT_FIELDS: &[(&str, prescription::Column)] = &[
    (
        "prescription_number",
        prescription::Column::PrescriptionNumber,
    ),
    ("date_written", prescription::Column::DateWritten),
    ("status", prescription::Column::Status),
    ("created_at", prescription::Column::CreatedAt),
    ("updated_at", prescription::Column::UpdatedAt),
];

const STATUSES: &[&str] = &["ACTIVE", "DISPENSED", "COMPLETED", "CANCELLED"];

/// The largest quantity the schema keeps (numeric(12, 3)).
const MAX_QUANTITY: Decimal = Decimal::from_parts(999_999_999, 0, 0, false, 0);

fn check_quantity(quantity: Decimal) -> Result<Decimal, ApiError> {
    if quantity <= Decimal::ZERO || quantity > MAX_QUANTITY {
        return Err(ApiError::invalid(
            "quantity_prescribed",
            "range",
            "must be above 0 and at most 999999999",
        ));
    }
    if quantity.normalize().scale() > 3 {
        return Err(ApiError::invalid(
            "quantity_prescribed",
            "precision",
            "must have at most three decimals",
        ));
    }
    Ok(quantity.normalize())
}

/// A recorded prior authorization has both its number and its expiry, or neither.
fn check_prior_authorization(
    number: Option<&String>,
    expiry: Option<NaiveDate>,
) -> Result<(), ApiError> {
    match (number, expiry) {
        (Some(_), None) => Err(ApiError::invalid(
            "prior_authorization_expiry",
            "required",
            "is required with prior_authorization_number",
        )),
        (None, Some(_)) => Err(ApiError::invalid(
            "prior_authorization_number",
            "required",
            "is required with prior_authorization_expiry",
        )),
        _ => Ok(()),
    }
}

/// List prescriptions
///
/// Sort on `prescription_number`, `date_written`, `status`, `created_at`, `updated_at`.
/// `from`/`to` apply to `date_written`.
#[utoipa::path(
    tag = "prescriptions",
    params(ListParams, OrderFilter, PrescriptionFilter, ApprovalFilter),
    responses(
        (status = 200, description = "A page of prescriptions.", body = Page<PrescriptionView>),
        ListProblems
    )
)]
#[get("/prescriptions")]
pub async fn list_prescriptions(
    caller: Caller,
    state: web::Data<AppState>,
    page: Query<ListParams>,
    common: Query<OrderFilter>,
    filter: Query<PrescriptionFilter>,
    approval: Query<ApprovalFilter>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let mut query = common.apply(
        scoped::<prescription::Entity>(caller.tenant_id()),
        prescription::Column::PatientId,
        prescription::Column::Status,
        STATUSES,
        DateFilter::Date(prescription::Column::DateWritten),
        zone(&caller.tenant),
    )?;
    if let Some(medication_id) = filter.medication_id {
        query = query.filter(prescription::Column::MedicationId.eq(medication_id));
    }
    if let Some(prescriber_id) = filter.prescriber_id {
        query = query.filter(prescription::Column::PrescriberId.eq(prescriber_id));
    }
    if let Some(required) = filter.prior_authorization_required {
        query = query.filter(prescription::Column::PriorAuthorizationRequired.eq(required));
    }
    order_page::<prescription::Entity, _>(
        &state,
        &caller,
        KIND,
        query,
        &page,
        &approval,
        SORT_FIELDS,
        RECORDED,
        PrescriptionView::new,
    )
    .await
}

/// Create a prescription (CLINICIAN, ADMIN)
#[utoipa::path(
    tag = "prescriptions",
    request_body = CreatePrescription,
    responses(
        (status = 201, description = "The new prescription.", body = PrescriptionView,
            headers(("Location" = String), ("ETag" = String))),
        CreateProblems
    )
)]
#[post("/prescriptions")]
pub async fn create_prescription(
    caller: Caller,
    state: web::Data<AppState>,
    ValidJson(body): ValidJson<CreatePrescription>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let tenant_id = caller.tenant_id();
    let quantity = check_quantity(body.quantity_prescribed)?;
    check_prior_authorization(
        body.prior_authorization_number.as_ref(),
        body.prior_authorization_expiry,
    )?;
    reference::<patient::Entity, _>(&state.db, tenant_id, "patient_id", body.patient_id).await?;
    reference::<provider::Entity, _>(&state.db, tenant_id, "prescriber_id", body.prescriber_id)
        .await?;
    reference::<medication::Entity, _>(&state.db, tenant_id, "medication_id", body.medication_id)
        .await?;
    let now = db::now();
    let code = caller.tenant.code.clone();
    let date_written = body.date_written.unwrap_or_else(|| today(&caller.tenant));
    let model = insert_numbered(&state.db, tenant_id, "RX", "", |number| {
        prescription::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tenant_id),
            prescription_number: Set(format!("RX-{code}-{number:06}")),
            patient_id: Set(body.patient_id),
            prescriber_id: Set(body.prescriber_id),
            medication_id: Set(body.medication_id),
            quantity_prescribed: Set(quantity),
            quantity_unit: Set(body.quantity_unit.trim().to_owned()),
            diagnosis_code: Set(body.diagnosis_code),
            indication: Set(body.indication.map(|i| i.trim().to_owned())),
            date_written: Set(date_written),
            prior_authorization_required: Set(body.prior_authorization_required),
            prior_authorization_number: Set(body
                .prior_authorization_number
                .map(|n| n.trim().to_owned())),
            prior_authorization_expiry: Set(body.prior_authorization_expiry),
            status: Set("ACTIVE".to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
    })
    .await?;
    let location = format!("/api/v1/prescriptions/{}", model.id);
    Ok(created(
        location,
        model.version,
        &view(&state, &caller, model).await?,
    ))
}

/// Get a prescription
#[utoipa::path(
    tag = "prescriptions",
    params(("id" = Uuid, Path, description = "The prescription's id.")),
    responses(
        (status = 200, description = "The prescription.", body = PrescriptionView, headers(("ETag" = String))),
        ReadProblems
    )
)]
#[get("/prescriptions/{id}")]
pub async fn get_prescription(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let model =
        find_in_tenant::<prescription::Entity, _>(&state.db, caller.tenant_id(), *id).await?;
    let version = model.version;
    Ok(ok(version, &view(&state, &caller, model).await?))
}

/// Change a prescription (CLINICIAN, ADMIN)
///
/// A JSON merge patch; `status` moves along ACTIVE → DISPENSED → COMPLETED (or CANCELLED), and a
/// move the lifecycle does not allow answers 409 with the allowed statuses.
#[utoipa::path(
    tag = "prescriptions",
    params(
        ("id" = Uuid, Path, description = "The prescription's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    request_body(content = UpdatePrescription, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated prescription.", body = PrescriptionView, headers(("ETag" = String))),
        UpdateProblems
    )
)]
#[patch("/prescriptions/{id}")]
pub async fn update_prescription(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    ValidJson(patch): ValidJson<UpdatePrescription>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let tenant_id = caller.tenant_id();
    let mut model = find_in_tenant::<prescription::Entity, _>(&state.db, tenant_id, *id).await?;
    let with_if_match =
        LIFECYCLE.open_for_patch(&model.status, model.version, if_match, &patch.patient_id)?;
    let mut changes: prescription::ActiveModel = Default::default();
    if let Some(status) = LIFECYCLE.next(&model.status, patch.status)? {
        model.status = status;
        changes.status = Set(model.status.clone());
    }
    if let Some(value) = patch.prescriber_id {
        let prescriber_id = required("prescriber_id", value)?;
        reference::<provider::Entity, _>(&state.db, tenant_id, "prescriber_id", prescriber_id)
            .await?;
        model.prescriber_id = prescriber_id;
        changes.prescriber_id = Set(prescriber_id);
    }
    if let Some(value) = patch.medication_id {
        let medication_id = required("medication_id", value)?;
        reference::<medication::Entity, _>(&state.db, tenant_id, "medication_id", medication_id)
            .await?;
        model.medication_id = medication_id;
        changes.medication_id = Set(medication_id);
    }
    if let Some(value) = patch.quantity_prescribed {
        model.quantity_prescribed = check_quantity(required("quantity_prescribed", value)?)?;
        changes.quantity_prescribed = Set(model.quantity_prescribed);
    }
    if let Some(value) = patch.quantity_unit {
        model.quantity_unit = required("quantity_unit", value)?.trim().to_owned();
        changes.quantity_unit = Set(model.quantity_unit.clone());
    }
    if let Some(value) = patch.diagnosis_code {
        model.diagnosis_code = required("diagnosis_code", value)?;
        changes.diagnosis_code = Set(model.diagnosis_code.clone());
    }
    if let Some(value) = patch.indication {
        model.indication = value.map(|i| i.trim().to_owned());
        changes.indication = Set(model.indication.clone());
    }
    if let Some(value) = patch.date_written {
        model.date_written = required("date_written", value)?;
        changes.date_written = Set(model.date_written);
    }
    if let Some(value) = patch.prior_authorization_required {
        model.prior_authorization_required = required("prior_authorization_required", value)?;
        changes.prior_authorization_required = Set(model.prior_authorization_required);
    }
    if let Some(value) = patch.prior_authorization_number {
        model.prior_authorization_number = value.map(|n| n.trim().to_owned());
        changes.prior_authorization_number = Set(model.prior_authorization_number.clone());
    }
    if let Some(value) = patch.prior_authorization_expiry {
        model.prior_authorization_expiry = value;
        changes.prior_authorization_expiry = Set(model.prior_authorization_expiry);
    }
    check_prior_authorization(
        model.prior_authorization_number.as_ref(),
        model.prior_authorization_expiry,
    )?;
    save_patch(&state.db, tenant_id, &mut model, with_if_match, changes).await?;
    Ok(ok(model.version, &view(&state, &caller, model).await?))
}

/// Delete a prescription (CLINICIAN, ADMIN)
///
/// Refused with 409 `order_in_use` while approval requests refer to it: cancel it instead.
#[utoipa::path(
    tag = "prescriptions",
    params(
        ("id" = Uuid, Path, description = "The prescription's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    responses(
        (status = 204, description = "Deleted."),
        DeleteProblems
    )
)]
#[delete("/prescriptions/{id}")]
pub async fn delete_prescription(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    delete_one::<prescription::Entity>(
        &caller,
        &state,
        Permission::WriteClinical,
        *id,
        if_match,
        order_in_use,
    )
    .await
}
