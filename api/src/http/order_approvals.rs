//! `/api/v1/{order path}/{id}/approval-requests`: requests about one order. POST creates a
//! request filled from the order as `docs/domain.md` says (the body overrides, then the
//! template, then the order); GET lists the order's requests.

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use entity::approval_request;
use sea_orm::{ColumnTrait, QueryFilter};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::actor;
use super::views::{ApprovalRequestView, insert_and_answer};
use crate::base::error::Error;
use crate::base::state::AppState;
use crate::data::db::scoped;
use crate::domain::approval::fields::{ActiveApproval, ApprovalFields, OrderApprovalStatus};
use crate::domain::approval::order_state::Urgency;
use crate::domain::approval::prefill::Order;
use crate::domain::approval::read_model;
use crate::domain::approval::service::{
    Content, TemplateFill, active_template, coverage_in_force, new_row,
};
use crate::domain::approval::values::{InitialStatus, RequestPriority, RequestType};
use crate::domain::orders::OrderKind;
use crate::domain::validate::{DiagnosisCode, ProcedureOrNdcCode, not_blank};
use crate::http::problems::*;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::{Query, ValidJsonOrEmpty};
use crate::request::list::{ListParams, Page};
use crate::request::problem::ApiError;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(create_lab_order_approval_request)
        .service(list_lab_order_approval_requests)
        .service(create_imaging_order_approval_request)
        .service(list_imaging_order_approval_requests)
        .service(create_prescription_approval_request)
        .service(list_prescription_approval_requests)
        .service(create_surgical_case_approval_request)
        .service(list_surgical_case_approval_requests)
        .service(get_lab_order_approval_summary)
        .service(get_imaging_order_approval_summary)
        .service(get_prescription_approval_summary)
        .service(get_surgical_case_approval_summary);
}

/// What may override the values taken from the order (any other field is refused). An empty
/// body, or none, takes everything from the order.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "DRAFT", "clinical_justification": "Failed two courses of triptans; new focal aura"}))]
pub struct CreateFromOrder {
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub service_description: Option<String>,
    /// Up to 30 CPT/HCPCS codes, or NDC numbers for a prescription.
    #[validate(length(max = 30))]
    #[schema(value_type = Option<Vec<ProcedureOrNdcCode>>, max_items = 30)]
    pub procedure_codes: Option<Vec<String>>,
    /// Up to 30 ICD-10-CM codes.
    #[validate(length(max = 30))]
    #[schema(value_type = Option<Vec<DiagnosisCode>>, max_items = 30)]
    pub diagnosis_codes: Option<Vec<String>>,
    #[validate(length(min = 1, max = 4000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub clinical_justification: Option<String>,
    pub requesting_provider_id: Option<Uuid>,
    pub service_start_date: Option<NaiveDate>,
    pub service_end_date: Option<NaiveDate>,
    pub priority: Option<RequestPriority>,
    pub is_expedited: Option<bool>,
    #[validate(range(min = 1, max = 1_000_000))]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub requested_quantity: Option<i32>,
    /// A coverage of the order's patient; default the one in force on the date that matters.
    pub insurance_info_id: Option<Uuid>,
    /// DRAFT or PENDING_SUBMISSION (default).
    pub status: Option<InitialStatus>,
    /// Only SURGERY ↔ PROCEDURE, for a surgical case.
    pub request_type: Option<RequestType>,
    pub template_id: Option<Uuid>,
}

async fn create_from_order(
    caller: Caller,
    state: &AppState,
    order: Order,
    body: CreateFromOrder,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = caller.tenant_id();
    let zone = caller.zone;
    let today = caller.today;
    let prefill = order.prefill(zone, today)?;
    let kind = order.kind();
    let template = match body.template_id {
        Some(id) => Some(active_template(&state.db, tenant_id, id).await?),
        None => None,
    };
    let request_type = match body.request_type {
        None => prefill.request_type.to_owned(),
        Some(asked) => {
            let asked = asked.as_ref();
            if !kind.allows_request_type(asked) {
                return Err(ApiError::invalid(
                    "request_type",
                    "fixed_by_order",
                    format!(
                        "a request about this order is {} (a surgical case may use PROCEDURE)",
                        prefill.request_type
                    ),
                ));
            }
            asked.to_owned()
        }
    };
    let insurance_info_id = match body.insurance_info_id {
        Some(id) => id,
        None => {
            let day = order.date_that_matters(zone, today);
            coverage_in_force(&state.db, tenant_id, order.patient_id(), day)
                .await?
                .map(|c| c.id)
                .ok_or_else(|| {
                    Error::invalid(
                        "insurance_info_id",
                        "no_coverage_in_force",
                        format!("the patient has no coverage in force on {day}; name one in insurance_info_id"),
                    )
                })?
        }
    };
    let from_template = TemplateFill::of(template.as_ref())?;
    let content = Content {
        request_type,
        insurance_info_id: Some(insurance_info_id),
        service_description: body
            .service_description
            .or(from_template.service_description)
            .or(Some(prefill.service_description)),
        procedure_codes: body
            .procedure_codes
            .or(from_template.procedure_codes)
            .unwrap_or(prefill.procedure_codes),
        diagnosis_codes: body.diagnosis_codes.unwrap_or(prefill.diagnosis_codes),
        clinical_justification: body
            .clinical_justification
            .or(from_template.clinical_justification)
            .or(Some(prefill.clinical_justification)),
        requesting_provider_id: body
            .requesting_provider_id
            .or(Some(prefill.requesting_provider_id)),
        service_start_date: body.service_start_date.or(Some(prefill.service_start_date)),
        service_end_date: body.service_end_date,
        priority: body
            .priority
            .map(|p| p.as_ref().to_owned())
            .unwrap_or(prefill.priority),
        is_expedited: body.is_expedited.unwrap_or(prefill.is_expedited),
        requested_quantity: body.requested_quantity.or(Some(prefill.requested_quantity)),
    };
    content
        .check(&state.db, tenant_id, order.patient_id())
        .await?;
    let actor = actor(&caller);
    let mut row = new_row(
        &actor,
        order.patient_id(),
        body.template_id,
        body.status.unwrap_or_default(),
    );
    content.write(&mut row);
    kind.set_link(&mut row, order.id());
    insert_and_answer(state, &actor, row).await
}

/// What an order shows about its approval.
#[derive(Debug, serde::Serialize, ToSchema)]
#[schema(example = json!({
    "order_status": "SCHEDULED", "has_insurance": true, "requires_approval": false,
    "approval_status": "APPROVED", "can_proceed": true,
    "active_approval": {"id": "0193a4d2-e290-7e99-9b0a-9d0e1f2a3b40", "approval_number": "APR-GH-000001",
        "authorization_number": "AUTH-99812", "status": "APPROVED", "effective_date": "2026-11-25",
        "expiration_date": "2027-02-28", "approved_quantity": 1, "source": "REQUEST"}
}))]
pub struct ApprovalSummary {
    /// The order's own status.
    pub order_status: String,
    /// A coverage is in force on the date that matters.
    pub has_insurance: bool,
    pub requires_approval: bool,
    #[schema(value_type = OrderApprovalStatus)]
    pub approval_status: String,
    /// Not cancelled, and either no approval is required or it is an emergency surgical case.
    pub can_proceed: bool,
    pub active_approval: Option<ActiveApproval>,
}

async fn summarize(
    caller: &Caller,
    state: &AppState,
    kind: OrderKind,
    id: Uuid,
) -> Result<HttpResponse, ApiError> {
    let rows = read_model::current_rows(
        &state.db,
        caller.tenant_id(),
        kind,
        &[id],
        caller.today,
        caller.now,
    )
    .await?;
    let row = rows.get(&id).ok_or(Error::not_found(kind.info().noun))?;
    let fields = ApprovalFields::of(row);
    let cancelled = row.order_status == "CANCELLED";
    let emergency = Urgency::of_rank(row.urgency) == Urgency::Emergency;
    Ok(HttpResponse::Ok().json(ApprovalSummary {
        order_status: row.order_status.clone(),
        has_insurance: fields.has_insurance,
        requires_approval: fields.requires_approval,
        approval_status: fields.approval_status,
        can_proceed: !cancelled && (!fields.requires_approval || emergency),
        active_approval: fields.active_approval,
    }))
}

/// What a list of an order's requests sorts on.
pub const SORT_FIELDS: &[(&str, approval_request::Column)] = &[
    ("approval_number", approval_request::Column::NumberValue),
    ("created_at", approval_request::Column::CreatedAt),
];

async fn list_for_order(
    caller: &Caller,
    state: &AppState,
    kind: OrderKind,
    order_id: Uuid,
    page: &ListParams,
) -> Result<HttpResponse, ApiError> {
    let query =
        scoped::<approval_request::Entity>(caller.tenant_id()).filter(kind.link().eq(order_id));
    let page = page
        .fetch(
            &state.db,
            query,
            SORT_FIELDS,
            approval_request::Column::Id,
            ApprovalRequestView::from,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

macro_rules! order_endpoints {
    (
        $kind:expr, $route:literal, $summary_route:literal, $id_doc:literal, $create_summary:literal,
        $list_summary:literal, $summary_summary:literal, $create:ident, $list:ident, $summary:ident
    ) => {
        #[doc = $summary_summary]
        ///
        /// What the order view shows next to the order: whether the patient is insured on the
        /// date that matters, whether approval is required, the approval status, the active
        /// approval, and whether the order may proceed (not cancelled, and no approval required
        /// or an emergency surgical case).
        #[utoipa::path(
            tag = "approval-requests",
            params(("id" = Uuid, Path, description = $id_doc)),
            responses(
                (status = 200, description = "The order's approval summary.", body = ApprovalSummary),
                ReadProblems
            )
        )]
        #[get($summary_route)]
        pub async fn $summary(
            caller: Caller,
            state: web::Data<AppState>,
            id: web::Path<Uuid>,
        ) -> Result<HttpResponse, ApiError> {
            caller.require(Permission::Read)?;
            summarize(&caller, &state, $kind, *id).await
        }

        #[doc = $create_summary]
        ///
        /// Filled from the order: its request type, description, codes, justification, provider,
        /// service date, priority and quantity. Each value comes from the body, else the template
        /// the body names, else the order. Without `insurance_info_id`, the patient's coverage in
        /// force on the date that matters (the later of today and the service date) is used,
        /// PRIMARY first, and none is a 422. Starts in PENDING_SUBMISSION unless the body says
        /// DRAFT.
        #[utoipa::path(
            tag = "approval-requests",
            params(("id" = Uuid, Path, description = $id_doc)),
            request_body(content = Option<CreateFromOrder>),
            responses(
                (status = 201, description = "The new request.", body = ApprovalRequestView,
                    headers(("Location" = String), ("ETag" = String))),
                CreateNestedProblems
            )
        )]
        #[post($route)]
        pub async fn $create(
            caller: Caller,
            state: web::Data<AppState>,
            id: web::Path<Uuid>,
            body: ValidJsonOrEmpty<CreateFromOrder>,
        ) -> Result<HttpResponse, ApiError> {
            caller.require(Permission::Read)?;
            let order = Order::load(&state.db, caller.tenant_id(), $kind, *id).await?;
            caller.require(Permission::WriteClinical)?;
            let body = body.parse()?;
            create_from_order(caller, &state, order, body).await
        }

        #[doc = $list_summary]
        ///
        /// The requests linked to the order, whatever their status, newest first by default.
        #[utoipa::path(
            tag = "approval-requests",
            params(("id" = Uuid, Path, description = $id_doc), ListParams),
            responses(
                (status = 200, description = "A page of the order's requests.", body = Page<ApprovalRequestView>),
                ReadProblems
            )
        )]
        #[get($route)]
        pub async fn $list(
            caller: Caller,
            state: web::Data<AppState>,
            id: web::Path<Uuid>,
            page: Query<ListParams>,
        ) -> Result<HttpResponse, ApiError> {
            caller.require(Permission::Read)?;
            let order = Order::load(&state.db, caller.tenant_id(), $kind, *id).await?;
            list_for_order(&caller, &state, $kind, order.id(), &page).await
        }
    };
}

order_endpoints!(
    OrderKind::Lab,
    "/lab-orders/{id}/approval-requests",
    "/lab-orders/{id}/approval-summary",
    "The lab order's id.",
    "Request approval for a lab order (CLINICIAN, ADMIN)",
    "List a lab order's approval requests",
    "The approval summary of a lab order",
    create_lab_order_approval_request,
    list_lab_order_approval_requests,
    get_lab_order_approval_summary
);
order_endpoints!(
    OrderKind::Imaging,
    "/imaging-orders/{id}/approval-requests",
    "/imaging-orders/{id}/approval-summary",
    "The imaging order's id.",
    "Request approval for an imaging order (CLINICIAN, ADMIN)",
    "List an imaging order's approval requests",
    "The approval summary of an imaging order",
    create_imaging_order_approval_request,
    list_imaging_order_approval_requests,
    get_imaging_order_approval_summary
);
order_endpoints!(
    OrderKind::Pharmacy,
    "/prescriptions/{id}/approval-requests",
    "/prescriptions/{id}/approval-summary",
    "The prescription's id.",
    "Request approval for a prescription (CLINICIAN, ADMIN)",
    "List a prescription's approval requests",
    "The approval summary of a prescription",
    create_prescription_approval_request,
    list_prescription_approval_requests,
    get_prescription_approval_summary
);
order_endpoints!(
    OrderKind::Surgery,
    "/surgical-cases/{id}/approval-requests",
    "/surgical-cases/{id}/approval-summary",
    "The surgical case's id.",
    "Request approval for a surgical case (CLINICIAN, ADMIN)",
    "List a surgical case's approval requests",
    "The approval summary of a surgical case",
    create_surgical_case_approval_request,
    list_surgical_case_approval_requests,
    get_surgical_case_approval_summary
);
