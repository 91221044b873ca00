//! `/api/v1/imaging-orders`: radiology orders. CLINICIAN and ADMIN write; every role reads.
//! Numbers are `IMG-{tenant code}-{000001}`.

use actix_web::{delete, get, patch, post};
use chrono::{DateTime, Utc};
use entity::{imaging_order, patient, provider};
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
use crate::request::auth::{Caller, Permission};
use crate::request::extract::{IfMatch, Query, ValidJson};
use crate::request::list::{ListParams, Page, values};
use crate::request::problem::ApiError;

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
    #[validate(custom(function = "crate::domain::validate::icd10"))]
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
    #[validate(custom(function = "crate::domain::validate::icd10"))]
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

/// Imaging orders as a resource of the order family.
#[derive(Debug)]
pub struct ImagingOrders;

impl OrderResource for ImagingOrders {
    const KIND: OrderKind = OrderKind::Imaging;
    type Entity = imaging_order::Entity;
    type Model = imaging_order::Model;
    type Active = imaging_order::ActiveModel;
    type Status = ServiceOrderStatus;
    type View = ImagingOrderView;
    type Create = CreateImagingOrder;
    type Update = UpdateImagingOrder;
    type Filter = ImagingOrderFilter;

    const SORT_FIELDS: &'static [(&'static str, imaging_order::Column)] = &[
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
    const PATIENT: imaging_order::Column = imaging_order::Column::PatientId;
    const STATUS: imaging_order::Column = imaging_order::Column::Status;
    const DATE: DateFilter<imaging_order::Column> =
        DateFilter::Instant(imaging_order::Column::RequestedDatetime);

    fn view(model: imaging_order::Model, approval: ApprovalFields) -> ImagingOrderView {
        ImagingOrderView::new(model, approval)
    }

    fn status(model: &imaging_order::Model) -> &str {
        &model.status
    }

    fn status_mut(model: &mut imaging_order::Model) -> &mut String {
        &mut model.status
    }

    fn filter(
        mut query: Select<imaging_order::Entity>,
        filter: &ImagingOrderFilter,
    ) -> Result<Select<imaging_order::Entity>, ApiError> {
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

    async fn check_create(
        state: &AppState,
        tenant_id: Uuid,
        body: &CreateImagingOrder,
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

    fn build(body: CreateImagingOrder, new: NewOrder) -> Result<imaging_order::ActiveModel, Error> {
        Ok(imaging_order::ActiveModel {
            id: Set(new.id),
            tenant_id: Set(new.tenant_id),
            order_number: Set(new.number),
            patient_id: Set(body.patient_id),
            ordering_provider_id: Set(body.ordering_provider_id),
            modality: Set(body.modality.as_ref().to_owned()),
            study_description: Set(body.study_description.trim().to_owned()),
            body_part: Set(body.body_part.trim().to_owned()),
            diagnosis_code: Set(body.diagnosis_code),
            clinical_indication: Set(body.clinical_indication.trim().to_owned()),
            requested_datetime: Set(body.requested_datetime.map(crate::base::clock::micros)),
            service_date: Set(service_date(new.zone, body.requested_datetime)),
            is_stat: Set(body.is_stat),
            status: Set(ServiceOrderStatus::Pending.as_ref().to_owned()),
            created_at: Set(new.now),
            updated_at: Set(new.now),
            version: Set(1),
        })
    }

    fn patch_patient(patch: &UpdateImagingOrder) -> &Option<Option<Uuid>> {
        &patch.patient_id
    }

    fn patch_status(patch: &UpdateImagingOrder) -> Option<Option<ServiceOrderStatus>> {
        patch.status
    }

    async fn merge(
        state: &AppState,
        tenant_id: Uuid,
        zone: chrono_tz::Tz,
        model: &mut imaging_order::Model,
        changes: &mut imaging_order::ActiveModel,
        patch: UpdateImagingOrder,
    ) -> Result<(), Error> {
        crate::merge_patch!(patch => model, changes, state, tenant_id; {
            ordering_provider_id: reference(provider::Entity),
            modality: variant,
            study_description: text,
            body_part: text,
            diagnosis_code: value,
            clinical_indication: text,
            requested_datetime: service_instant(zone),
            is_stat: value,
        });
        Ok(())
    }
}

crate::order_handlers! {
    resource: ImagingOrders,
    tag: "imaging-orders",
    collection: "/imaging-orders",
    item: "/imaging-orders/{id}",
    id: "The imaging order's id.",
    view: ImagingOrderView,
    create_body: CreateImagingOrder,
    update_body: UpdateImagingOrder,
    filter: ImagingOrderFilter,
    page_doc: "A page of imaging orders.",
    new_doc: "The new imaging order.",
    one_doc: "The imaging order.",
    updated_doc: "The updated imaging order.",
    /// List imaging orders
    ///
    /// Sort on `order_number`, `requested_datetime`, `modality`, `status`, `created_at`,
    /// `updated_at`. `from`/`to` apply to `requested_datetime`.
    list: list_imaging_orders,
    /// Create an imaging order (CLINICIAN, ADMIN)
    create: create_imaging_order,
    /// Get an imaging order
    get: get_imaging_order,
    /// Change an imaging order (CLINICIAN, ADMIN)
    ///
    /// A JSON merge patch; `status` moves along PENDING → SCHEDULED → IN_PROGRESS → COMPLETED (or
    /// CANCELLED), and a move the lifecycle does not allow answers 409 with the allowed statuses.
    update: update_imaging_order,
    /// Delete an imaging order (CLINICIAN, ADMIN)
    ///
    /// Refused with 409 `order_in_use` while approval requests refer to the order: cancel it instead.
    delete: delete_imaging_order,
}
