//! `/api/v1/surgical-cases`: operating-theatre bookings. CLINICIAN and ADMIN write; every role
//! reads. Numbers are `SURG-{YYYYMMDD}-{0001}`, per tenant and day of `scheduled_start` in the
//! tenant's time zone; a case keeps its number when it moves to another day.

use chrono::{DateTime, Utc};
use entity::{provider, surgical_case};
use sea_orm::{ColumnTrait, QueryFilter, Set};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{Active, Context, DateFilter, OrderKindRules, Rows, Target, check_people};
use crate::base::clock::local_date;
use crate::base::error::Error;
use crate::domain::orders::lifecycle::SurgicalCaseStatus;
use crate::domain::orders::service_date;
use crate::domain::validate::{
    DiagnosisCode, ProcedureCode, cpt_hcpcs, each_code, icd10, not_blank,
};
use crate::request::problem::ApiError;
use crate::{order_patch, order_view};

order_view! {
    /// A surgical case.
    #[schema(example = json!({
        "id": "0193a4d2-d180-7d88-8a9f-8c9d0e1f2a30", "case_number": "SURG-20261203-0001",
        "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
        "patient": {"id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70", "mrn": "MRN-000123", "name": "Maria Lopez"},
        "primary_surgeon_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60",
        "primary_procedure": "Total knee arthroplasty, right", "procedure_codes": ["27447"],
        "diagnosis": "Primary osteoarthritis, right knee", "diagnosis_codes": ["M17.11"],
        "clinical_notes": "Failed 6 months of conservative therapy",
        "scheduled_start": "2026-12-03T13:00:00Z", "is_emergency": false, "status": "SCHEDULED",
        "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1,
        "requires_approval": false, "has_valid_approval": true, "approval_status": "APPROVED", "active_approval": {"id": "0193a4d2-e290-7e99-9b0a-9d0e1f2a3b40", "approval_number": "APR-GH-000001", "authorization_number": "AUTH-99812", "status": "APPROVED", "effective_date": "2026-11-25", "expiration_date": "2027-02-28", "approved_quantity": 1, "source": "REQUEST"}
    }))]
    pub struct SurgicalCaseView from surgical_case::Model, status SurgicalCaseStatus, number case_number = "`SURG-{YYYYMMDD}-{0001}`, gapless per tenant and day." {
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
    #[schema(value_type = Vec<ProcedureCode>, max_items = 20)]
    pub procedure_codes: Vec<String>,
    #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 500)]
    pub diagnosis: String,
    /// Up to 20 ICD-10-CM codes.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(value_type = Vec<DiagnosisCode>, max_items = 20)]
    pub diagnosis_codes: Vec<String>,
    #[validate(length(min = 1, max = 4000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub clinical_notes: Option<String>,
    pub scheduled_start: DateTime<Utc>,
    /// Default false. An emergency case may proceed before its (retrospective) approval.
    #[serde(default)]
    pub is_emergency: bool,
}

order_patch! {
    /// Changes to a surgical case (JSON merge patch). `status` moves along the lifecycle;
    /// `patient_id` cannot change; a COMPLETED or CANCELLED case cannot change at all.
    #[schema(example = json!({"status": "CONFIRMED"}))]
    pub struct UpdateSurgicalCase, status SurgicalCaseStatus {
        primary_surgeon_id: Uuid,
        #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
        #[schema(min_length = 1, max_length = 500)]
        primary_procedure: String,
        #[validate(length(max = 20))]
        #[schema(max_items = 20)]
        procedure_codes: Vec<String> as Vec<ProcedureCode>,
        #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
        #[schema(min_length = 1, max_length = 500)]
        diagnosis: String,
        #[validate(length(max = 20))]
        #[schema(max_items = 20)]
        diagnosis_codes: Vec<String> as Vec<DiagnosisCode>,
        #[validate(length(min = 1, max = 4000), custom(function = "not_blank"))]
        #[schema(min_length = 1, max_length = 4000)]
        clinical_notes: String,
        scheduled_start: DateTime<Utc>,
        is_emergency: bool,
    }
}

/// Filters of the surgical case list, beside the common ones.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SurgicalCaseFilter {
    pub is_emergency: Option<bool>,
    pub primary_surgeon_id: Option<Uuid>,
}

/// Surgical cases in the order family (their types and routes are in `shells`).
#[derive(Debug)]
pub struct SurgicalCases;

impl OrderKindRules for SurgicalCases {
    const SORT_FIELDS: &'static [(&'static str, surgical_case::Column)] =
        &[("scheduled_start", surgical_case::Column::ScheduledStart)];
    const DATE: DateFilter<surgical_case::Column> =
        DateFilter::Instant(surgical_case::Column::ScheduledStart);

    fn filter(mut query: Rows<Self>, filter: &SurgicalCaseFilter) -> Result<Rows<Self>, ApiError> {
        if let Some(is_emergency) = filter.is_emergency {
            query = query.filter(surgical_case::Column::IsEmergency.eq(is_emergency));
        }
        if let Some(surgeon) = filter.primary_surgeon_id {
            query = query.filter(surgical_case::Column::PrimarySurgeonId.eq(surgeon));
        }
        Ok(query)
    }

    fn number_day(body: &CreateSurgicalCase, zone: chrono_tz::Tz) -> Option<String> {
        Some(
            local_date(zone, body.scheduled_start)
                .format("%Y%m%d")
                .to_string(),
        )
    }

    async fn build(at: &Context<'_>, body: CreateSurgicalCase) -> Result<Active<Self>, Error> {
        each_code("procedure_codes", &body.procedure_codes, cpt_hcpcs)?;
        each_code("diagnosis_codes", &body.diagnosis_codes, icd10)?;
        let surgeon = ("primary_surgeon_id", body.primary_surgeon_id);
        check_people(at.state, at.tenant_id, body.patient_id, surgeon).await?;
        Ok(surgical_case::ActiveModel {
            patient_id: Set(body.patient_id),
            primary_surgeon_id: Set(body.primary_surgeon_id),
            primary_procedure: Set(body.primary_procedure.trim().to_owned()),
            procedure_codes: Set(serde_json::Value::from(body.procedure_codes)),
            diagnosis: Set(body.diagnosis.trim().to_owned()),
            diagnosis_codes: Set(serde_json::Value::from(body.diagnosis_codes)),
            clinical_notes: Set(body.clinical_notes.map(|n| n.trim().to_owned())),
            scheduled_start: Set(crate::base::clock::micros(body.scheduled_start)),
            service_date: Set(service_date(at.zone, Some(body.scheduled_start))),
            is_emergency: Set(body.is_emergency),
            ..Default::default()
        })
    }

    async fn merge(target: Target<'_, Self>, patch: UpdateSurgicalCase) -> Result<(), Error> {
        let at = target.at;
        crate::merge_patch!(patch => target.model, target.changes, at.state, at.tenant_id; {
            primary_surgeon_id: reference(provider::Entity),
            primary_procedure: text,
            procedure_codes: codes(cpt_hcpcs),
            diagnosis: text,
            diagnosis_codes: codes(icd10),
            clinical_notes: optional_text,
            scheduled_start: required_service_instant(at.zone),
            is_emergency: value,
        });
        Ok(())
    }
}
