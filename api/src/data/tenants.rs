//! Tenants as the rest of the service reads them: from the state's cache when it was read less
//! than the cache's TTL ago, else from the database (one statement).

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait, Statement};
use uuid::Uuid;

use crate::base::error::Error;
use crate::base::state::AppState;

/// Tenant `id`, or None when there is no such tenant.
pub async fn load(state: &AppState, id: Uuid) -> Result<Option<Arc<entity::tenant::Model>>, Error> {
    if let Some(tenant) = state.tenants.get(id) {
        return Ok(Some(tenant));
    }
    let Some(tenant) = entity::tenant::Entity::find_by_id(id)
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let tenant = Arc::new(tenant);
    state.tenants.put(tenant.clone());
    Ok(Some(tenant))
}

/// Inside a writing transaction: the tenant's time zone as committed, with the tenant row
/// locked against a concurrent change of its zone (PostgreSQL `FOR KEY SHARE`, which writers
/// of the same tenant share; a zone change takes `FOR UPDATE`). Every date a writer stores or
/// computes comes from this zone, never from a cached tenant. SQLite serializes writers: a
/// writing transaction that has written reads the latest row.
pub async fn zone_for_write<C: ConnectionTrait>(
    txn: &C,
    tenant_id: Uuid,
) -> Result<chrono_tz::Tz, Error> {
    let backend = txn.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => "SELECT time_zone FROM tenants WHERE id = $1 FOR KEY SHARE",
        _ => "SELECT time_zone FROM tenants WHERE id = ?",
    };
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [tenant_id.into()],
        ))
        .await?
        .ok_or_else(|| Error::internal("reading the tenant of a write"))?;
    let name: String = row
        .try_get("", "time_zone")
        .map_err(|e| Error::internal_from("reading the tenant of a write", e))?;
    crate::base::clock::zone(&name)
}

/// Inside a transaction that changes the tenant: its row locked against writers reading its
/// zone (PostgreSQL `FOR UPDATE`; SQLite serializes writers).
pub async fn lock_for_update<C: ConnectionTrait>(txn: &C, tenant_id: Uuid) -> Result<(), Error> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE",
            [tenant_id.into()],
        ))
        .await?;
    }
    Ok(())
}
