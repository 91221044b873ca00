//! `/api/v1/prescriptions`: prescriptions of formulary medications, with a recorded payer prior
//! authorization when there is one. CLINICIAN and ADMIN write; every role reads. Numbers are
//! `RX-{tenant code}-{000001}`.

use chrono::NaiveDate;
use entity::{medication, prescription, provider};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, QueryFilter, Set};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{Active, Context, DateFilter, OrderKindRules, Rows, Target, check_people};
use crate::base::error::Error;
use crate::data::db::reference;
use crate::domain::orders::lifecycle::PrescriptionStatus;
use crate::domain::validate::not_blank;
use crate::http::required;
use crate::request::problem::ApiError;
use crate::{order_patch, order_view};

order_view! {
    /// A prescription.
    #[schema(example = json!({
        "id": "0193a4d2-c070-7c77-9f8e-7b8c9d0e1f20", "prescription_number": "RX-GH-000001",
        "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
        "patient": {"id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70", "mrn": "MRN-000123", "name": "Maria Lopez"},
        "prescriber_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60",
        "medication_id": "0193a4d2-9d40-7f44-8c5b-4e5f6a7b8c90",
        "quantity_prescribed": 2, "quantity_unit": "pen", "diagnosis_code": "M05.79",
        "indication": "Rheumatoid arthritis, methotrexate failure", "date_written": "2026-11-25",
        "prior_authorization_required": true, "prior_authorization_number": null,
        "prior_authorization_expiry": null, "status": "ACTIVE",
        "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1,
        "requires_approval": true, "has_valid_approval": false, "approval_status": "PRIOR_AUTH_REQUIRED", "active_approval": null
    }))]
    pub struct PrescriptionView from prescription::Model, status PrescriptionStatus, number prescription_number = "`RX-{tenant code}-{000001}`, gapless per tenant." {
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
    #[schema(
        example = "M05.79",
        max_length = 8,
        pattern = r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$"
    )]
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

order_patch! {
    /// Changes to a prescription (JSON merge patch). `status` moves along the lifecycle;
    /// `patient_id` cannot change; a COMPLETED or CANCELLED prescription cannot change at all.
    #[schema(example = json!({"prior_authorization_number": "PA-778812", "prior_authorization_expiry": "2027-05-31"}))]
    pub struct UpdatePrescription, status PrescriptionStatus {
        prescriber_id: Uuid,
        medication_id: Uuid,
        quantity_prescribed: Decimal,
        #[validate(length(min = 1, max = 32), custom(function = "not_blank"))]
        #[schema(min_length = 1, max_length = 32)]
        quantity_unit: String,
        #[validate(custom(function = "crate::domain::validate::icd10"))]
        #[schema(max_length = 8, pattern = r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")]
        diagnosis_code: String,
        #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
        #[schema(min_length = 1, max_length = 2000)]
        indication: String,
        date_written: NaiveDate,
        prior_authorization_required: bool,
        #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
        #[schema(min_length = 1, max_length = 64)]
        prior_authorization_number: String,
        prior_authorization_expiry: NaiveDate,
    }
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

/// Prescriptions in the order family (their types and routes are in `shells`).
#[derive(Debug)]
pub struct Prescriptions;

impl OrderKindRules for Prescriptions {
    const SORT_FIELDS: &'static [(&'static str, prescription::Column)] =
        &[("date_written", prescription::Column::DateWritten)];
    const DATE: DateFilter<prescription::Column> =
        DateFilter::Date(prescription::Column::DateWritten);

    fn filter(mut query: Rows<Self>, filter: &PrescriptionFilter) -> Result<Rows<Self>, ApiError> {
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

    async fn build(at: &Context<'_>, body: CreatePrescription) -> Result<Active<Self>, Error> {
        check_quantity(body.quantity_prescribed)?;
        check_prior_authorization(
            body.prior_authorization_number.as_ref(),
            body.prior_authorization_expiry,
        )?;
        let provider = ("prescriber_id", body.prescriber_id);
        check_people(at.state, at.tenant_id, body.patient_id, provider).await?;
        reference::<medication::Entity, _>(
            &at.state.db,
            at.tenant_id,
            "medication_id",
            body.medication_id,
        )
        .await?;
        Ok(prescription::ActiveModel {
            patient_id: Set(body.patient_id),
            prescriber_id: Set(body.prescriber_id),
            medication_id: Set(body.medication_id),
            quantity_prescribed: Set(check_quantity(body.quantity_prescribed)?),
            quantity_unit: Set(body.quantity_unit.trim().to_owned()),
            diagnosis_code: Set(body.diagnosis_code),
            indication: Set(body.indication.map(|i| i.trim().to_owned())),
            date_written: Set(body.date_written.unwrap_or(at.today)),
            prior_authorization_required: Set(body.prior_authorization_required),
            prior_authorization_number: Set(body
                .prior_authorization_number
                .map(|n| n.trim().to_owned())),
            prior_authorization_expiry: Set(body.prior_authorization_expiry),
            ..Default::default()
        })
    }

    async fn merge(target: Target<'_, Self>, patch: UpdatePrescription) -> Result<(), Error> {
        let at = target.at;
        crate::merge_patch!(patch => target.model, target.changes, at.state, at.tenant_id; {
            prescriber_id: reference(provider::Entity),
            medication_id: reference(medication::Entity),
        });
        if let Some(value) = patch.quantity_prescribed {
            target.model.quantity_prescribed =
                check_quantity(required("quantity_prescribed", value)?)?;
            target.changes.quantity_prescribed = Set(target.model.quantity_prescribed);
        }
        crate::merge_patch!(patch => target.model, target.changes, at.state, at.tenant_id; {
            quantity_unit: text,
            diagnosis_code: value,
            indication: optional_text,
            date_written: value,
            prior_authorization_required: value,
            prior_authorization_number: optional_text,
            prior_authorization_expiry: optional,
        });
        check_prior_authorization(
            target.model.prior_authorization_number.as_ref(),
            target.model.prior_authorization_expiry,
        )
    }
}
