//! `GET /api/v1/audit-events`: the tenant's audit trail, for ADMIN. Every create, change,
//! transition and delete of a patient, coverage, order, approval request (and of providers,
//! medications, templates, communications, documents and the tenant's settings) is recorded in
//! the transaction of the change. The trail is read-only: no operation edits or deletes it.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::base::state::AppState;
use crate::http::problems::*;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::Query;
use crate::request::list::{ListParams, Page, texts};
use crate::request::problem::ApiError;

pub fn configure(config: &mut ServiceConfig) {
    config.service(list_audit_events);
}

/// One change of a resource.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-f3a0-7faa-8c1b-0e1f2a3b4c99", "occurred_at": "2026-11-25T10:00:00Z",
    "actor": "dr.osei", "action": "UPDATE", "resource_type": "lab_order",
    "resource_id": "0193a4d2-ae50-7a55-9d6c-5f6a7b8c9d00",
    "changes": {"priority": {"from": "ROUTINE", "to": "URGENT"}},
    "request_id": "6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"
}))]
pub struct AuditEventView {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// The user (`sub`) whose request made the change, or `system` (the expiry sweep, the
    /// command line).
    pub actor: String,
    /// CREATE, UPDATE, TRANSITION or DELETE.
    #[schema(example = "UPDATE")]
    pub action: String,
    /// `patient`, `insurance_coverage`, `lab_order`, `imaging_order`, `prescription`,
    /// `surgical_case`, `approval_request`, `approval_communication`, `approval_document`,
    /// `provider`, `medication`, `approval_template` or `tenant`.
    pub resource_type: String,
    pub resource_id: Uuid,
    /// Each field that changed, with its value before (`null` on creation) and after (`null`
    /// on deletion). Bookkeeping (`updated_at`, `version`) is left out.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    /// The `X-Request-Id` of the request that made the change.
    pub request_id: Option<String>,
}

impl From<audit_event::Model> for AuditEventView {
    fn from(m: audit_event::Model) -> Self {
        Self {
            id: m.id,
            occurred_at: m.occurred_at,
            actor: m.actor,
            action: m.action,
            resource_type: m.resource_type,
            resource_id: m.resource_id,
            changes: serde_json::from_str(&m.changes).unwrap_or_default(),
            request_id: m.request_id,
        }
    }
}

/// Filters of the audit trail.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// One or several resource types, comma-separated (`lab_order,approval_request`).
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    pub resource_type: Option<String>,
    /// Changes of this one resource.
    pub resource_id: Option<Uuid>,
    /// Changes made by this user (`sub`), or `system`.
    pub actor: Option<String>,
    /// Changes at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Changes before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

/// What the audit trail sorts on, and its order when the request names none.
pub const SORT_FIELDS: &[(&str, audit_event::Column)] =
    &[("occurred_at", audit_event::Column::OccurredAt)];
pub const DEFAULT_SORT: &str = "-occurred_at";

/// The audit trail (ADMIN)
///
/// Newest first by default (`sort=occurred_at` for oldest first). Read-only.
#[utoipa::path(
    tag = "audit",
    params(ListParams, AuditFilter),
    responses(
        (status = 200, description = "A page of audit events.", body = Page<AuditEventView>),
        ListProblems
    )
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    caller: Caller,
    state: web::Data<AppState>,
    page: Query<ListParams>,
    filter: Query<AuditFilter>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Admin)?;
    let mut query =
        audit_event::Entity::find().filter(audit_event::Column::TenantId.eq(caller.tenant_id()));
    let types = texts(filter.resource_type.as_deref());
    if !types.is_empty() {
        query = query.filter(audit_event::Column::ResourceType.is_in(types));
    }
    if let Some(id) = filter.resource_id {
        query = query.filter(audit_event::Column::ResourceId.eq(id));
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_event::Column::Actor.eq(actor.as_str()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_event::Column::OccurredAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_event::Column::OccurredAt.lt(to));
    }
    let page = page
        .fetch_sorted(
            &state.db,
            query,
            SORT_FIELDS,
            DEFAULT_SORT,
            audit_event::Column::Id,
            AuditEventView::from,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
