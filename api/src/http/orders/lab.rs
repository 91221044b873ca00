//! `/api/v1/lab-orders`: laboratory orders and their tests. CLINICIAN and ADMIN write; every
//! role reads. Numbers are `LAB-{tenant code}-{000001}`.

use actix_web::{delete, get, patch, post};
use chrono::{DateTime, Utc};
use entity::{lab_order, patient, provider};
use sea_orm::{ColumnTrait, QueryFilter, Select, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{ApprovalFilter, DateFilter, NewOrder, OrderFilter, OrderResource};
use crate::base::error::Error;
use crate::base::state::AppState;
use crate::data::db::reference;
use crate::domain::approval::fields::ApprovalFields;
use crate::domain::orders::lifecycle::ServiceOrderStatus;
use crate::domain::orders::{OrderKind, service_date};
use crate::domain::validate::not_blank;
use crate::http::problems::*;
use crate::http::required;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::{IfMatch, Query, ValidJson};
use crate::request::list::{ListParams, Page, values};
use crate::request::problem::ApiError;

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
    #[validate(custom(function = "crate::domain::validate::icd10"))]
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
    #[validate(custom(function = "crate::domain::validate::icd10"))]
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

/// Lab orders as a resource of the order family.
#[derive(Debug)]
pub struct LabOrders;

fn tests_json(tests: &[LabTest]) -> Result<serde_json::Value, Error> {
    serde_json::to_value(tests).map_err(|e| Error::internal_from("storing a lab order's tests", e))
}

impl OrderResource for LabOrders {
    const KIND: OrderKind = OrderKind::Lab;
    type Entity = lab_order::Entity;
    type Model = lab_order::Model;
    type Active = lab_order::ActiveModel;
    type Status = ServiceOrderStatus;
    type View = LabOrderView;
    type Create = CreateLabOrder;
    type Update = UpdateLabOrder;
    type Filter = LabOrderFilter;

    const SORT_FIELDS: &'static [(&'static str, lab_order::Column)] = &[
        ("order_number", lab_order::Column::OrderNumber),
        ("collection_datetime", lab_order::Column::CollectionDatetime),
        ("priority", lab_order::Column::Priority),
        ("status", lab_order::Column::Status),
        ("created_at", lab_order::Column::CreatedAt),
        ("updated_at", lab_order::Column::UpdatedAt),
    ];
    const PATIENT: lab_order::Column = lab_order::Column::PatientId;
    const STATUS: lab_order::Column = lab_order::Column::Status;
    const DATE: DateFilter<lab_order::Column> =
        DateFilter::Instant(lab_order::Column::CollectionDatetime);

    fn view(model: lab_order::Model, approval: ApprovalFields) -> LabOrderView {
        LabOrderView::new(model, approval)
    }

    fn status(model: &lab_order::Model) -> &str {
        &model.status
    }

    fn status_mut(model: &mut lab_order::Model) -> &mut String {
        &mut model.status
    }

    fn filter(
        mut query: Select<lab_order::Entity>,
        filter: &LabOrderFilter,
    ) -> Result<Select<lab_order::Entity>, ApiError> {
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

    async fn check_create(
        state: &AppState,
        tenant_id: Uuid,
        body: &CreateLabOrder,
    ) -> Result<(), Error> {
        reference::<patient::Entity, _>(&state.db, tenant_id, "patient_id", body.patient_id)
            .await?;
        reference::<provider::Entity, _>(
            &state.db,
            tenant_id,
            "ordering_provider_id",
            body.ordering_provider_id,
        )
        .await?;
        Ok(())
    }

    fn build(body: CreateLabOrder, new: NewOrder) -> Result<lab_order::ActiveModel, Error> {
        Ok(lab_order::ActiveModel {
            id: Set(new.id),
            tenant_id: Set(new.tenant_id),
            order_number: Set(new.number),
            patient_id: Set(body.patient_id),
            ordering_provider_id: Set(body.ordering_provider_id),
            tests: Set(tests_json(&body.tests)?),
            diagnosis_code: Set(body.diagnosis_code),
            clinical_indication: Set(body.clinical_indication.trim().to_owned()),
            collection_datetime: Set(body.collection_datetime.map(crate::base::clock::micros)),
            service_date: Set(service_date(new.zone, body.collection_datetime)),
            priority: Set(body.priority.as_ref().to_owned()),
            status: Set(ServiceOrderStatus::Pending.as_ref().to_owned()),
            created_at: Set(new.now),
            updated_at: Set(new.now),
            version: Set(1),
        })
    }

    fn patch_patient(patch: &UpdateLabOrder) -> &Option<Option<Uuid>> {
        &patch.patient_id
    }

    fn patch_status(patch: &UpdateLabOrder) -> Option<Option<ServiceOrderStatus>> {
        patch.status
    }

    async fn merge(
        state: &AppState,
        tenant_id: Uuid,
        zone: chrono_tz::Tz,
        model: &mut lab_order::Model,
        changes: &mut lab_order::ActiveModel,
        patch: UpdateLabOrder,
    ) -> Result<(), Error> {
        crate::merge_patch!(patch => model, changes, state, tenant_id; {
            ordering_provider_id: reference(provider::Entity),
        });
        if let Some(value) = patch.tests {
            model.tests = tests_json(&required("tests", value)?)?;
            changes.tests = Set(model.tests.clone());
        }
        crate::merge_patch!(patch => model, changes, state, tenant_id; {
            diagnosis_code: value,
            clinical_indication: text,
            collection_datetime: service_instant(zone),
            priority: variant,
        });
        Ok(())
    }
}

crate::order_handlers! {
    resource: LabOrders,
    tag: "lab-orders",
    collection: "/lab-orders",
    item: "/lab-orders/{id}",
    id: "The lab order's id.",
    view: LabOrderView,
    create_body: CreateLabOrder,
    update_body: UpdateLabOrder,
    filter: LabOrderFilter,
    page_doc: "A page of lab orders.",
    new_doc: "The new lab order.",
    one_doc: "The lab order.",
    updated_doc: "The updated lab order.",
    /// List lab orders
    ///
    /// Sort on `order_number`, `collection_datetime`, `priority`, `status`, `created_at`,
    /// `updated_at`. `from`/`to` apply to `collection_datetime`.
    list: list_lab_orders,
    /// Create a lab order (CLINICIAN, ADMIN)
    create: create_lab_order,
    /// Get a lab order
    get: get_lab_order,
    /// Change a lab order (CLINICIAN, ADMIN)
    ///
    /// A JSON merge patch; `status` moves along PENDING → SCHEDULED → IN_PROGRESS → COMPLETED (or
    /// CANCELLED), and a move the lifecycle does not allow answers 409 with the allowed statuses.
    update: update_lab_order,
    /// Delete a lab order (CLINICIAN, ADMIN)
    ///
    /// Refused with 409 `order_in_use` while approval requests refer to the order: cancel it instead.
    delete: delete_lab_order,
}
