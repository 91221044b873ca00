//! Idempotency keys in the database (so that a retry reaching another instance is recognised):
//! claiming a key for a request, recording its answer, releasing it when the request failed on
//! our side, and purging expired keys.

use chrono::{DateTime, Duration, Utc};
use entity::idempotency_key::{self, ActiveModel, Column, Entity, Model};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TryInsertResult,
};
use uuid::Uuid;

use crate::base::error::Error;

/// How long a key is kept after its first use.
pub const KEPT_FOR: Duration = Duration::hours(24);

/// How long a first request may run before a retry with its key may take the key over (the
/// instance that ran it is presumed gone): well past the longest a handler may run.
pub const ABANDONED_AFTER: Duration = Duration::minutes(2);

/// Which key: the caller's tenant and user, the method and path, and the client's key.
#[derive(Debug, Clone)]
pub struct Scope {
    pub tenant_id: Uuid,
    pub user: String,
    pub method: String,
    pub path: String,
    pub key: String,
}

/// What claiming a key found.
#[derive(Debug)]
pub enum Claim {
    /// The key is new (or expired, or abandoned): this request runs and its answer is kept.
    Fresh,
    /// The same request was answered before: answer it again.
    Replay(Box<Model>),
    /// The first request with this key still runs.
    InFlight,
    /// The key was used with another request (another body or query string).
    Mismatch,
}

impl Scope {
    fn filter(&self) -> sea_orm::Condition {
        sea_orm::Condition::all()
            .add(Column::TenantId.eq(self.tenant_id))
            .add(Column::UserSub.eq(self.user.as_str()))
            .add(Column::Method.eq(self.method.as_str()))
            .add(Column::Path.eq(self.path.as_str()))
            .add(Column::Key.eq(self.key.as_str()))
    }
}

/// Claims `scope` for a request with `fingerprint` at `now`.
pub async fn claim<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<Claim, Error> {
    for _ in 0..2 {
        if insert(db, scope, fingerprint, now).await? {
            return Ok(Claim::Fresh);
        }
        let Some(found) = Entity::find().filter(scope.filter()).one(db).await? else {
            // Purged between the two statements: try again.
            continue;
        };
        let abandoned = found.response_status.is_none() && found.created_at + ABANDONED_AFTER < now;
        if found.expires_at <= now || abandoned {
            // Take it over only if no one else did meanwhile (same creation instant).
            Entity::delete_many()
                .filter(scope.filter())
                .filter(Column::CreatedAt.eq(found.created_at))
                .exec(db)
                .await?;
            continue;
        }
        if found.fingerprint != fingerprint {
            return Ok(Claim::Mismatch);
        }
        return Ok(match found.response_status {
            None => Claim::InFlight,
            Some(_) => Claim::Replay(Box::new(found)),
        });
    }
    Ok(Claim::InFlight)
}

async fn insert<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let row = ActiveModel {
        tenant_id: Set(scope.tenant_id),
        user_sub: Set(scope.user.clone()),
        method: Set(scope.method.clone()),
        path: Set(scope.path.clone()),
        key: Set(scope.key.clone()),
        fingerprint: Set(fingerprint.to_owned()),
        response_status: Set(None),
        response_headers: Set(None),
        response_body: Set(None),
        created_at: Set(now),
        expires_at: Set(now + KEPT_FOR),
    };
    let result = Entity::insert(row)
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await?;
    Ok(matches!(result, TryInsertResult::Inserted(1)))
}

/// Records the answer of the request that claimed `scope`.
pub async fn complete<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    status: u16,
    headers: &serde_json::Value,
    body: &str,
) -> Result<(), Error> {
    Entity::update_many()
        .col_expr(
            Column::ResponseStatus,
            sea_orm::sea_query::Expr::value(i16::try_from(status).unwrap_or(500)),
        )
        .col_expr(
            Column::ResponseHeaders,
            sea_orm::sea_query::Expr::value(headers.to_string()),
        )
        .col_expr(
            Column::ResponseBody,
            sea_orm::sea_query::Expr::value(body.to_owned()),
        )
        .filter(scope.filter())
        .filter(Column::ResponseStatus.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets the claim of a request that failed on our side, so that a retry runs again.
pub async fn release<C: ConnectionTrait>(db: &C, scope: &Scope) -> Result<(), Error> {
    Entity::delete_many()
        .filter(scope.filter())
        .filter(Column::ResponseStatus.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes the keys that expired by `now`; answers how many.
pub async fn purge<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<u64, Error> {
    let result = idempotency_key::Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
