//! The computed approval fields as the API shows them on every order, single or listed, at a
//! fixed number of queries whatever the number of orders: one for the fields of all the orders,
//! one for their active approvals.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::approval_request;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::computed::{KindSql, NOT_REQUIRING};
use crate::base::error::Error;
use crate::domain::orders::OrderKind;

/// Where an order stands with the payer (DOMAIN.md §3).
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
pub enum OrderApprovalStatus {
    NotRequired,
    NoInsurance,
    Approved,
    PartiallyApproved,
    Draft,
    PendingSubmission,
    Submitted,
    UnderReview,
    MoreInfoRequired,
    Denied,
    AppealSubmitted,
    AppealDenied,
    Expired,
    PriorAuthExpired,
    ApprovalRequired,
    PriorAuthRequired,
    EmergencyApprovalRequired,
}

/// Where an active approval comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalSource {
    /// An approval request of the order.
    Request,
    /// The prior authorization recorded on a prescription.
    Prescription,
}

/// The approval an order proceeds under.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-e290-7e99-9b0a-9d0e1f2a3b40", "approval_number": "APR-GH-000001",
    "authorization_number": "AUTH-99812", "status": "APPROVED", "effective_date": "2026-11-25",
    "expiration_date": "2027-02-28", "approved_quantity": 1, "source": "REQUEST"
}))]
pub struct ActiveApproval {
    /// The request's id; null for a prescription's recorded prior authorization.
    pub id: Option<Uuid>,
    pub approval_number: Option<String>,
    pub authorization_number: Option<String>,
    /// The request's status (APPROVED for a recorded prior authorization).
    pub status: String,
    pub effective_date: Option<NaiveDate>,
    pub expiration_date: Option<NaiveDate>,
    pub approved_quantity: Option<i32>,
    pub source: ApprovalSource,
}

/// The four computed fields every order carries.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ApprovalFields {
    /// Not cancelled, insured on the date that matters, the kind's rule asks, and no valid
    /// approval.
    pub requires_approval: bool,
    /// A valid approval exists (a request holding a grant that has not lapsed, or a valid
    /// recorded prior authorization).
    pub has_valid_approval: bool,
    #[schema(value_type = OrderApprovalStatus)]
    pub approval_status: String,
    /// The valid approval the order proceeds under, or null.
    pub active_approval: Option<ActiveApproval>,
    /// Whether a coverage is in force on the date that matters (not shown in order views).
    #[serde(skip)]
    pub has_insurance: bool,
}

/// A prescription's recorded prior authorization.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub number: Option<String>,
    pub expiry: Option<NaiveDate>,
}

/// The computed fields of the orders `ids` of `kind`, in one query for the fields and one for
/// the active approvals. `recorded` gives a prescription's recorded prior authorization.
pub async fn compute<C>(
    db: &C,
    tenant_id: Uuid,
    kind: OrderKind,
    today: NaiveDate,
    ids: &[Uuid],
    recorded: impl Fn(Uuid) -> Option<Recorded>,
) -> Result<HashMap<Uuid, ApprovalFields>, Error>
where
    C: ConnectionTrait,
{
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let sql = KindSql::new(kind, backend, today);
    let table = Alias::new(sql.table);
    let statement = Query::select()
        .expr_as(
            Expr::col((table.clone(), Alias::new("id"))),
            Alias::new("id"),
        )
        .expr_as(
            Expr::cust(sql.approval_status()),
            Alias::new("approval_status"),
        )
        .expr_as(
            Expr::cust(sql.active_request()),
            Alias::new("active_request_id"),
        )
        .expr_as(Expr::cust(sql.coverage()), Alias::new("coverage_id"))
        .from(table.clone())
        .and_where(Expr::col((table.clone(), Alias::new("tenant_id"))).eq(tenant_id))
        .and_where(Expr::col((table, Alias::new("id"))).is_in(ids.iter().copied()))
        .to_owned();
    let rows: Vec<(Uuid, String, Option<Uuid>, Option<Uuid>)> = db
        .query_all(&statement)
        .await?
        .into_iter()
        .map(|row| {
            Ok((
                row.try_get("", "id")?,
                row.try_get("", "approval_status")?,
                row.try_get("", "active_request_id")?,
                row.try_get("", "coverage_id")?,
            ))
        })
        .collect::<Result<_, sea_orm::DbErr>>()?;
    let active_ids: Vec<Uuid> = rows
        .iter()
        .filter_map(|(_, _, active, _)| *active)
        .collect();
    // Always one query, also when no order of the page has an active approval: the cost of a
    // page does not depend on its content.
    let requests: HashMap<Uuid, approval_request::Model> = approval_request::Entity::find()
        .filter(approval_request::Column::TenantId.eq(tenant_id))
        .filter(approval_request::Column::Id.is_in(active_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok(rows
        .into_iter()
        .map(|(id, status, active_id, coverage_id)| {
            let active = match active_id.and_then(|a| requests.get(&a)) {
                Some(request) => Some(ActiveApproval {
                    id: Some(request.id),
                    approval_number: Some(request.approval_number.clone()),
                    authorization_number: request.authorization_number.clone(),
                    status: request.status.clone(),
                    effective_date: request.effective_date,
                    expiration_date: request.expiration_date,
                    approved_quantity: request.approved_quantity,
                    source: ApprovalSource::Request,
                }),
                // No valid request: a prescription's recorded prior authorization, when valid on
                // D (today, for a prescription).
                None => recorded(id)
                    .filter(|r| {
                        r.number.is_some() && r.expiry.is_some_and(|expiry| expiry >= today)
                    })
                    .map(|r| ActiveApproval {
                        id: None,
                        approval_number: None,
                        authorization_number: r.number,
                        status: "APPROVED".to_owned(),
                        effective_date: None,
                        expiration_date: r.expiry,
                        approved_quantity: None,
                        source: ApprovalSource::Prescription,
                    }),
            };
            let fields = ApprovalFields {
                requires_approval: !NOT_REQUIRING.contains(&status.as_str()),
                has_valid_approval: active.is_some(),
                approval_status: status,
                active_approval: active,
                has_insurance: coverage_id.is_some(),
            };
            (id, fields)
        })
        .collect())
}
