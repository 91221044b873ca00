//! Writing approval requests: every change is one transaction, a compare-and-set on `version`,
//! and a transition writes its history row inside that same transaction.

use chrono::{DateTime, Utc};
use entity::{approval_request, approval_status_history as history};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use super::state::{self, ApprovalStatus, TransitionRequest};
use crate::db::update_versioned;
use crate::error::ApiError;
use crate::orders::next_number;

/// Who a history row names for changes the service makes by itself (the expiry sweep).
pub const SYSTEM: &str = "system";

/// Inserts a new request (its number allocated in the same transaction) and its history row 1
/// (`from_status` null).
pub async fn create(
    db: &DatabaseConnection,
    tenant_id: Uuid,
    tenant_code: &str,
    mut request: approval_request::ActiveModel,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<approval_request::Model, ApiError> {
    let txn = db.begin().await?;
    let number = next_number(&txn, tenant_id, "APR", "").await?;
    request.approval_number = Set(format!("APR-{tenant_code}-{number:06}"));
    let model = request.insert(&txn).await?;
    record(&txn, &model, None, &model.status, created_by, now, None).await?;
    txn.commit().await?;
    Ok(model)
}

/// Appends a history row to `request` (call inside the transaction that changed it: the row
/// lock taken by that change keeps `seq` gapless and unique).
pub async fn record<C: ConnectionTrait>(
    txn: &C,
    request: &approval_request::Model,
    from: Option<&str>,
    to: &str,
    changed_by: &str,
    at: DateTime<Utc>,
    reason: Option<String>,
) -> Result<(), ApiError> {
    let last: Option<Option<i32>> = history::Entity::find()
        .select_only()
        .column_as(
            Expr::expr(Func::max(Expr::col(history::Column::Seq))),
            "last",
        )
        .filter(history::Column::TenantId.eq(request.tenant_id))
        .filter(history::Column::ApprovalRequestId.eq(request.id))
        .into_tuple()
        .one(txn)
        .await?;
    let seq = last.flatten().unwrap_or(0) + 1;
    history::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(request.tenant_id),
        approval_request_id: Set(request.id),
        seq: Set(seq),
        from_status: Set(from.map(str::to_owned)),
        to_status: Set(to.to_owned()),
        changed_by: Set(changed_by.to_owned()),
        changed_at: Set(at),
        reason: Set(reason),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Moves `current` as `transition` asks (see [`state::apply`]) in one transaction: the request
/// row moves to `version + 1` only if it is still at `version` (else 412 with `If-Match`, 409
/// without), and its history row is written with it.
pub async fn transition(
    db: &DatabaseConnection,
    current: &approval_request::Model,
    transition: &TransitionRequest,
    changed_by: &str,
    today: chrono::NaiveDate,
    with_if_match: bool,
) -> Result<approval_request::Model, ApiError> {
    let now = crate::db::now();
    let mut next = state::apply(current, transition, today, now)?;
    next.updated_at = now;
    let reason = transition
        .reason
        .clone()
        .or_else(|| match transition.to_status {
            ApprovalStatus::Denied | ApprovalStatus::AppealDenied => {
                transition.denial_reason.clone()
            }
            _ => None,
        });
    let txn = db.begin().await?;
    save(&txn, current, &next, with_if_match).await?;
    next.version = current.version + 1;
    record(
        &txn,
        &next,
        Some(&current.status),
        &next.status,
        changed_by,
        now,
        reason,
    )
    .await?;
    txn.commit().await?;
    Ok(next)
}

/// Writes every field of `next` that differs from `current`, as a compare-and-set on version.
pub async fn save<C: ConnectionTrait>(
    txn: &C,
    current: &approval_request::Model,
    next: &approval_request::Model,
    with_if_match: bool,
) -> Result<(), ApiError> {
    let mut changes = next.clone().into_active_model().reset_all();
    // Only what changed is written; the version is set by the compare-and-set.
    let unchanged = current.clone().into_active_model();
    for column in <approval_request::Entity as EntityTrait>::Column::iter() {
        if changes.get(column).into_value() == unchanged.get(column).into_value() {
            changes.not_set(column);
        }
    }
    changes.not_set(approval_request::Column::Version);
    update_versioned(
        txn,
        current.tenant_id,
        current.id,
        current.version,
        with_if_match,
        changes,
    )
    .await
}

use sea_orm::Iterable;
