//! `/api/v1/prescriptions`: prescriptions of formulary medications, with a recorded payer prior
//! authorization when there is one. CLINICIAN and ADMIN write; every role reads. Numbers are
//! `RX-{tenant code}-{000001}`.

use actix_web::{delete, get, patch, post};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{medication, patient, prescription, provider};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, QueryFilter, Select, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{ApprovalFilter, DateFilter, NewOrder, OrderFilter, OrderResource};
use crate::base::error::Error;
use crate::base::state::AppState;
use crate::data::db::reference;
use crate::domain::approval::fields::{ApprovalFields, Recorded};
use crate::domain::orders::OrderKind;
use crate::domain::orders::lifecycle::PrescriptionStatus;
use crate::domain::validate::not_blank;
use crate::http::problems::*;
use crate::http::required;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::{IfMatch, Query, ValidJson};
use crate::request::list::{ListParams, Page};
use crate::request::problem::ApiError;

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
    #[validate(custom(function = "crate::domain::validate::icd10"))]
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
    #[validate(custom(function = "crate::domain::validate::icd10"))]
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

/// The largest quantity the schema keeps (numeric(12, 3)).
const MAX_QUANTITY: Decimal = Decimal::from_parts(999_999_999, 0, 0, false, 0);

fn check_quantity(quantity: Decimal) -> Result<Decimal, Error> {
    if quantity <= Decimal::ZERO || quantity > MAX_QUANTITY {
        return Err(Error::invalid(
            "quantity_prescribed",
            "range",
            "must be above 0 and at most 999999999",
        ));
    }
    if quantity.normalize().scale() > 3 {
        return Err(Error::invalid(
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
) -> Result<(), Error> {
    match (number, expiry) {
        (Some(_), None) => Err(Error::invalid(
            "prior_authorization_expiry",
            "required",
            "is required with prior_authorization_number",
        )),
        (None, Some(_)) => Err(Error::invalid(
            "prior_authorization_number",
            "required",
            "is required with prior_authorization_expiry",
        )),
        _ => Ok(()),
    }
}

/// Prescriptions as a resource of the order family.
#[derive(Debug)]
pub struct Prescriptions;

impl OrderResource for Prescriptions {
    const KIND: OrderKind = OrderKind::Pharmacy;
    type Entity = prescription::Entity;
    type Model = prescription::Model;
    type Active = prescription::ActiveModel;
    type Status = PrescriptionStatus;
    type View = PrescriptionView;
    type Create = CreatePrescription;
    type Update = UpdatePrescription;
    type Filter = PrescriptionFilter;

    const SORT_FIELDS: &'static [(&'static str, prescription::Column)] = &[
        (
            "prescription_number",
            prescription::Column::PrescriptionNumber,
        ),
        ("date_written", prescription::Column::DateWritten),
        ("status", prescription::Column::Status),
        ("created_at", prescription::Column::CreatedAt),
        ("updated_at", prescription::Column::UpdatedAt),
    ];
    const PATIENT: prescription::Column = prescription::Column::PatientId;
    const STATUS: prescription::Column = prescription::Column::Status;
    const DATE: DateFilter<prescription::Column> =
        DateFilter::Date(prescription::Column::DateWritten);

    fn view(model: prescription::Model, approval: ApprovalFields) -> PrescriptionView {
        PrescriptionView::new(model, approval)
    }

    fn status(model: &prescription::Model) -> &str {
        &model.status
    }

    fn status_mut(model: &mut prescription::Model) -> &mut String {
        &mut model.status
    }

    fn recorded(model: &prescription::Model) -> Option<Recorded> {
        Some(Recorded {
            number: model.prior_authorization_number.clone(),
            expiry: model.prior_authorization_expiry,
        })
    }

    fn filter(
        mut query: Select<prescription::Entity>,
        filter: &PrescriptionFilter,
    ) -> Result<Select<prescription::Entity>, ApiError> {
        if let Some(medication_id) = filter.medication_id {
            query = query.filter(prescription::Column::MedicationId.eq(medication_id));
        }
        if let Some(prescriber_id) = filter.prescriber_id {
            query = query.filter(prescription::Column::PrescriberId.eq(prescriber_id));
        }
        if let Some(required) = filter.prior_authorization_required {
            query = query.filter(prescription::Column::PriorAuthorizationRequired.eq(required));
        }
        Ok(query)
    }

    async fn check_create(
        state: &AppState,
        tenant_id: Uuid,
        body: &CreatePrescription,
    ) -> Result<(), Error> {
        check_quantity(body.quantity_prescribed)?;
        check_prior_authorization(
            body.prior_authorization_number.as_ref(),
            body.prior_authorization_expiry,
        )?;
        reference::<patient::Entity, _>(&state.db, tenant_id, "patient_id", body.patient_id)
            .await?;
        reference::<provider::Entity, _>(&state.db, tenant_id, "prescriber_id", body.prescriber_id)
            .await?;
        reference::<medication::Entity, _>(
            &state.db,
            tenant_id,
            "medication_id",
            body.medication_id,
        )
        .await?;
        Ok(())
    }

    fn build(body: CreatePrescription, new: NewOrder) -> Result<prescription::ActiveModel, Error> {
        Ok(prescription::ActiveModel {
            id: Set(new.id),
            tenant_id: Set(new.tenant_id),
            prescription_number: Set(new.number),
            patient_id: Set(body.patient_id),
            prescriber_id: Set(body.prescriber_id),
            medication_id: Set(body.medication_id),
            quantity_prescribed: Set(check_quantity(body.quantity_prescribed)?),
            quantity_unit: Set(body.quantity_unit.trim().to_owned()),
            diagnosis_code: Set(body.diagnosis_code),
            indication: Set(body.indication.map(|i| i.trim().to_owned())),
            date_written: Set(body.date_written.unwrap_or(new.today)),
            prior_authorization_required: Set(body.prior_authorization_required),
            prior_authorization_number: Set(body
                .prior_authorization_number
                .map(|n| n.trim().to_owned())),
            prior_authorization_expiry: Set(body.prior_authorization_expiry),
            status: Set(PrescriptionStatus::Active.as_ref().to_owned()),
            created_at: Set(new.now),
            updated_at: Set(new.now),
            version: Set(1),
        })
    }

    fn patch_patient(patch: &UpdatePrescription) -> &Option<Option<Uuid>> {
        &patch.patient_id
    }

    fn patch_status(patch: &UpdatePrescription) -> Option<Option<PrescriptionStatus>> {
        patch.status
    }

    async fn merge(
        state: &AppState,
        tenant_id: Uuid,
        _zone: chrono_tz::Tz,
        model: &mut prescription::Model,
        changes: &mut prescription::ActiveModel,
        patch: UpdatePrescription,
    ) -> Result<(), Error> {
        crate::merge_patch!(patch => model, changes, state, tenant_id; {
            prescriber_id: reference(provider::Entity),
            medication_id: reference(medication::Entity),
        });
        if let Some(value) = patch.quantity_prescribed {
            model.quantity_prescribed = check_quantity(required("quantity_prescribed", value)?)?;
            changes.quantity_prescribed = Set(model.quantity_prescribed);
        }
        crate::merge_patch!(patch => model, changes, state, tenant_id; {
            quantity_unit: text,
            diagnosis_code: value,
            indication: optional_text,
            date_written: value,
            prior_authorization_required: value,
            prior_authorization_number: optional_text,
            prior_authorization_expiry: optional,
        });
        check_prior_authorization(
            model.prior_authorization_number.as_ref(),
            model.prior_authorization_expiry,
        )
    }
}

crate::order_handlers! {
    resource: Prescriptions,
    tag: "prescriptions",
    collection: "/prescriptions",
    item: "/prescriptions/{id}",
    id: "The prescription's id.",
    view: PrescriptionView,
    create_body: CreatePrescription,
    update_body: UpdatePrescription,
    filter: PrescriptionFilter,
    page_doc: "A page of prescriptions.",
    new_doc: "The new prescription.",
    one_doc: "The prescription.",
    updated_doc: "The updated prescription.",
    /// List prescriptions
    ///
    /// Sort on `prescription_number`, `date_written`, `status`, `created_at`, `updated_at`.
    /// `from`/`to` apply to `date_written`.
    list: list_prescriptions,
    /// Create a prescription (CLINICIAN, ADMIN)
    create: create_prescription,
    /// Get a prescription
    get: get_prescription,
    /// Change a prescription (CLINICIAN, ADMIN)
    ///
    /// A JSON merge patch; `status` moves along ACTIVE → DISPENSED → COMPLETED (or CANCELLED), and a
    /// move the lifecycle does not allow answers 409 with the allowed statuses.
    update: update_prescription,
    /// Delete a prescription (CLINICIAN, ADMIN)
    ///
    /// Refused with 409 `order_in_use` while approval requests refer to it: cancel it instead.
    delete: delete_prescription,
}
