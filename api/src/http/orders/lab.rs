//! `/api/v1/lab-orders`: laboratory orders and their tests. CLINICIAN and ADMIN write; every
//! role reads. Numbers are `LAB-{tenant code}-{000001}`.

use chrono::{DateTime, Utc};
use entity::{lab_order, provider};
use sea_orm::{ColumnTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{Active, Context, DateFilter, OrderKindRules, Rows, Target, check_people};
use crate::base::error::Error;
use crate::domain::orders::lifecycle::ServiceOrderStatus;
use crate::domain::orders::service_date;
use crate::domain::validate::not_blank;
use crate::http::required;
use crate::request::list::values;
use crate::request::problem::ApiError;
use crate::{order_patch, order_view};

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
    strum::EnumIter,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum LabPriority {
    #[default]
    Routine,
    Urgent,
    Stat,
}

impl crate::domain::labels::Labelled for LabPriority {
    fn label(&self) -> &'static str {
        match self {
            Self::Routine => "Routine",
            Self::Urgent => "Urgent",
            Self::Stat => "STAT: needed immediately",
        }
    }
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
    #[validate(custom(function = "crate::domain::validate::cpt_hcpcs"))]
    #[schema(max_length = 5, pattern = "^([0-9]{4}[0-9A-Z]|[A-V][0-9]{4})$")]
    #[serde(default)]
    pub cpt_code: Option<String>,
}

order_view! {
    /// A lab order.
    #[schema(example = json!({
        "id": "0193a4d2-ae50-7a55-9d6c-5f6a7b8c9d00", "order_number": "LAB-GH-000001",
        "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
        "patient": {"id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70", "mrn": "MRN-000123", "name": "Maria Lopez"},
        "ordering_provider_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60",
        "tests": [{"test_name": "Hemoglobin A1c", "cpt_code": "83036"}, {"test_name": "Lipid panel", "cpt_code": "80061"}],
        "diagnosis_code": "E11.9", "clinical_indication": "Type 2 diabetes follow-up",
        "collection_datetime": "2026-11-26T08:00:00Z", "priority": "ROUTINE", "status": "PENDING",
        "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1,
        "requires_approval": true, "has_valid_approval": false, "approval_status": "APPROVAL_REQUIRED", "active_approval": null
    }))]
    pub struct LabOrderView from lab_order::Model, status ServiceOrderStatus, number order_number = "`LAB-{tenant code}-{000001}`, gapless per tenant." {
    pub ordering_provider_id: Uuid,
    #[schema(value_type = Vec<LabTest>)]
    pub tests: serde_json::Value,
    /// ICD-10-CM.
    pub diagnosis_code: String,
    pub clinical_indication: String,
    pub collection_datetime: Option<DateTime<Utc>>,
    #[schema(value_type = LabPriority)]
    pub priority: String,
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
    #[validate(custom(function = "crate::domain::validate::icd10"))]
    #[schema(
        example = "E11.9",
        max_length = 8,
        pattern = r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$"
    )]
    pub diagnosis_code: String,
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub clinical_indication: String,
    pub collection_datetime: Option<DateTime<Utc>>,
    /// Default ROUTINE.
    #[serde(default)]
    pub priority: LabPriority,
}

order_patch! {
    /// Changes to a lab order (JSON merge patch). `status` moves along the lifecycle;
    /// `patient_id` cannot change; a COMPLETED or CANCELLED order cannot change at all.
    #[schema(example = json!({"status": "SCHEDULED", "collection_datetime": "2026-11-27T08:30:00Z"}))]
    pub struct UpdateLabOrder, status ServiceOrderStatus {
        ordering_provider_id: Uuid,
        #[validate(length(min = 1, max = 50), nested)]
        #[schema(min_items = 1, max_items = 50)]
        tests: Vec<LabTest>,
        #[validate(custom(function = "crate::domain::validate::icd10"))]
        #[schema(max_length = 8, pattern = r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")]
        diagnosis_code: String,
        #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
        #[schema(min_length = 1, max_length = 2000)]
        clinical_indication: String,
        collection_datetime: DateTime<Utc>,
        priority: LabPriority,
    }
}

/// Filters of the lab order list, beside the common ones.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LabOrderFilter {
    /// One or several priorities, comma-separated.
    #[param(value_type = Option<Vec<LabPriority>>, style = Form, explode = false, min_items = 1)]
    pub priority: Option<String>,
    pub ordering_provider_id: Option<Uuid>,
}

fn tests_json(tests: &[LabTest]) -> Result<serde_json::Value, Error> {
    serde_json::to_value(tests).map_err(|e| Error::internal_from("storing a lab order's tests", e))
}

/// Lab orders in the order family (their types and routes are in `shells`).
#[derive(Debug)]
pub struct LabOrders;

impl OrderKindRules for LabOrders {
    const SORT_FIELDS: &'static [(&'static str, lab_order::Column)] = &[
        ("collection_datetime", lab_order::Column::CollectionDatetime),
        ("priority", lab_order::Column::Priority),
    ];
    const DATE: DateFilter<lab_order::Column> =
        DateFilter::Instant(lab_order::Column::CollectionDatetime);

    fn filter(mut query: Rows<Self>, filter: &LabOrderFilter) -> Result<Rows<Self>, ApiError> {
        let priorities = values("priority", filter.priority.as_deref(), |v| {
            v.parse::<LabPriority>().ok()
        })?;
        if !priorities.is_empty() {
            query = query
                .filter(lab_order::Column::Priority.is_in(priorities.iter().map(AsRef::as_ref)));
        }
        if let Some(provider) = filter.ordering_provider_id {
            query = query.filter(lab_order::Column::OrderingProviderId.eq(provider));
        }
        Ok(query)
    }

    async fn build(at: &Context<'_>, body: CreateLabOrder) -> Result<Active<Self>, Error> {
        let provider = ("ordering_provider_id", body.ordering_provider_id);
        check_people(at.state, at.tenant_id, body.patient_id, provider).await?;
        Ok(lab_order::ActiveModel {
            patient_id: Set(body.patient_id),
            ordering_provider_id: Set(body.ordering_provider_id),
            tests: Set(tests_json(&body.tests)?),
            diagnosis_code: Set(body.diagnosis_code),
            clinical_indication: Set(body.clinical_indication.trim().to_owned()),
            collection_datetime: Set(body.collection_datetime.map(crate::base::clock::micros)),
            service_date: Set(service_date(at.zone, body.collection_datetime)),
            priority: Set(body.priority.as_ref().to_owned()),
            ..Default::default()
        })
    }

    async fn merge(target: Target<'_, Self>, patch: UpdateLabOrder) -> Result<(), Error> {
        let at = target.at;
        crate::merge_patch!(patch => target.model, target.changes, at.state, at.tenant_id; {
            ordering_provider_id: reference(provider::Entity),
        });
        if let Some(value) = patch.tests {
            target.model.tests = tests_json(&required("tests", value)?)?;
            target.changes.tests = Set(target.model.tests.clone());
        }
        crate::merge_patch!(patch => target.model, target.changes, at.state, at.tenant_id; {
            diagnosis_code: value,
            clinical_indication: text,
            collection_datetime: service_instant(at.zone),
            priority: variant,
        });
        Ok(())
    }
}
