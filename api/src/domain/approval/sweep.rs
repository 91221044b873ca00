//! The expiry sweep: every request holding a grant whose `expiration_date` is before its
//! tenant's today moves to EXPIRED, with a history row by `system`.
//!
//! Safe with several instances on one database: each move is a compare-and-set on the
//! request's version, so a request another instance expired first is skipped; running it again
//! finds nothing more to do. A tenant whose sweep fails is logged and skipped: the others are
//! still swept.

use std::time::Duration;

use entity::{approval_request, tenant};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use super::policy::holds_grant_condition;
use super::read_model::refresh_stale;
use super::service::{SYSTEM, record, refresh_order_of, save};
use super::values::ApprovalStatus;
use crate::base::clock::{self, SharedClock};
use crate::base::error::Error;
use crate::data::audit::Action;

/// What a sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Requests moved to EXPIRED.
    pub expired: u64,
    /// Tenants whose sweep failed (logged); they are tried again at the next run.
    pub failed_tenants: u64,
}

/// Expires lapsed grants of one tenant, or of every tenant.
pub async fn run(
    db: &DatabaseConnection,
    clock: &SharedClock,
    only: Option<Uuid>,
) -> Result<SweepReport, Error> {
    let mut tenants = tenant::Entity::find();
    if let Some(id) = only {
        tenants = tenants.filter(tenant::Column::Id.eq(id));
    }
    let mut report = SweepReport::default();
    for tenant in tenants.all(db).await? {
        match sweep_tenant(db, clock, &tenant).await {
            Ok(expired) => report.expired += expired,
            // One tenant's failure (an unreadable time zone, a busy database) does not stop
            // the sweep of the others. The tenant's own sweep on demand reports its error.
            Err(error) if only.is_none() => {
                report.failed_tenants += 1;
                tracing::warn!(tenant_id = %tenant.id, error = %error, "expiry sweep of a tenant failed");
            }
            Err(error) => return Err(error),
        }
    }
    if report.expired > 0 {
        tracing::info!(expired = report.expired, "expiry sweep");
    }
    Ok(report)
}

async fn sweep_tenant(
    db: &DatabaseConnection,
    clock: &SharedClock,
    tenant: &tenant::Model,
) -> Result<u64, Error> {
    let now = clock::now(clock.as_ref());
    let today = clock::today(clock::zone(&tenant.time_zone)?, now);
    let lapsed = approval_request::Entity::find()
        .filter(approval_request::Column::TenantId.eq(tenant.id))
        .filter(approval_request::Column::ExpirationDate.lt(today))
        .filter(holds_grant_condition())
        .all(db)
        .await?;
    let mut expired = 0;
    for request in lapsed {
        let mut next = request.clone();
        next.status = ApprovalStatus::Expired.to_string();
        next.updated_at = now;
        let txn = db.begin().await?;
        match save(&txn, &request, &next, false, Action::Transition).await {
            Ok(()) => {}
            // Another instance (or a person) changed it first: not ours to expire.
            Err(Error::Conflict { .. }) => continue,
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
            now,
            reason,
        )
        .await?;
        refresh_order_of(&txn, &next, now).await?;
        txn.commit().await?;
        expired += 1;
    }
    // Rows whose recheck date has come (a grant that starts today, a coverage that ended).
    refresh_stale(db, tenant.id, today, now).await?;
    Ok(expired)
}

/// Runs the sweep every `interval` until the process ends (inside `serve`).
pub fn spawn_periodic(db: DatabaseConnection, clock: SharedClock, interval: Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        loop {
            ticker.tick().await;
            if let Err(error) = run(&db, &clock, None).await {
                tracing::warn!(error = %error, "expiry sweep failed; retrying at the next tick");
            }
        }
    });
}
