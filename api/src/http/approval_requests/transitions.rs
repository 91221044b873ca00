//! Moving a request through its states (with the history row in the same transaction), its
//! status history, and the expiry sweep on demand.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use entity::{approval_request, approval_status_history as history};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::base::state::AppState;
use crate::data::db::find_in_tenant;
use crate::domain::approval::service;
use crate::domain::approval::state::{TransitionRequest, status_of};
use crate::domain::approval::values::ApprovalStatus;
use crate::http::ok;
use crate::http::problems::*;
use crate::http::views::ApprovalRequestView;
use crate::request::auth::{Caller, Permission, Role};
use crate::request::extract::{IfMatch, Query, RawJson};
use crate::request::list::{ListParams, Page};
use crate::request::problem::ApiError;

/// The order in which the document shows the examples of a transition (its map of examples
/// is sorted by name otherwise): the usual way of a request, then the moves off it.
pub const TRANSITION_EXAMPLES: [ApprovalStatus; 13] = [
    ApprovalStatus::PendingSubmission,
    ApprovalStatus::Submitted,
    ApprovalStatus::UnderReview,
    ApprovalStatus::MoreInfoRequired,
    ApprovalStatus::Approved,
    ApprovalStatus::PartiallyApproved,
    ApprovalStatus::Denied,
    ApprovalStatus::AppealSubmitted,
    ApprovalStatus::AppealApproved,
    ApprovalStatus::AppealDenied,
    ApprovalStatus::Cancelled,
    ApprovalStatus::Draft,
    ApprovalStatus::Expired,
];

/// Move a request to another status
///
/// A move not allowed from the current status answers 409 with `allowed`; missing data answers
/// 422 naming each field; a stale `If-Match` answers 412. Checks run in this order: 401, 404,
/// 403, then the body (400/422 for syntax and values), 412, 409, 422 for the data a status
/// needs. CLINICIAN moves requests between DRAFT and PENDING_SUBMISSION and cancels any request
/// of the tenant in those two statuses, whoever created it; COORDINATOR and ADMIN do every
/// transition. The history row is written in the same transaction.
#[utoipa::path(
    tag = "approval-requests",
    params(
        ("id" = Uuid, Path, description = "The request's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    request_body(content = TransitionRequest, examples(
        ("PENDING_SUBMISSION" = (value = json!({"to_status": "PENDING_SUBMISSION"}))),
        ("SUBMITTED" = (value = json!({"to_status": "SUBMITTED", "submission_method": "PORTAL", "payer_reference": "ACME-REF-5521"}))),
        ("UNDER_REVIEW" = (value = json!({"to_status": "UNDER_REVIEW", "reason": "Payer portal shows clinical review"}))),
        ("MORE_INFO_REQUIRED" = (value = json!({"to_status": "MORE_INFO_REQUIRED", "reason": "Payer asks for the last two clinic notes"}))),
        ("APPROVED" = (value = json!({"to_status": "APPROVED", "authorization_number": "AUTH-99812", "effective_date": "2026-11-25", "expiration_date": "2027-02-28"}))),
        ("PARTIALLY_APPROVED" = (value = json!({"to_status": "PARTIALLY_APPROVED", "authorization_number": "AUTH-99813", "expiration_date": "2027-02-28", "approved_quantity": 6, "reason": "Payer approved 6 of 12 sessions"}))),
        ("DENIED" = (value = json!({"to_status": "DENIED", "denial_reason": "Not medically necessary per policy 4.2", "denial_code": "CO-50"}))),
        ("APPEAL_SUBMITTED" = (value = json!({"to_status": "APPEAL_SUBMITTED", "reason": "Peer-to-peer review: conservative therapy failed"}))),
        ("APPEAL_APPROVED" = (value = json!({"to_status": "APPEAL_APPROVED", "authorization_number": "AUTH-99820", "expiration_date": "2027-03-31"}))),
        ("APPEAL_DENIED" = (value = json!({"to_status": "APPEAL_DENIED", "denial_reason": "Appeal upheld the denial", "denial_code": "CO-50"}))),
        ("CANCELLED" = (value = json!({"to_status": "CANCELLED", "reason": "Order cancelled by the clinician"}))),
        ("DRAFT" = (value = json!({"to_status": "DRAFT", "reason": "Taken back to add imaging history"}))),
        ("EXPIRED" = (value = json!({"to_status": "EXPIRED"})))
    )),
    responses(
        (status = 200, description = "The request in its new status.", body = ApprovalRequestView, headers(("ETag" = String))),
        UpdateProblems
    )
)]
#[post("/approval-requests/{id}/transitions")]
pub async fn transition_approval_request(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    raw: RawJson,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let current =
        find_in_tenant::<approval_request::Entity, _>(&state.db, caller.tenant_id(), *id).await?;
    // The body is judged only now: another tenant's request answers 404, and a caller who may
    // move no request at all answers 403, whatever the body.
    if !(caller.may(Permission::Coordinate) || caller.roles.contains(&Role::Clinician)) {
        return Err(forbidden_transition("any status"));
    }
    let body: TransitionRequest = raw.parse()?;
    authorize_transition(&caller, &current, body.to_status)?;
    let with_if_match = if_match.check(current.version)?;
    let next = service::transition(
        &state.db,
        &current,
        &body,
        &caller.user,
        caller.today,
        caller.now,
        with_if_match,
    )
    .await?;
    Ok(ok(next.version, &ApprovalRequestView::from(next)))
}

/// The roles for transitions: COORDINATOR and ADMIN every one; CLINICIAN between DRAFT and
/// PENDING_SUBMISSION, and to CANCELLED from those two (any request of the tenant, whoever
/// created it, as a CLINICIAN may also delete it there).
fn authorize_transition(
    caller: &Caller,
    current: &approval_request::Model,
    to: ApprovalStatus,
) -> Result<(), ApiError> {
    use ApprovalStatus::*;
    if caller.may(Permission::Coordinate) {
        return Ok(());
    }
    if caller.roles.contains(&Role::Clinician) {
        let drafting = matches!(status_of(current)?, Draft | PendingSubmission);
        if drafting && matches!(to, Draft | PendingSubmission) {
            return Ok(());
        }
        if drafting && to == Cancelled {
            return Ok(());
        }
    }
    Err(forbidden_transition(to.as_ref()))
}

fn forbidden_transition(to: &str) -> ApiError {
    ApiError::Forbidden {
        detail: format!(
            "moving this request to {to} needs COORDINATOR or ADMIN (CLINICIAN moves requests between DRAFT and PENDING_SUBMISSION and cancels them there)"
        ),
    }
}

/// One status change of a request.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-f3a0-7faa-8c1b-0e1f2a3b4c50", "seq": 3, "from_status": "PENDING_SUBMISSION",
    "to_status": "SUBMITTED", "changed_by": "coordinator.kim", "changed_at": "2026-11-25T10:00:00Z",
    "reason": null
}))]
pub struct HistoryView {
    pub id: Uuid,
    /// 1, 2, 3… in order of the changes; row 1 is the creation.
    pub seq: i32,
    #[schema(value_type = Option<ApprovalStatus>)]
    pub from_status: Option<String>,
    #[schema(value_type = ApprovalStatus)]
    pub to_status: String,
    /// The user (`sub`), or `system` for the expiry sweep.
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
    pub reason: Option<String>,
}

impl From<history::Model> for HistoryView {
    fn from(m: history::Model) -> Self {
        Self {
            id: m.id,
            seq: m.seq,
            from_status: m.from_status,
            to_status: m.to_status,
            changed_by: m.changed_by,
            changed_at: m.changed_at,
            reason: m.reason,
        }
    }
}

/// What a request's history sorts on, and its order when the request names none.
pub const HISTORY_SORT_FIELDS: &[(&str, history::Column)] = &[("seq", history::Column::Seq)];
pub const HISTORY_DEFAULT_SORT: &str = "seq";

/// A request's status history
///
/// Read-only, ordered by `seq`.
#[utoipa::path(
    tag = "approval-requests",
    params(("id" = Uuid, Path, description = "The request's id."), ListParams),
    responses(
        (status = 200, description = "A page of history rows.", body = Page<HistoryView>),
        ReadProblems
    )
)]
#[get("/approval-requests/{id}/history")]
pub async fn list_approval_history(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    page: Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let request =
        find_in_tenant::<approval_request::Entity, _>(&state.db, caller.tenant_id(), *id).await?;
    let query = scoped_history(caller.tenant_id(), request.id);
    let page = page
        .fetch_sorted(
            &state.db,
            query,
            HISTORY_SORT_FIELDS,
            HISTORY_DEFAULT_SORT,
            history::Column::Id,
            HistoryView::from,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

fn scoped_history(tenant_id: Uuid, request_id: Uuid) -> sea_orm::Select<history::Entity> {
    history::Entity::find()
        .filter(history::Column::TenantId.eq(tenant_id))
        .filter(history::Column::ApprovalRequestId.eq(request_id))
}

/// The sweep's answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"expired": 3}))]
pub struct SweepView {
    /// How many requests this run moved to EXPIRED.
    pub expired: u64,
}

/// Run the expiry sweep now (COORDINATOR, ADMIN)
///
/// Moves every request of the caller's tenant that holds a grant whose `expiration_date` is
/// before the tenant's today to EXPIRED, with a history row by `system`. Idempotent; the
/// service also runs it periodically for every tenant.
#[utoipa::path(
    tag = "approval-requests",
    responses(
        (status = 200, description = "How many requests expired.", body = SweepView),
        (status = 401, response = UnauthorizedProblem),
        (status = 403, response = ForbiddenProblem)
    )
)]
#[post("/expiry-sweeps")]
pub async fn run_expiry_sweep(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Coordinate)?;
    let report =
        crate::domain::approval::sweep::run(&state.db, &state.clock, Some(caller.tenant_id()))
            .await?;
    Ok(HttpResponse::Ok().json(SweepView {
        expired: report.expired,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn transition_request_examples_parse() {
        let body = serde_json::json!({"to_status": "APPROVED", "authorization_number": "A", "expiration_date": "2027-01-01"});
        let parsed: super::TransitionRequest = serde_json::from_value(body).expect("parses");
        assert_eq!(parsed.to_status, super::ApprovalStatus::Approved);
    }
}
