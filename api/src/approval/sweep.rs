//! The expiry sweep: every request holding a grant whose `expiration_date` is before its
//! tenant's today moves to EXPIRED, with a history row by `system`.
//!
//! Safe with several instances on one database: each move is a compare-and-set on the
//! request's version, so a request another instance expired first is skipped; running it again
//! finds nothing more to do.

use std::time::Duration;

use entity::{approval_request, tenant};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use super::service::{SYSTEM, record, save};
use super::state::{APPEAL_STATUSES, ApprovalStatus, GRANT_STATUSES, PARTIAL};
use crate::error::ApiError;
use crate::routes::tenant::today;

/// Expires lapsed grants of one tenant, or of every tenant; answers how many expired.
pub async fn run(db: &DatabaseConnection, only: Option<Uuid>) -> Result<u64, ApiError> {
    let mut tenants = tenant::Entity::find();
    if let Some(id) = only {
        tenants = tenants.filter(tenant::Column::Id.eq(id));
    }
    let mut expired = 0;
    for tenant in tenants.all(db).await? {
        let today = today(&tenant);
        let lapsed = approval_request::Entity::find()
            .filter(approval_request::Column::TenantId.eq(tenant.id))
            .filter(approval_request::Column::ExpirationDate.lt(today))
            .filter(holds_grant())
            .all(db)
            .await?;
        for request in lapsed {
            let mut next = request.clone();
            next.status = ApprovalStatus::Expired.to_string();
            next.updated_at = crate::db::now();
            let txn = db.begin().await?;
            match save(&txn, &request, &next, false).await {
                Ok(()) => {}
                // Another instance (or a person) changed it first: not ours to expire.
                Err(ApiError::Conflict { .. }) => continue,
                Err(other) => return Err(other),
            }
            next.version = request.version + 1;
            let reason = request
                .expiration_date
                .map(|end| format!("expiration date {end} has passed"));
            record(
                &txn,
                &next,
                Some(&request.status),
                &next.status,
                SYSTEM,
                next.updated_at,
                reason,
            )
            .await?;
            txn.commit().await?;
            expired += 1;
        }
    }
    if expired > 0 {
        tracing::info!(expired, "expiry sweep");
    }
    Ok(expired)
}

/// The SQL form of [`super::state::holds_grant`].
pub fn holds_grant() -> Condition {
    Condition::any()
        .add(approval_request::Column::Status.is_in(GRANT_STATUSES.iter().map(ToString::to_string)))
        .add(
            Condition::all()
                .add(
                    approval_request::Column::Status
                        .is_in(APPEAL_STATUSES.iter().map(ToString::to_string)),
                )
                .add(approval_request::Column::GrantKind.eq(PARTIAL)),
        )
}

/// Runs the sweep every `interval` until the process ends (inside `serve`).
pub fn spawn_periodic(db: DatabaseConnection, interval: Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        loop {
            ticker.tick().await;
            if let Err(error) = run(&db, None).await {
                tracing::warn!(error = %error, "expiry sweep failed; retrying at the next tick");
            }
        }
    });
}
