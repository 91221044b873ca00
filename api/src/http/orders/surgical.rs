//! `/api/v1/surgical-cases`: operating-theatre bookings. CLINICIAN and ADMIN write; every role
//! reads. Numbers are `SURG-{YYYYMMDD}-{0001}`, per tenant and day of `scheduled_start` in the
//! tenant's time zone; a case keeps its number when it moves to another day.

use actix_web::{delete, get, patch, post};
use chrono::{DateTime, Utc};
use entity::{patient, provider, surgical_case};
use sea_orm::{ColumnTrait, QueryFilter, Select, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{ApprovalFilter, DateFilter, NewOrder, OrderFilter, OrderResource};
use crate::base::clock::local_date;
use crate::base::error::Error;
use crate::base::state::AppState;
use crate::data::db::reference;
use crate::domain::approval::fields::ApprovalFields;
use crate::domain::orders::lifecycle::SurgicalCaseStatus;
use crate::domain::orders::{OrderKind, service_date};
use crate::domain::validate::{cpt_hcpcs, each_code, icd10, not_blank};
use crate::http::problems::*;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::{IfMatch, Query, ValidJson};
use crate::request::list::{ListParams, Page};
use crate::request::problem::ApiError;

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

/// Surgical cases as a resource of the order family.
#[derive(Debug)]
pub struct SurgicalCases;

impl OrderResource for SurgicalCases {
    const KIND: OrderKind = OrderKind::Surgery;
    type Entity = surgical_case::Entity;
    type Model = surgical_case::Model;
    type Active = surgical_case::ActiveModel;
    type Status = SurgicalCaseStatus;
    type View = SurgicalCaseView;
    type Create = CreateSurgicalCase;
    type Update = UpdateSurgicalCase;
    type Filter = SurgicalCaseFilter;

    const SORT_FIELDS: &'static [(&'static str, surgical_case::Column)] = &[
        ("case_number", surgical_case::Column::CaseNumber),
        ("scheduled_start", surgical_case::Column::ScheduledStart),
        ("status", surgical_case::Column::Status),
        ("created_at", surgical_case::Column::CreatedAt),
        ("updated_at", surgical_case::Column::UpdatedAt),
    ];
    const PATIENT: surgical_case::Column = surgical_case::Column::PatientId;
    const STATUS: surgical_case::Column = surgical_case::Column::Status;
    const DATE: DateFilter<surgical_case::Column> =
        DateFilter::Instant(surgical_case::Column::ScheduledStart);

    fn view(model: surgical_case::Model, approval: ApprovalFields) -> SurgicalCaseView {
        SurgicalCaseView::new(model, approval)
    }

    fn status(model: &surgical_case::Model) -> &str {
        &model.status
    }

    fn status_mut(model: &mut surgical_case::Model) -> &mut String {
        &mut model.status
    }

    fn filter(
        mut query: Select<surgical_case::Entity>,
        filter: &SurgicalCaseFilter,
    ) -> Result<Select<surgical_case::Entity>, ApiError> {
        if let Some(is_emergency) = filter.is_emergency {
            query = query.filter(surgical_case::Column::IsEmergency.eq(is_emergency));
        }
        if let Some(surgeon) = filter.primary_surgeon_id {
            query = query.filter(surgical_case::Column::PrimarySurgeonId.eq(surgeon));
        }
        Ok(query)
    }

    async fn check_create(
        state: &AppState,
        tenant_id: Uuid,
        body: &CreateSurgicalCase,
    ) -> Result<(), Error> {
        each_code("procedure_codes", &body.procedure_codes, cpt_hcpcs)?;
        each_code("diagnosis_codes", &body.diagnosis_codes, icd10)?;
        reference::<patient::Entity, _>(&state.db, tenant_id, "patient_id", body.patient_id)
            .await?;
        reference::<provider::Entity, _>(
            &state.db,
            tenant_id,
            "primary_surgeon_id",
            body.primary_surgeon_id,
        )
        .await?;
        Ok(())
    }

    fn number_day(body: &CreateSurgicalCase, zone: chrono_tz::Tz) -> Option<String> {
        Some(
            local_date(zone, body.scheduled_start)
                .format("%Y%m%d")
                .to_string(),
        )
    }

    fn build(body: CreateSurgicalCase, new: NewOrder) -> Result<surgical_case::ActiveModel, Error> {
        Ok(surgical_case::ActiveModel {
            id: Set(new.id),
            tenant_id: Set(new.tenant_id),
            case_number: Set(new.number),
            patient_id: Set(body.patient_id),
            primary_surgeon_id: Set(body.primary_surgeon_id),
            primary_procedure: Set(body.primary_procedure.trim().to_owned()),
            procedure_codes: Set(serde_json::Value::from(body.procedure_codes)),
            diagnosis: Set(body.diagnosis.trim().to_owned()),
            diagnosis_codes: Set(serde_json::Value::from(body.diagnosis_codes)),
            clinical_notes: Set(body.clinical_notes.map(|n| n.trim().to_owned())),
            scheduled_start: Set(crate::base::clock::micros(body.scheduled_start)),
            service_date: Set(service_date(new.zone, Some(body.scheduled_start))),
            is_emergency: Set(body.is_emergency),
            status: Set(SurgicalCaseStatus::Scheduled.as_ref().to_owned()),
            created_at: Set(new.now),
            updated_at: Set(new.now),
            version: Set(1),
        })
    }

    fn patch_patient(patch: &UpdateSurgicalCase) -> &Option<Option<Uuid>> {
        &patch.patient_id
    }

    fn patch_status(patch: &UpdateSurgicalCase) -> Option<Option<SurgicalCaseStatus>> {
        patch.status
    }

    async fn merge(
        state: &AppState,
        tenant_id: Uuid,
        zone: chrono_tz::Tz,
        model: &mut surgical_case::Model,
        changes: &mut surgical_case::ActiveModel,
        patch: UpdateSurgicalCase,
    ) -> Result<(), Error> {
        crate::merge_patch!(patch => model, changes, state, tenant_id; {
            primary_surgeon_id: reference(provider::Entity),
            primary_procedure: text,
            procedure_codes: codes(cpt_hcpcs),
            diagnosis: text,
            diagnosis_codes: codes(icd10),
            clinical_notes: optional_text,
            scheduled_start: required_service_instant(zone),
            is_emergency: value,
        });
        Ok(())
    }
}

crate::order_handlers! {
    resource: SurgicalCases,
    tag: "surgical-cases",
    collection: "/surgical-cases",
    item: "/surgical-cases/{id}",
    id: "The surgical case's id.",
    view: SurgicalCaseView,
    create_body: CreateSurgicalCase,
    update_body: UpdateSurgicalCase,
    filter: SurgicalCaseFilter,
    page_doc: "A page of surgical cases.",
    new_doc: "The new surgical case.",
    one_doc: "The surgical case.",
    updated_doc: "The updated surgical case.",
    /// List surgical cases
    ///
    /// Sort on `case_number`, `scheduled_start`, `status`, `created_at`, `updated_at`. `from`/`to`
    /// apply to `scheduled_start`.
    list: list_surgical_cases,
    /// Create a surgical case (CLINICIAN, ADMIN)
    create: create_surgical_case,
    /// Get a surgical case
    get: get_surgical_case,
    /// Change a surgical case (CLINICIAN, ADMIN)
    ///
    /// A JSON merge patch; `status` moves along SCHEDULED → CONFIRMED → PREP → IN_PROGRESS →
    /// COMPLETED (DELAYED and POSTPONED on the way, CANCELLED before IN_PROGRESS), and a move the
    /// lifecycle does not allow answers 409 with the allowed statuses.
    update: update_surgical_case,
    /// Delete a surgical case (CLINICIAN, ADMIN)
    ///
    /// Refused with 409 `order_in_use` while approval requests refer to the case: cancel it instead.
    delete: delete_surgical_case,
}
