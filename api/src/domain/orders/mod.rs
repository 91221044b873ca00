//! What the four order kinds share in the domain: the kind mapping, each kind's lifecycle,
//! gapless numbers, the service date, and the rules of changing an order.

pub mod kind;
pub mod lifecycle;
pub mod numbering;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;

use crate::base::clock::local_date;
use crate::base::error::Error;
pub use kind::{KindInfo, OrderKind};
pub use lifecycle::Lifecycle;

/// 422 when a merge patch tries to change a field that is fixed at creation.
pub fn immutable<T: PartialEq>(
    field: &'static str,
    value: &Option<T>,
    current: &T,
) -> Result<(), Error> {
    // Sending back the value it has (a client echoing what it read) changes nothing.
    if value.as_ref().is_some_and(|value| value != current) {
        return Err(Error::invalid(
            field,
            "immutable",
            "cannot be changed after creation",
        ));
    }
    Ok(())
}

/// The stored service date of an order whose service instant is `instant`: its date in the
/// tenant's `zone` (none without an instant; the rules then use today).
pub fn service_date(zone: chrono_tz::Tz, instant: Option<DateTime<Utc>>) -> Option<NaiveDate> {
    instant.map(|at| local_date(zone, at))
}

/// After a tenant's time zone changed: the stored service dates of its orders follow the new
/// zone (inside the caller's transaction).
pub async fn recompute_service_dates<C: ConnectionTrait>(
    txn: &C,
    tenant_id: Uuid,
    zone: chrono_tz::Tz,
) -> Result<(), Error> {
    let backend = txn.get_database_backend();
    let parameter = |n: usize| match backend {
        sea_orm::DatabaseBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    };
    for kind in OrderKind::ALL {
        let info = kind.info();
        let Some(instant) = info.service_instant_column else {
            continue;
        };
        let rows = txn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT id, {instant} AS instant, service_date FROM {table} WHERE tenant_id = {p1}",
                    table = info.table,
                    p1 = parameter(1)
                ),
                [tenant_id.into()],
            ))
            .await?;
        for row in rows {
            let id: Uuid = row.try_get("", "id")?;
            let at: Option<DateTime<Utc>> = row.try_get("", "instant")?;
            let stored: Option<NaiveDate> = row.try_get("", "service_date")?;
            let date = service_date(zone, at);
            if date != stored {
                txn.execute_raw(Statement::from_sql_and_values(
                    backend,
                    format!(
                        "UPDATE {table} SET service_date = {p1} WHERE tenant_id = {p2} AND id = {p3}",
                        table = info.table,
                        p1 = parameter(1),
                        p2 = parameter(2),
                        p3 = parameter(3)
                    ),
                    [date.into(), tenant_id.into(), id.into()],
                ))
                .await?;
            }
        }
    }
    Ok(())
}
