//! What the four order kinds (lab, imaging, prescription, surgical case) share: gapless
//! per-tenant numbers, status lifecycles, reference checks and date-range filters.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, Select, TransactionTrait,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::db::{TenantOwned, scoped};
use crate::error::ApiError;
use entity::number_sequence::{Column as Seq, Entity as Sequences};

/// Takes the next number of `kind` (`LAB`, `IMG`, `RX`, `SURG`, `APR`) in `scope` (empty, or a
/// day for per-day numbers) for the tenant. Call it inside the transaction that inserts the
/// numbered row: the counter row stays locked until that transaction ends, so concurrent
/// creations queue, a rolled-back creation gives its number back, and numbers are gapless and
/// never duplicated. A counter only grows, so a deleted row's number is never reused.
pub async fn next_number<C: ConnectionTrait>(
    txn: &C,
    tenant_id: Uuid,
    kind: &str,
    scope: &str,
) -> Result<i64, ApiError> {
    let statement = Query::insert()
        .into_table(Sequences)
        .columns([Seq::TenantId, Seq::Kind, Seq::Scope, Seq::LastValue])
        .values_panic([tenant_id.into(), kind.into(), scope.into(), 1i64.into()])
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
    let row = txn.query_one(&statement).await?.ok_or(ApiError::Internal)?;
    Ok(row.try_get::<i64>("", "last_value")?)
}

/// Inserts the row `build` makes from the next number of `kind` in `scope`, in one
/// transaction with the number's allocation (see [`next_number`]).
pub async fn insert_numbered<A, F>(
    db: &DatabaseConnection,
    tenant_id: Uuid,
    kind: &str,
    scope: &str,
    build: F,
) -> Result<<A::Entity as EntityTrait>::Model, ApiError>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    F: FnOnce(i64) -> A,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let txn = db.begin().await?;
    let number = next_number(&txn, tenant_id, kind, scope).await?;
    let model = build(number).insert(&txn).await?;
    txn.commit().await?;
    Ok(model)
}

/// The statuses of one order kind and the moves between them. A status with no moves is final.
#[derive(Debug)]
pub struct Lifecycle {
    pub transitions: &'static [(&'static str, &'static [&'static str])],
}

impl Lifecycle {
    fn allowed(&self, from: &str) -> &'static [&'static str] {
        self.transitions
            .iter()
            .find(|(status, _)| *status == from)
            .map(|(_, to)| *to)
            .unwrap_or(&[])
    }

    /// Whether an order in `status` is closed (CANCELLED, COMPLETED).
    pub fn is_final(&self, status: &str) -> bool {
        self.allowed(status).is_empty()
    }

    /// What every order PATCH checks first: a stale `If-Match` (412), a changed `patient_id`
    /// (422), a closed order (409). Answers whether `If-Match` was given.
    pub fn open_for_patch(
        &self,
        status: &str,
        version: i32,
        if_match: crate::extract::IfMatch,
        patient_id: &Option<Option<Uuid>>,
    ) -> Result<bool, ApiError> {
        let with_if_match = if_match.check(version)?;
        immutable("patient_id", patient_id)?;
        ensure_open(self, status)?;
        Ok(with_if_match)
    }

    /// The status a merge patch asks for, checked against the lifecycle; None when the patch
    /// leaves the status alone.
    pub fn next<S: AsRef<str>>(
        &self,
        current: &str,
        requested: Option<Option<S>>,
    ) -> Result<Option<String>, ApiError> {
        let Some(requested) = requested else {
            return Ok(None);
        };
        let requested =
            requested.ok_or_else(|| ApiError::invalid("status", "required", "cannot be null"))?;
        self.check(current, requested.as_ref())?;
        Ok(Some(requested.as_ref().to_owned()))
    }

    /// 409 listing the allowed targets unless `from` may move to `to` (staying is allowed).
    pub fn check(&self, from: &str, to: &str) -> Result<(), ApiError> {
        if from == to || self.allowed(from).contains(&to) {
            return Ok(());
        }
        Err(ApiError::TransitionNotAllowed {
            from: from.to_owned(),
            to: to.to_owned(),
            allowed: self.allowed(from).iter().map(|s| (*s).to_owned()).collect(),
        })
    }
}

/// Lab and imaging orders.
pub const SERVICE_ORDER_LIFECYCLE: Lifecycle = Lifecycle {
    transitions: &[
        ("PENDING", &["SCHEDULED", "IN_PROGRESS", "CANCELLED"]),
        ("SCHEDULED", &["PENDING", "IN_PROGRESS", "CANCELLED"]),
        ("IN_PROGRESS", &["COMPLETED", "CANCELLED"]),
        ("COMPLETED", &[]),
        ("CANCELLED", &[]),
    ],
};

/// Prescriptions.
pub const PRESCRIPTION_LIFECYCLE: Lifecycle = Lifecycle {
    transitions: &[
        ("ACTIVE", &["DISPENSED", "COMPLETED", "CANCELLED"]),
        ("DISPENSED", &["COMPLETED", "CANCELLED"]),
        ("COMPLETED", &[]),
        ("CANCELLED", &[]),
    ],
};

/// Surgical cases: SCHEDULED → CONFIRMED → PREP → IN_PROGRESS → COMPLETED, with DELAYED and
/// POSTPONED on the way; no cancelling or postponing once IN_PROGRESS or COMPLETED.
pub const SURGICAL_CASE_LIFECYCLE: Lifecycle = Lifecycle {
    transitions: &[
        (
            "SCHEDULED",
            &["CONFIRMED", "DELAYED", "POSTPONED", "CANCELLED"],
        ),
        ("CONFIRMED", &["PREP", "DELAYED", "POSTPONED", "CANCELLED"]),
        (
            "PREP",
            &["IN_PROGRESS", "DELAYED", "POSTPONED", "CANCELLED"],
        ),
        (
            "DELAYED",
            &[
                "SCHEDULED",
                "CONFIRMED",
                "PREP",
                "IN_PROGRESS",
                "POSTPONED",
                "CANCELLED",
            ],
        ),
        ("POSTPONED", &["SCHEDULED", "CANCELLED"]),
        ("IN_PROGRESS", &["COMPLETED"]),
        ("COMPLETED", &[]),
        ("CANCELLED", &[]),
    ],
};

/// 409 when an order is closed: its fields no longer change.
pub fn ensure_open(lifecycle: &Lifecycle, status: &str) -> Result<(), ApiError> {
    if lifecycle.is_final(status) {
        return Err(ApiError::conflict(
            "order_closed",
            format!("the order is {status}; a closed order cannot be changed or reopened"),
        ));
    }
    Ok(())
}

/// The row `id` of the caller's tenant that a request refers to in `field`; a 422 on that field
/// when the tenant has no such row (another tenant's row included).
pub async fn reference<E: TenantOwned, C: ConnectionTrait>(
    db: &C,
    tenant_id: Uuid,
    field: &'static str,
    id: Uuid,
) -> Result<E::Model, ApiError> {
    scoped::<E>(tenant_id)
        .filter(E::id_column().eq(id))
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                "unknown_reference",
                format!("no {} with this id", E::NAME),
            )
        })
}

/// 422 when a merge patch tries to change a field that is fixed at creation.
pub fn immutable<T>(field: &'static str, value: &Option<T>) -> Result<(), ApiError> {
    if value.is_some() {
        return Err(ApiError::invalid(
            field,
            "immutable",
            "cannot be changed after creation",
        ));
    }
    Ok(())
}

/// Filters every order list takes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderFilter {
    /// Orders of this patient.
    pub patient_id: Option<Uuid>,
    /// One or several statuses, comma-separated.
    pub status: Option<String>,
    /// Service date on or after this day (the tenant's time zone).
    #[param(example = "2026-11-01")]
    pub from: Option<NaiveDate>,
    /// Service date on or before this day (the tenant's time zone).
    #[param(example = "2026-11-30")]
    pub to: Option<NaiveDate>,
}

impl OrderFilter {
    /// Applies the common filters; `date_column` holds the order's service instant or date.
    pub fn apply<E: TenantOwned>(
        &self,
        mut query: Select<E>,
        patient_column: E::Column,
        status_column: E::Column,
        statuses: &[&str],
        date: DateFilter<E::Column>,
        zone: chrono_tz::Tz,
    ) -> Result<Select<E>, ApiError> {
        if let Some(patient_id) = self.patient_id {
            query = query.filter(patient_column.eq(patient_id));
        }
        let wanted = crate::list::values("status", self.status.as_deref(), |v| {
            statuses.iter().find(|s| **s == v).map(|s| (*s).to_owned())
        })?;
        if !wanted.is_empty() {
            query = query.filter(status_column.is_in(wanted));
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(ApiError::bad_request(
                "invalid_query",
                "from must not be after to",
            ));
        }
        match date {
            DateFilter::Instant(column) => {
                if let Some(from) = self.from {
                    query = query.filter(column.gte(day_start(zone, from)));
                }
                if let Some(to) = self.to.and_then(|to| to.succ_opt()) {
                    query = query.filter(column.lt(day_start(zone, to)));
                }
            }
            DateFilter::Date(column) => {
                if let Some(from) = self.from {
                    query = query.filter(column.gte(from));
                }
                if let Some(to) = self.to {
                    query = query.filter(column.lte(to));
                }
            }
        }
        Ok(query)
    }
}

/// The column a date range applies to.
#[derive(Debug, Clone, Copy)]
pub enum DateFilter<C> {
    /// An instant: the range covers whole days of the tenant's time zone.
    Instant(C),
    /// A calendar date.
    Date(C),
}

/// The first instant of `day` in `zone` (after a daylight-saving gap at midnight, the first
/// instant that exists).
pub fn day_start(zone: chrono_tz::Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    (0..24)
        .find_map(|hour| {
            zone.from_local_datetime(&(midnight + chrono::TimeDelta::hours(hour)))
                .earliest()
        })
        .map(|local| local.with_timezone(&Utc))
        .unwrap_or_else(|| midnight.and_utc())
}

/// The date of `instant` in `zone`.
pub fn local_date(zone: chrono_tz::Tz, instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&zone).date_naive()
}

/// Maps a database refusal to delete an order that approval requests refer to.
pub fn order_in_use(error: ApiError) -> ApiError {
    match error {
        ApiError::Conflict { code: "in_use", .. } => ApiError::conflict(
            "order_in_use",
            "approval requests refer to this order; cancel the order instead of deleting it",
        ),
        other => other,
    }
}

/// After a tenant's time zone changed: the stored service dates of its lab orders, imaging
/// orders and surgical cases follow the new zone (inside the caller's transaction).
pub async fn recompute_service_dates<C: ConnectionTrait>(
    txn: &C,
    tenant_id: Uuid,
    zone: chrono_tz::Tz,
) -> Result<(), ApiError> {
    use entity::{imaging_order, lab_order, surgical_case};
    use sea_orm::QuerySelect;
    macro_rules! recompute {
        ($module:ident, $instant:ident) => {{
            let rows: Vec<(Uuid, Option<DateTime<Utc>>, Option<NaiveDate>)> =
                $module::Entity::find()
                    .select_only()
                    .column($module::Column::Id)
                    .column($module::Column::$instant)
                    .column($module::Column::ServiceDate)
                    .filter($module::Column::TenantId.eq(tenant_id))
                    .into_tuple()
                    .all(txn)
                    .await?;
            for (id, instant, stored) in rows {
                let date = instant.map(|at| local_date(zone, at));
                if date != stored {
                    $module::Entity::update_many()
                        .col_expr($module::Column::ServiceDate, Expr::value(date))
                        .filter($module::Column::TenantId.eq(tenant_id))
                        .filter($module::Column::Id.eq(id))
                        .exec(txn)
                        .await?;
                }
            }
        }};
    }
    recompute!(lab_order, CollectionDatetime);
    recompute!(imaging_order, RequestedDatetime);
    recompute!(surgical_case, ScheduledStart);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycles() {
        assert!(
            SURGICAL_CASE_LIFECYCLE
                .check("SCHEDULED", "CONFIRMED")
                .is_ok()
        );
        assert!(
            SURGICAL_CASE_LIFECYCLE
                .check("IN_PROGRESS", "CANCELLED")
                .is_err()
        );
        assert!(
            SURGICAL_CASE_LIFECYCLE
                .check("IN_PROGRESS", "POSTPONED")
                .is_err()
        );
        assert!(SURGICAL_CASE_LIFECYCLE.is_final("COMPLETED"));
        assert!(
            SERVICE_ORDER_LIFECYCLE
                .check("CANCELLED", "PENDING")
                .is_err()
        );
        assert!(PRESCRIPTION_LIFECYCLE.check("ACTIVE", "ACTIVE").is_ok());
    }

    #[test]
    fn day_starts_in_a_zone() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 8).expect("date");
        let start = day_start(chrono_tz::America::New_York, day);
        assert_eq!(start.to_rfc3339(), "2026-03-08T05:00:00+00:00");
        // Midnight does not exist in Santiago on its spring-forward day.
        let gap = NaiveDate::from_ymd_opt(2026, 9, 6).expect("date");
        assert_eq!(
            day_start(chrono_tz::America::Santiago, gap).to_rfc3339(),
            "2026-09-06T04:00:00+00:00"
        );
    }
}
