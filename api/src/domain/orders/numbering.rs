//! Gapless per-tenant numbers: orders (`LAB-GH-000001`, `SURG-20261203-0001`) and approval
//! requests (`APR-GH-000001`). The counter has at least six digits (four for a surgical case's
//! per-day counter) and simply grows past them (`LAB-GH-1000000`).

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use uuid::Uuid;

use crate::base::error::Error;
use entity::number_sequence::{Column as Seq, Entity as Sequences};

/// Takes the next number of `counter` (`LAB`, `IMG`, `RX`, `SURG`, `APR`) in `scope` (empty, or
/// a day for per-day numbers) for the tenant. Call it inside the transaction that inserts the
/// numbered row: the counter row stays locked until that transaction ends, so concurrent
/// creations queue, a rolled-back creation gives its number back, and numbers are gapless and
/// never duplicated. A counter only grows, so a deleted row's number is never reused.
pub async fn next_number<C: ConnectionTrait>(
    txn: &C,
    tenant_id: Uuid,
    counter: &str,
    scope: &str,
) -> Result<i64, Error> {
    let statement = Query::insert()
        .into_table(Sequences)
        .columns([Seq::TenantId, Seq::Kind, Seq::Scope, Seq::LastValue])
        .values_panic([tenant_id.into(), counter.into(), scope.into(), 1i64.into()])
        .on_conflict(
            OnConflict::columns([Seq::TenantId, Seq::Kind, Seq::Scope])
                .value(
                    Seq::LastValue,
                    Expr::col((Sequences, Seq::LastValue)).add(1),
                )
                .to_owned(),
        )
        .returning_col(Seq::LastValue)
        .to_owned();
    let row = txn
        .query_one(&statement)
        .await?
        .ok_or_else(|| Error::internal("allocating a number"))?;
    Ok(row.try_get::<i64>("", "last_value")?)
}

/// A tenant-wide number: `{prefix}-{tenant code}-{counter, at least six digits}`.
pub fn tenant_number(prefix: &str, tenant_code: &str, counter: i64) -> String {
    format!("{prefix}-{tenant_code}-{counter:06}")
}

/// A per-day number: `{prefix}-{YYYYMMDD}-{counter, at least four digits}`.
pub fn day_number(prefix: &str, day: &str, counter: i64) -> String {
    format!("{prefix}-{day}-{counter:04}")
}

/// The sort value of a per-day number: the day, then its counter (`20261203000007`).
pub fn day_number_value(day: &str, counter: i64) -> i64 {
    day.parse::<i64>().unwrap_or(0) * 1_000_000 + counter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_grow_past_their_padding() {
        assert_eq!(tenant_number("LAB", "GH", 7), "LAB-GH-000007");
        assert_eq!(tenant_number("LAB", "GH", 1_000_000), "LAB-GH-1000000");
        assert_eq!(day_number("SURG", "20261203", 12), "SURG-20261203-0012");
    }
}
