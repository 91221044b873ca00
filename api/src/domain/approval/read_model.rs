//! Keeping the approval read model (`order_approval_states`) equal to what the rules say.
//!
//! Every write that can change what an order shows calls [`refresh`] inside its own
//! transaction, after its own change: the rows in scope are locked (PostgreSQL `FOR UPDATE`, in
//! order of id, so lockers never deadlock each other), the inputs are read as committed (after
//! the locks), each row is computed by [`order_state::compute`], and the rows that changed are
//! written. Two writers that touch one order at once therefore leave its row computed from both
//! changes: the second waits for the first to commit, then reads it. A write whose scope is a
//! patient (coverage) or a medication (formulary) first locks that patient or medication row,
//! which order creations hold a key-share lock on through their foreign key: an order created
//! at the same moment is either seen, or sees the change. SQLite serializes writers, and every
//! writer calls `refresh` after its first write, so it reads the latest state too.
//!
//! Rows whose `recheck_on` has come (a date rule may have changed them) are recomputed by
//! [`refresh_stale`]: the periodic sweep, and any read that would use them, call it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    approval_request, imaging_order, insurance_info, lab_order, medication,
    order_approval_state as state, prescription, surgical_case,
};
use sea_orm::sea_query::{Condition, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, Iterable,
    QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use uuid::Uuid;

use super::order_state::{self, OrderFacts, RequestFacts, Urgency};
use super::values::ApprovalStatus;
use crate::base::clock;
use crate::base::error::Error;
use crate::data::tenants::zone_for_write;
use crate::domain::orders::OrderKind;
use crate::domain::orders::lifecycle::{
    Lifecycle, PrescriptionStatus, ServiceOrderStatus, SurgicalCaseStatus,
};

/// Which rows to recompute.
#[derive(Debug, Clone)]
pub enum Scope {
    /// These orders (an order's own write, a request's).
    Orders(Vec<(OrderKind, Uuid)>),
    /// Every order of a patient (a coverage changed).
    Patient(Uuid),
    /// Every prescription of a medication (its formulary status changed).
    Medication(Uuid),
    /// Every order of the tenant (its time zone changed).
    Tenant,
    /// The rows whose `recheck_on` has come.
    Stale,
}

/// How many stale rows one transaction recomputes.
const STALE_BATCH: u64 = 500;

/// Recomputes the read-model rows of `scope` inside `txn` (which already holds the caller's
/// own change), judged on the tenant's today at `now`. Answers the rows, as now stored.
pub async fn refresh<C: ConnectionTrait>(
    txn: &C,
    tenant_id: Uuid,
    now: DateTime<Utc>,
    scope: Scope,
) -> Result<Vec<state::Model>, Error> {
    let zone = zone_for_write(txn, tenant_id).await?;
    refresh_in(txn, tenant_id, zone, now, scope).await
}

/// As [`refresh`], when the transaction has already read the tenant's zone with
/// [`zone_for_write`].
pub async fn refresh_in<C: ConnectionTrait>(
    txn: &C,
    tenant_id: Uuid,
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
    scope: Scope,
) -> Result<Vec<state::Model>, Error> {
    let backend = txn.get_database_backend();
    let today = clock::today(zone, now);
    let postgres = backend == DatabaseBackend::Postgres;
    // The rows in scope, locked; for a patient or a medication, that row first.
    let mut locking = state::Entity::find()
        .filter(state::Column::TenantId.eq(tenant_id))
        .order_by_asc(state::Column::OrderId);
    let mut which = Which::All;
    match &scope {
        Scope::Orders(orders) => {
            let ids: Vec<Uuid> = orders.iter().map(|(_, id)| *id).collect();
            locking = locking.filter(state::Column::OrderId.is_in(ids.clone()));
            which = Which::Ids(orders.clone());
        }
        Scope::Patient(patient_id) => {
            if postgres {
                lock_row(txn, "patients", tenant_id, *patient_id).await?;
            }
            locking = locking.filter(state::Column::PatientId.eq(*patient_id));
            which = Which::Patient(*patient_id);
        }
        Scope::Medication(medication_id) => {
            if postgres {
                lock_row(txn, "medications", tenant_id, *medication_id).await?;
            }
            locking = locking.filter(state::Column::Kind.eq(OrderKind::Pharmacy.as_ref()));
            which = Which::Medication(*medication_id);
        }
        Scope::Tenant => {}
        Scope::Stale => {
            locking = locking
                .filter(state::Column::RecheckOn.lte(today))
                .limit(STALE_BATCH);
        }
    }
    if postgres {
        locking = locking.lock_exclusive();
    }
    let existing: HashMap<Uuid, state::Model> = locking
        .all(txn)
        .await?
        .into_iter()
        .map(|row| (row.order_id, row))
        .collect();
    if let Scope::Stale = scope {
        which = Which::Ids(
            existing
                .values()
                .map(|row| {
                    let kind = row
                        .kind
                        .parse()
                        .map_err(|_| Error::unreadable("reading an order's kind", &row.kind))?;
                    Ok((kind, row.order_id))
                })
                .collect::<Result<_, Error>>()?,
        );
    }
    let facts = load_orders(txn, tenant_id, &which).await?;
    // A row whose order is gone (a row no write removed) goes too.
    let loaded: HashSet<Uuid> = facts.iter().map(|o| o.id).collect();
    let orphans: Vec<Uuid> = existing
        .keys()
        .filter(|id| !loaded.contains(id))
        .copied()
        .collect();
    if matches!(scope, Scope::Orders(_) | Scope::Stale) && !orphans.is_empty() {
        state::Entity::delete_many()
            .filter(state::Column::TenantId.eq(tenant_id))
            .filter(state::Column::OrderId.is_in(orphans))
            .exec(txn)
            .await?;
    }
    let rows = compute_all(txn, tenant_id, &facts, today).await?;
    let changed: Vec<state::Model> = rows
        .iter()
        .filter(|row| existing.get(&row.order_id) != Some(*row))
        .cloned()
        .collect();
    write(txn, changed).await?;
    Ok(rows)
}

/// Recomputes, in transactions of their own, the tenant's rows whose `recheck_on` has come by
/// its today at `now`. Cheap when there are none (one indexed probe).
pub async fn refresh_stale(
    db: &DatabaseConnection,
    tenant_id: Uuid,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    while has_stale(db, tenant_id, today).await? {
        let txn = db.begin().await?;
        refresh(&txn, tenant_id, now, Scope::Stale).await?;
        txn.commit().await?;
    }
    Ok(())
}

/// The rows of orders `ids` of `kind` as reads show them (one statement); a row that is
/// missing or whose recheck date has come by `today` is recomputed first. An id of no order of
/// the tenant has no row.
pub async fn current_rows(
    db: &DatabaseConnection,
    tenant_id: Uuid,
    kind: OrderKind,
    ids: &[Uuid],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, state::Model>, Error> {
    let rows = state::Entity::find()
        .filter(state::Column::TenantId.eq(tenant_id))
        .filter(state::Column::OrderId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let mut found: HashMap<Uuid, state::Model> =
        rows.into_iter().map(|row| (row.order_id, row)).collect();
    let stale: Vec<(OrderKind, Uuid)> = ids
        .iter()
        .filter(|id| {
            found
                .get(id)
                .is_none_or(|row| row.recheck_on.is_some_and(|day| day <= today))
        })
        .map(|id| (kind, *id))
        .collect();
    if !stale.is_empty() {
        let txn = db.begin().await?;
        let fresh = refresh(&txn, tenant_id, now, Scope::Orders(stale)).await?;
        txn.commit().await?;
        found.extend(fresh.into_iter().map(|row| (row.order_id, row)));
    }
    Ok(found)
}

/// Whether a row of the tenant waits for its recheck on `today`.
pub async fn has_stale<C: ConnectionTrait>(
    db: &C,
    tenant_id: Uuid,
    today: NaiveDate,
) -> Result<bool, Error> {
    Ok(state::Entity::find()
        .select_only()
        .column(state::Column::OrderId)
        .filter(state::Column::TenantId.eq(tenant_id))
        .filter(state::Column::RecheckOn.lte(today))
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some())
}

/// Removes an order's row (inside the transaction that deletes the order).
pub async fn remove<C: ConnectionTrait>(
    txn: &C,
    tenant_id: Uuid,
    order_id: Uuid,
) -> Result<(), Error> {
    state::Entity::delete_many()
        .filter(state::Column::TenantId.eq(tenant_id))
        .filter(state::Column::OrderId.eq(order_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Fills the rows of orders that have none (orders that existed before the read model, or
/// loaded by hand), for every tenant. Run when the service starts; quick when nothing is
/// missing.
pub async fn fill_missing(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, Error> {
    let backend = db.get_database_backend();
    let mut filled = 0;
    for kind in OrderKind::ALL {
        let table = kind.info().table;
        loop {
            let rows = db
                .query_all_raw(Statement::from_string(
                    backend,
                    format!(
                        "SELECT o.tenant_id, o.id FROM {table} o WHERE NOT EXISTS \
                         (SELECT 1 FROM order_approval_states s WHERE s.order_id = o.id) LIMIT {STALE_BATCH}"
                    ),
                ))
                .await?;
            if rows.is_empty() {
                break;
            }
            let mut by_tenant: HashMap<Uuid, Vec<(OrderKind, Uuid)>> = HashMap::new();
            for row in rows {
                let tenant: Uuid = row.try_get("", "tenant_id")?;
                let id: Uuid = row.try_get("", "id")?;
                by_tenant.entry(tenant).or_default().push((kind, id));
            }
            for (tenant_id, orders) in by_tenant {
                let txn = db.begin().await?;
                filled += refresh(&txn, tenant_id, now, Scope::Orders(orders))
                    .await?
                    .len();
                txn.commit().await?;
            }
        }
    }
    Ok(filled)
}

/// `SELECT … FOR UPDATE` of one row of a tenant-owned table (PostgreSQL).
async fn lock_row<C: ConnectionTrait>(
    txn: &C,
    table: &str,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<(), Error> {
    txn.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        format!("SELECT 1 FROM {table} WHERE tenant_id = $1 AND id = $2 FOR UPDATE"),
        [tenant_id.into(), id.into()],
    ))
    .await?;
    Ok(())
}

/// Which orders to load.
#[derive(Debug, Clone)]
enum Which {
    Ids(Vec<(OrderKind, Uuid)>),
    Patient(Uuid),
    Medication(Uuid),
    All,
}

impl Which {
    /// The ids of `kind` asked for, or None for "every order the other conditions match";
    /// Some(empty) when no order of `kind` is asked for.
    fn ids(&self, kind: OrderKind) -> Option<Vec<Uuid>> {
        match self {
            Self::Ids(orders) => Some(
                orders
                    .iter()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, id)| *id)
                    .collect(),
            ),
            Self::Medication(_) if kind != OrderKind::Pharmacy => Some(Vec::new()),
            _ => None,
        }
    }

    fn patient(&self) -> Option<Uuid> {
        match self {
            Self::Patient(id) => Some(*id),
            _ => None,
        }
    }
}

/// The condition on one kind's table for `which`.
fn condition<C: ColumnTrait>(
    which: &Which,
    kind: OrderKind,
    id: C,
    patient: C,
) -> Option<Condition> {
    let mut condition = Condition::all();
    if let Some(ids) = which.ids(kind) {
        if ids.is_empty() {
            return None;
        }
        condition = condition.add(id.is_in(ids));
    }
    if let Some(patient_id) = which.patient() {
        condition = condition.add(patient.eq(patient_id));
    }
    Some(condition)
}

fn cancelled<S: Lifecycle>(status: &str) -> bool {
    status == S::CANCELLED.as_ref()
}

/// The facts of the orders `which` names, every kind.
async fn load_orders<C: ConnectionTrait>(
    db: &C,
    tenant_id: Uuid,
    which: &Which,
) -> Result<Vec<OrderFacts>, Error> {
    let mut facts = Vec::new();
    if let Some(condition) = condition(
        which,
        OrderKind::Lab,
        lab_order::Column::Id,
        lab_order::Column::PatientId,
    ) {
        for o in lab_order::Entity::find()
            .filter(lab_order::Column::TenantId.eq(tenant_id))
            .filter(condition)
            .all(db)
            .await?
        {
            let urgency = match o.priority.as_str() {
                "STAT" => Urgency::Stat,
                "URGENT" => Urgency::Urgent,
                _ => Urgency::Routine,
            };
            facts.push(OrderFacts {
                kind: OrderKind::Lab,
                id: o.id,
                tenant_id,
                number_value: o.number_value,
                cancelled: cancelled::<ServiceOrderStatus>(&o.status),
                order_number: o.order_number,
                patient_id: o.patient_id,
                status: o.status,
                urgency,
                service_date: o.service_date,
                is_emergency: false,
                rule_asks: true,
                recorded: None,
                created_at: o.created_at,
            });
        }
    }
    if let Some(condition) = condition(
        which,
        OrderKind::Imaging,
        imaging_order::Column::Id,
        imaging_order::Column::PatientId,
    ) {
        for o in imaging_order::Entity::find()
            .filter(imaging_order::Column::TenantId.eq(tenant_id))
            .filter(condition)
            .all(db)
            .await?
        {
            facts.push(OrderFacts {
                kind: OrderKind::Imaging,
                id: o.id,
                tenant_id,
                number_value: o.number_value,
                cancelled: cancelled::<ServiceOrderStatus>(&o.status),
                order_number: o.order_number,
                patient_id: o.patient_id,
                status: o.status,
                urgency: if o.is_stat {
                    Urgency::Stat
                } else {
                    Urgency::Routine
                },
                service_date: o.service_date,
                is_emergency: false,
                rule_asks: true,
                recorded: None,
                created_at: o.created_at,
            });
        }
    }
    if let Some(mut condition) = condition(
        which,
        OrderKind::Pharmacy,
        prescription::Column::Id,
        prescription::Column::PatientId,
    ) {
        if let Which::Medication(medication_id) = which {
            condition = condition.add(prescription::Column::MedicationId.eq(*medication_id));
        }
        let prescriptions = prescription::Entity::find()
            .filter(prescription::Column::TenantId.eq(tenant_id))
            .filter(condition)
            .all(db)
            .await?;
        let medication_ids: HashSet<Uuid> = prescriptions.iter().map(|o| o.medication_id).collect();
        let medications: HashMap<Uuid, medication::Model> = if medication_ids.is_empty() {
            HashMap::new()
        } else {
            medication::Entity::find()
                .filter(medication::Column::TenantId.eq(tenant_id))
                .filter(medication::Column::Id.is_in(medication_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect()
        };
        for o in prescriptions {
            let medication = medications
                .get(&o.medication_id)
                .ok_or_else(|| Error::internal("reading a prescription's medication"))?;
            let restricted = matches!(
                medication.formulary_status.as_str(),
                "RESTRICTED" | "PRIOR_AUTH"
            );
            facts.push(OrderFacts {
                kind: OrderKind::Pharmacy,
                id: o.id,
                tenant_id,
                number_value: o.number_value,
                cancelled: cancelled::<PrescriptionStatus>(&o.status),
                order_number: o.prescription_number,
                patient_id: o.patient_id,
                status: o.status,
                urgency: if medication.is_controlled_substance {
                    Urgency::Urgent
                } else {
                    Urgency::Routine
                },
                service_date: None,
                is_emergency: false,
                rule_asks: restricted || o.prior_authorization_required,
                recorded: o
                    .prior_authorization_number
                    .zip(o.prior_authorization_expiry),
                created_at: o.created_at,
            });
        }
    }
    if let Some(condition) = condition(
        which,
        OrderKind::Surgery,
        surgical_case::Column::Id,
        surgical_case::Column::PatientId,
    ) {
        for o in surgical_case::Entity::find()
            .filter(surgical_case::Column::TenantId.eq(tenant_id))
            .filter(condition)
            .all(db)
            .await?
        {
            facts.push(OrderFacts {
                kind: OrderKind::Surgery,
                id: o.id,
                tenant_id,
                number_value: o.number_value,
                cancelled: cancelled::<SurgicalCaseStatus>(&o.status),
                order_number: o.case_number,
                patient_id: o.patient_id,
                status: o.status,
                urgency: if o.is_emergency {
                    Urgency::Emergency
                } else {
                    Urgency::Routine
                },
                service_date: o.service_date,
                is_emergency: o.is_emergency,
                rule_asks: true,
                recorded: None,
                created_at: o.created_at,
            });
        }
    }
    Ok(facts)
}

/// The rows of `orders`: their requests and their patients' coverages read in two statements.
async fn compute_all<C: ConnectionTrait>(
    db: &C,
    tenant_id: Uuid,
    orders: &[OrderFacts],
    today: NaiveDate,
) -> Result<Vec<state::Model>, Error> {
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    let mut linked = Condition::any();
    for kind in OrderKind::ALL {
        let ids: Vec<Uuid> = orders
            .iter()
            .filter(|o| o.kind == kind)
            .map(|o| o.id)
            .collect();
        if !ids.is_empty() {
            linked = linked.add(kind.link().is_in(ids));
        }
    }
    let mut requests: HashMap<Uuid, Vec<RequestFacts>> = HashMap::new();
    for request in approval_request::Entity::find()
        .filter(approval_request::Column::TenantId.eq(tenant_id))
        .filter(linked)
        .all(db)
        .await?
    {
        let Some((_, order_id)) = OrderKind::linked(&request) else {
            continue;
        };
        requests.entry(order_id).or_default().push(RequestFacts {
            id: request.id,
            number_value: request.number_value,
            status: ApprovalStatus::parse_stored(&request.status)?,
            approval_number: request.approval_number,
            grant_kind: request.grant_kind,
            authorization_number: request.authorization_number,
            effective_date: request.effective_date,
            expiration_date: request.expiration_date,
            approved_quantity: request.approved_quantity,
            decided_at: request.appeal_decided_at.or(request.decided_at),
        });
    }
    let patients: HashSet<Uuid> = orders.iter().map(|o| o.patient_id).collect();
    let mut coverages: HashMap<Uuid, Vec<insurance_info::Model>> = HashMap::new();
    for coverage in insurance_info::Entity::find()
        .filter(insurance_info::Column::TenantId.eq(tenant_id))
        .filter(insurance_info::Column::PatientId.is_in(patients))
        .all(db)
        .await?
    {
        coverages
            .entry(coverage.patient_id)
            .or_default()
            .push(coverage);
    }
    Ok(orders
        .iter()
        .map(|order| {
            order_state::compute(
                order,
                requests.get(&order.id).map_or(&[][..], Vec::as_slice),
                coverages
                    .get(&order.patient_id)
                    .map_or(&[][..], Vec::as_slice),
                today,
            )
        })
        .collect())
}

/// Inserts or rewrites `rows`.
async fn write<C: ConnectionTrait>(txn: &C, rows: Vec<state::Model>) -> Result<(), Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let columns: Vec<state::Column> = state::Column::iter()
        .filter(|c| !matches!(c, state::Column::OrderId))
        .collect();
    for chunk in rows.chunks(200) {
        state::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(sea_orm::IntoActiveModel::into_active_model),
        )
        .on_conflict(
            OnConflict::column(state::Column::OrderId)
                .update_columns(columns.clone())
                .to_owned(),
        )
        .exec(txn)
        .await?;
    }
    Ok(())
}

/// The orders of the tenant whose stored row differs from the rules computed from scratch at
/// `now` (rows waiting for their recheck date are left out: reads recompute those first), and
/// orders with no row. Reads only: the recomputation is rolled back. For operators after an
/// incident (`approvals read-model verify`) and for the crash tests.
pub async fn verify(
    db: &DatabaseConnection,
    tenant_id: Uuid,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, Error> {
    let stored: HashMap<Uuid, state::Model> = state::Entity::find()
        .filter(state::Column::TenantId.eq(tenant_id))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.order_id, row))
        .collect();
    let txn = db.begin().await?;
    let fresh = refresh(&txn, tenant_id, now, Scope::Tenant).await?;
    txn.rollback().await?;
    let mut differing: Vec<Uuid> = fresh
        .into_iter()
        .filter(|row| match stored.get(&row.order_id) {
            None => true,
            Some(kept) if kept.recheck_on.is_some_and(|day| day <= today) => false,
            Some(kept) => kept != row,
        })
        .map(|row| row.order_id)
        .collect();
    differing.sort();
    Ok(differing)
}
