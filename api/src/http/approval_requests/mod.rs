//! `/api/v1/approval-requests`: the insurance desk's daily work. Requests are created by
//! CLINICIAN and ADMIN (standalone in [`edit`], from an order in `order_approvals`), edited in
//! DRAFT, PENDING_SUBMISSION and MORE_INFO_REQUIRED, moved only through [`transitions`], and
//! deleted only as never-submitted DRAFTs. This module lists and reads them.

pub mod edit;
pub mod transitions;

use actix_web::{HttpResponse, get, web};
use chrono::TimeDelta;
use entity::approval_request;
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, QueryFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::read_one;
use super::views::ApprovalRequestView;
use crate::base::error::ProblemCode;
use crate::base::state::AppState;
use crate::data::db::scoped;
use crate::domain::approval::policy::holds_grant_condition;
use crate::domain::approval::values::{ApprovalStatus, RequestPriority, RequestType};
use crate::domain::orders::OrderKind;
use crate::http::problems::*;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::Query;
use crate::request::list::{ListParams, Page, values};
use crate::request::problem::ApiError;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_approval_requests)
        .service(edit::create_approval_request)
        .service(get_approval_request)
        .service(edit::update_approval_request)
        .service(edit::delete_approval_request)
        .service(transitions::transition_approval_request)
        .service(transitions::list_approval_history)
        .service(transitions::run_expiry_sweep);
}

/// Filters of the request list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApprovalRequestFilter {
    /// One or several statuses, comma-separated.
    #[param(value_type = Option<Vec<ApprovalStatus>>, style = Form, explode = false, min_items = 1)]
    pub status: Option<String>,
    /// One or several request types, comma-separated.
    #[param(value_type = Option<Vec<RequestType>>, style = Form, explode = false, min_items = 1)]
    pub request_type: Option<String>,
    /// One or several priorities, comma-separated.
    #[param(value_type = Option<Vec<RequestPriority>>, style = Form, explode = false, min_items = 1)]
    pub priority: Option<String>,
    pub patient_id: Option<Uuid>,
    /// One or several order kinds, comma-separated: requests linked to an order of one of them.
    #[param(value_type = Option<Vec<OrderKind>>, style = Form, explode = false, min_items = 1)]
    pub order_kind: Option<String>,
    /// Requests linked to this order.
    pub order_id: Option<Uuid>,
    /// `true`: SUBMITTED or UNDER_REVIEW past `decision_due_at`; `false`: every other request.
    pub overdue: Option<bool>,
    /// Requests holding a grant whose `expiration_date` is from today to today + N (0 to 365).
    #[param(minimum = 0, maximum = 365)]
    pub expiring_within_days: Option<i64>,
}

pub const SORT_FIELDS: &[(&str, approval_request::Column)] = &[
    ("approval_number", approval_request::Column::NumberValue),
    ("status", approval_request::Column::Status),
    ("priority", approval_request::Column::Priority),
    ("submitted_at", approval_request::Column::SubmittedAt),
    ("decision_due_at", approval_request::Column::DecisionDueAt),
    ("expiration_date", approval_request::Column::ExpirationDate),
    ("created_at", approval_request::Column::CreatedAt),
    ("updated_at", approval_request::Column::UpdatedAt),
];

/// List approval requests
///
/// The tenant's requests; filter by status, type, priority, patient or order, and answer the
/// desk's daily questions with `overdue` and `expiring_within_days`.
#[utoipa::path(
    tag = "approval-requests",
    params(ListParams, ApprovalRequestFilter),
    responses(
        (status = 200, description = "A page of approval requests.", body = Page<ApprovalRequestView>),
        ListProblems
    )
)]
#[get("/approval-requests")]
pub async fn list_approval_requests(
    caller: Caller,
    state: web::Data<AppState>,
    page: Query<ListParams>,
    filter: Query<ApprovalRequestFilter>,
) -> Result<HttpResponse, ApiError> {
    use approval_request::Column as C;
    caller.require(Permission::Read)?;
    let mut query = scoped::<approval_request::Entity>(caller.tenant_id());
    let statuses = values("status", filter.status.as_deref(), |v| {
        v.parse::<ApprovalStatus>().ok()
    })?;
    if !statuses.is_empty() {
        query = query.filter(C::Status.is_in(statuses.iter().map(ToString::to_string)));
    }
    let types = values("request_type", filter.request_type.as_deref(), |v| {
        v.parse::<RequestType>().ok()
    })?;
    if !types.is_empty() {
        query = query.filter(C::RequestType.is_in(types.iter().map(AsRef::as_ref)));
    }
    let priorities = values("priority", filter.priority.as_deref(), |v| {
        v.parse::<RequestPriority>().ok()
    })?;
    if !priorities.is_empty() {
        query = query.filter(C::Priority.is_in(priorities.iter().map(AsRef::as_ref)));
    }
    if let Some(patient_id) = filter.patient_id {
        query = query.filter(C::PatientId.eq(patient_id));
    }
    let kinds = values("order_kind", filter.order_kind.as_deref(), |v| {
        v.parse::<OrderKind>().ok()
    })?;
    if !kinds.is_empty() {
        let mut any = Condition::any();
        for kind in kinds {
            any = any.add(kind.link().is_not_null());
        }
        query = query.filter(any);
    }
    if let Some(order_id) = filter.order_id {
        let any = OrderKind::ALL
            .into_iter()
            .fold(Condition::any(), |any, kind| {
                any.add(kind.link().eq(order_id))
            });
        query = query.filter(any);
    }
    if let Some(overdue) = filter.overdue {
        let is_overdue = Condition::all()
            .add(C::Status.is_in(["SUBMITTED", "UNDER_REVIEW"]))
            .add(C::DecisionDueAt.lt(caller.now));
        query = query.filter(if overdue {
            is_overdue
        } else {
            is_overdue.not()
        });
    }
    if let Some(days) = filter.expiring_within_days {
        if !(0..=365).contains(&days) {
            return Err(ApiError::bad_request(
                ProblemCode::InvalidQuery,
                "expiring_within_days must be from 0 to 365",
            ));
        }
        let today = caller.today;
        query = query
            .filter(holds_grant_condition())
            .filter(C::ExpirationDate.gte(today))
            .filter(C::ExpirationDate.lte(today + TimeDelta::days(days)));
    }
    let page = page
        .fetch(
            &state.db,
            query,
            SORT_FIELDS,
            C::Id,
            ApprovalRequestView::from,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Get an approval request
///
/// One request of the tenant with its `allowed_transitions`, and its `ETag` for the next
/// edit or transition.
#[utoipa::path(
    tag = "approval-requests",
    params(("id" = Uuid, Path, description = "The request's id.")),
    responses(
        (status = 200, description = "The request.", body = ApprovalRequestView, headers(("ETag" = String))),
        ReadProblems
    )
)]
#[get("/approval-requests/{id}")]
pub async fn get_approval_request(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    read_one::<approval_request::Entity, ApprovalRequestView>(&caller, &state, *id).await
}
