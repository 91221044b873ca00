//! `/api/v1/imaging-orders`: radiology orders. CLINICIAN and ADMIN write; every role reads.
//! Numbers are `IMG-{tenant code}-{000001}`.

use chrono::{DateTime, Utc};
use entity::{imaging_order, provider};
use sea_orm::{ColumnTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{Active, Context, DateFilter, OrderKindRules, Rows, Target, check_people};
use crate::base::error::Error;
use crate::domain::orders::lifecycle::ServiceOrderStatus;
use crate::domain::orders::service_date;
use crate::domain::validate::{ProcedureCode, cpt_hcpcs, each_code, not_blank};
use crate::request::list::values;
use crate::request::problem::ApiError;
use crate::{order_patch, order_view};

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
    strum::EnumIter,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Modality {
    Cr,
    Ct,
    Mr,
    Us,
    Nm,
    Pet,
    Mg,
    Fl,
    Xa,
    Dx,
}

impl crate::domain::labels::Labelled for Modality {
    fn label(&self) -> &'static str {
        match self {
            Self::Cr => "Computed radiography",
            Self::Ct => "Computed tomography",
            Self::Mr => "Magnetic resonance",
            Self::Us => "Ultrasound",
            Self::Nm => "Nuclear medicine",
            Self::Pet => "Positron emission tomography",
            Self::Mg => "Mammography",
            Self::Fl => "Fluoroscopy",
            Self::Xa => "X-ray angiography",
            Self::Dx => "Digital radiography",
        }
    }
}

order_view! {
    /// An imaging order.
    #[schema(example = json!({
        "id": "0193a4d2-bf60-7b66-8e7d-6a7b8c9d0e10", "order_number": "IMG-GH-000001",
        "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
        "patient": {"id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70", "mrn": "MRN-000123", "name": "Maria Lopez"},
        "ordering_provider_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60",
        "modality": "MR", "study_description": "MRI brain with and without contrast", "body_part": "Brain",
        "diagnosis_code": "G43.909", "clinical_indication": "Refractory migraine with new aura",
        "requested_datetime": "2026-11-28T14:00:00Z", "is_stat": false, "cpt_codes": ["70553"], "status": "PENDING",
        "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1,
        "requires_approval": true, "has_valid_approval": false, "approval_status": "SUBMITTED", "active_approval": null
    }))]
    pub struct ImagingOrderView from imaging_order::Model, status ServiceOrderStatus, number order_number = "`IMG-{tenant code}-{000001}`, gapless per tenant." {
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
    /// CPT/HCPCS codes of the study (payers ask for them; a request filled from the order
    /// takes them as its procedure codes).
    #[schema(value_type = Vec<String>)]
    pub cpt_codes: serde_json::Value,
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
    "requested_datetime": "2026-11-28T14:00:00Z", "is_stat": false, "cpt_codes": ["70553"]
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
    #[validate(custom(function = "crate::domain::validate::icd10"))]
    #[schema(
        example = "G43.909",
        max_length = 8,
        pattern = r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$"
    )]
    pub diagnosis_code: String,
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub clinical_indication: String,
    pub requested_datetime: Option<DateTime<Utc>>,
    /// Default false.
    #[serde(default)]
    pub is_stat: bool,
    /// Up to 20 CPT/HCPCS codes of the study, e.g. `70553`.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(value_type = Vec<ProcedureCode>, max_items = 20, example = json!(["70553"]))]
    pub cpt_codes: Vec<String>,
}

order_patch! {
    /// Changes to an imaging order (JSON merge patch). `status` moves along the lifecycle;
    /// `patient_id` cannot change; a COMPLETED or CANCELLED order cannot change at all.
    #[schema(example = json!({"status": "SCHEDULED", "requested_datetime": "2026-11-29T09:00:00Z"}))]
    pub struct UpdateImagingOrder, status ServiceOrderStatus {
        ordering_provider_id: Uuid,
        modality: Modality,
        #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
        #[schema(min_length = 1, max_length = 500)]
        study_description: String,
        #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
        #[schema(min_length = 1, max_length = 100)]
        body_part: String,
        #[validate(custom(function = "crate::domain::validate::icd10"))]
        #[schema(max_length = 8, pattern = r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")]
        diagnosis_code: String,
        #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
        #[schema(min_length = 1, max_length = 2000)]
        clinical_indication: String,
        requested_datetime: DateTime<Utc>,
        is_stat: bool,
        #[validate(length(max = 20))]
        #[schema(max_items = 20)]
        cpt_codes: Vec<String> as Vec<ProcedureCode>,
    }
}

/// Filters of the imaging order list, beside the common ones.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImagingOrderFilter {
    /// One or several modalities, comma-separated.
    #[param(value_type = Option<Vec<Modality>>, style = Form, explode = false, min_items = 1)]
    pub modality: Option<String>,
    pub is_stat: Option<bool>,
    pub ordering_provider_id: Option<Uuid>,
}

/// Imaging orders in the order family (their types and routes are in `shells`).
#[derive(Debug)]
pub struct ImagingOrders;

impl OrderKindRules for ImagingOrders {
    const SORT_FIELDS: &'static [(&'static str, imaging_order::Column)] = &[
        (
            "requested_datetime",
            imaging_order::Column::RequestedDatetime,
        ),
        ("modality", imaging_order::Column::Modality),
    ];
    const DATE: DateFilter<imaging_order::Column> =
        DateFilter::Instant(imaging_order::Column::RequestedDatetime);

    fn filter(mut query: Rows<Self>, filter: &ImagingOrderFilter) -> Result<Rows<Self>, ApiError> {
        let modalities = values("modality", filter.modality.as_deref(), |v| {
            v.parse::<Modality>().ok()
        })?;
        if !modalities.is_empty() {
            query = query.filter(
                imaging_order::Column::Modality.is_in(modalities.iter().map(AsRef::as_ref)),
            );
        }
        if let Some(is_stat) = filter.is_stat {
            query = query.filter(imaging_order::Column::IsStat.eq(is_stat));
        }
        if let Some(provider) = filter.ordering_provider_id {
            query = query.filter(imaging_order::Column::OrderingProviderId.eq(provider));
        }
        Ok(query)
    }

    async fn build(at: &Context<'_>, body: CreateImagingOrder) -> Result<Active<Self>, Error> {
        each_code("cpt_codes", &body.cpt_codes, cpt_hcpcs)?;
        let provider = ("ordering_provider_id", body.ordering_provider_id);
        check_people(at.state, at.tenant_id, body.patient_id, provider).await?;
        Ok(imaging_order::ActiveModel {
            patient_id: Set(body.patient_id),
            ordering_provider_id: Set(body.ordering_provider_id),
            modality: Set(body.modality.as_ref().to_owned()),
            study_description: Set(body.study_description.trim().to_owned()),
            body_part: Set(body.body_part.trim().to_owned()),
            diagnosis_code: Set(body.diagnosis_code),
            clinical_indication: Set(body.clinical_indication.trim().to_owned()),
            requested_datetime: Set(body.requested_datetime.map(crate::base::clock::micros)),
            service_date: Set(service_date(at.zone, body.requested_datetime)),
            is_stat: Set(body.is_stat),
            cpt_codes: Set(serde_json::Value::from(body.cpt_codes)),
            ..Default::default()
        })
    }

    async fn merge(target: Target<'_, Self>, patch: UpdateImagingOrder) -> Result<(), Error> {
        let at = target.at;
        crate::merge_patch!(patch => target.model, target.changes, at.state, at.tenant_id; {
            ordering_provider_id: reference(provider::Entity),
            modality: variant,
            study_description: text,
            body_part: text,
            diagnosis_code: value,
            clinical_indication: text,
            requested_datetime: service_instant(at.zone),
            is_stat: value,
            cpt_codes: codes(cpt_hcpcs),
        });
        Ok(())
    }
}
