//! The test oracle: the computed fields of every order written as SQL over the source tables,
//! computed from scratch for any order. The service no longer runs it (it reads the approval
//! read model); the tests compare what the service answers with what this computes, an
//! independent statement of the same rules built from the same constants.
//!
//! Each kind contributes SQL expressions over its own table, correlated by table name. "Today"
//! is the tenant's date, inlined as a date literal.

use api::domain::approval::coverage;
use api::domain::approval::policy::{self, quoted};
use api::domain::orders::OrderKind;
use chrono::NaiveDate;
use sea_orm::DatabaseBackend;

/// Statuses of `approval_status` for which the order does not require approval.
pub const NOT_REQUIRING: [&str; 4] = [
    "NOT_REQUIRED",
    "NO_INSURANCE",
    "APPROVED",
    "PARTIALLY_APPROVED",
];

/// Every value `approval_status` takes.
pub const APPROVAL_STATUSES: [&str; 17] = [
    "NOT_REQUIRED",
    "NO_INSURANCE",
    "APPROVED",
    "PARTIALLY_APPROVED",
    "DRAFT",
    "PENDING_SUBMISSION",
    "SUBMITTED",
    "UNDER_REVIEW",
    "MORE_INFO_REQUIRED",
    "DENIED",
    "APPEAL_SUBMITTED",
    "APPEAL_DENIED",
    "EXPIRED",
    "PRIOR_AUTH_EXPIRED",
    "APPROVAL_REQUIRED",
    "PRIOR_AUTH_REQUIRED",
    "EMERGENCY_APPROVAL_REQUIRED",
];

/// The SQL of one order kind's computed fields, for one tenant's today.
#[derive(Debug, Clone)]
pub struct KindSql {
    pub kind: OrderKind,
    /// The order table.
    pub table: &'static str,
    /// The column of `approval_requests` pointing at it.
    link: &'static str,
    /// The order's number column.
    pub number: &'static str,
    today: String,
}

impl KindSql {
    pub fn new(kind: OrderKind, backend: DatabaseBackend, today: NaiveDate) -> Self {
        let info = kind.info();
        Self {
            kind,
            table: info.table,
            link: info.link_column,
            number: info.number_column,
            today: date_literal(backend, today),
        }
    }

    /// The service date: the stored tenant-local date, or today (prescriptions, or no instant).
    pub fn service_date(&self) -> String {
        match self.kind {
            OrderKind::Pharmacy => self.today.clone(),
            _ => format!("COALESCE({}.service_date, {})", self.table, self.today),
        }
    }

    /// D, the date that matters: the later of today and the service date.
    fn d(&self) -> String {
        match self.kind {
            OrderKind::Pharmacy => self.today.clone(),
            _ => format!(
                "(CASE WHEN {t}.service_date IS NOT NULL AND {t}.service_date > {today} THEN {t}.service_date ELSE {today} END)",
                t = self.table,
                today = self.today
            ),
        }
    }

    /// The id of the coverage in force on D (PRIMARY first, then the latest effective), or NULL.
    pub fn coverage(&self) -> String {
        format!(
            "(SELECT c.id FROM insurance_info c WHERE c.tenant_id = {t}.tenant_id AND c.patient_id = {t}.patient_id \
             AND {in_force} ORDER BY {preference} LIMIT 1)",
            t = self.table,
            in_force = coverage::in_force_sql("c", &self.d()),
            preference = coverage::preference_sql("c"),
        )
    }

    /// Whether the kind's rule asks for approval.
    fn rule(&self) -> String {
        match self.kind {
            OrderKind::Pharmacy => format!(
                "({t}.prior_authorization_required OR EXISTS (SELECT 1 FROM medications m WHERE m.tenant_id = {t}.tenant_id \
                 AND m.id = {t}.medication_id AND m.formulary_status IN ('RESTRICTED', 'PRIOR_AUTH')))",
                t = self.table
            ),
            _ => "(1 = 1)".to_owned(),
        }
    }

    fn requests(&self) -> String {
        format!(
            "FROM approval_requests r WHERE r.tenant_id = {t}.tenant_id AND r.{link} = {t}.id",
            t = self.table,
            link = self.link
        )
    }

    /// The id of the active approval among the order's requests (full before partial, then the
    /// latest expiration, then the latest decided), or NULL.
    pub fn active_request(&self) -> String {
        format!(
            "(SELECT r.id {requests} AND {holds} AND r.expiration_date >= {d} \
             AND (r.effective_date IS NULL OR r.effective_date <= {d}) \
             ORDER BY CASE WHEN r.grant_kind = 'FULL' THEN 0 ELSE 1 END, r.expiration_date DESC, \
             COALESCE(r.appeal_decided_at, r.decided_at) DESC, r.number_value DESC LIMIT 1)",
            requests = self.requests(),
            holds = policy::holds_grant_sql("r"),
            d = self.d()
        )
    }

    /// Whether a prescription's recorded prior authorization is valid on D.
    fn recorded_valid(&self) -> String {
        match self.kind {
            OrderKind::Pharmacy => format!(
                "({t}.prior_authorization_number IS NOT NULL AND {t}.prior_authorization_expiry IS NOT NULL \
                 AND {t}.prior_authorization_expiry >= {d})",
                t = self.table,
                d = self.d()
            ),
            _ => "(1 = 0)".to_owned(),
        }
    }

    /// `approval_status`, the precedence of docs/domain.md, first match wins. Each correlated subquery
    /// appears once, and the CASE stops at the first match, so an order costs a few index
    /// lookups.
    pub fn approval_status(&self) -> String {
        let t = self.table;
        let d = self.d();
        let requests = self.requests();
        // Rules 4 and 5 at once, from the newest request that is not CANCELLED: its status when
        // it is one of rule 4's, EXPIRED when it expired or holds a lapsed grant, else NULL. Past
        // rules 1 to 3, NULL means the order has no such request (a grant it holds would be
        // valid, or lapsed).
        let holds = policy::holds_grant_sql("r");
        let newest = format!(
            "(SELECT CASE \
               WHEN r.status IN ('DRAFT', 'PENDING_SUBMISSION', 'SUBMITTED', 'UNDER_REVIEW', 'MORE_INFO_REQUIRED', \
                    'DENIED', 'APPEAL_SUBMITTED', 'APPEAL_DENIED') THEN r.status \
               WHEN r.status = 'EXPIRED' OR ({holds} AND r.expiration_date < {d}) THEN 'EXPIRED' \
               ELSE NULL END \
             {requests} AND r.status <> 'CANCELLED' ORDER BY r.number_value DESC LIMIT 1)"
        );
        let valid = |kind: &str| {
            format!(
                "EXISTS (SELECT 1 {requests} AND {holds} AND r.expiration_date >= {d} \
                 AND (r.effective_date IS NULL OR r.effective_date <= {d}){kind})"
            )
        };
        let otherwise = match self.kind {
            OrderKind::Pharmacy => format!(
                "CASE WHEN {t}.prior_authorization_number IS NOT NULL AND {t}.prior_authorization_expiry IS NOT NULL \
                 AND {t}.prior_authorization_expiry < {d} \
                 AND NOT EXISTS (SELECT 1 {requests} AND r.status <> 'CANCELLED') \
                 THEN 'PRIOR_AUTH_EXPIRED' ELSE 'PRIOR_AUTH_REQUIRED' END"
            ),
            OrderKind::Surgery => {
                format!(
                    "CASE WHEN {t}.is_emergency THEN 'EMERGENCY_APPROVAL_REQUIRED' ELSE 'APPROVAL_REQUIRED' END"
                )
            }
            _ => "'APPROVAL_REQUIRED'".to_owned(),
        };
        format!(
            "(CASE \
             WHEN {t}.status = 'CANCELLED' THEN 'NOT_REQUIRED' \
             WHEN {coverage} IS NULL THEN 'NO_INSURANCE' \
             WHEN NOT {rule} THEN 'NOT_REQUIRED' \
             WHEN {valid_full} THEN 'APPROVED' \
             WHEN {valid_any} THEN 'PARTIALLY_APPROVED' \
             WHEN {recorded_valid} THEN 'APPROVED' \
             ELSE COALESCE({newest}, {otherwise}) END)",
            coverage = self.coverage(),
            rule = self.rule(),
            valid_full = valid(" AND r.grant_kind = 'FULL'"),
            valid_any = valid(""),
            recorded_valid = self.recorded_valid(),
        )
    }

    /// SQL true when the order requires approval (its status is none of [`NOT_REQUIRING`]).
    pub fn requires_approval(&self) -> String {
        format!(
            "({} NOT IN ({}))",
            self.approval_status(),
            quoted(NOT_REQUIRING)
        )
    }

    /// SQL true when `approval_status` is one of `statuses` (values of [`APPROVAL_STATUSES`]).
    pub fn status_in(&self, statuses: &[&str]) -> String {
        format!(
            "({} IN ({}))",
            self.approval_status(),
            quoted(statuses.iter().copied())
        )
    }

    /// The work queue's urgency rank: 0 EMERGENCY, 1 STAT, 2 URGENT, 3 ROUTINE.
    pub fn urgency_rank(&self) -> String {
        let t = self.table;
        match self.kind {
            OrderKind::Lab => {
                format!("(CASE {t}.priority WHEN 'STAT' THEN 1 WHEN 'URGENT' THEN 2 ELSE 3 END)")
            }
            OrderKind::Imaging => format!("(CASE WHEN {t}.is_stat THEN 1 ELSE 3 END)"),
            OrderKind::Pharmacy => format!(
                "(CASE WHEN EXISTS (SELECT 1 FROM medications m WHERE m.tenant_id = {t}.tenant_id AND m.id = {t}.medication_id \
                 AND m.is_controlled_substance) THEN 2 ELSE 3 END)"
            ),
            OrderKind::Surgery => format!("(CASE WHEN {t}.is_emergency THEN 0 ELSE 3 END)"),
        }
    }
}

/// A date literal of `backend` (SQLite keeps dates as ISO text).
pub fn date_literal(backend: DatabaseBackend, date: NaiveDate) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("DATE '{date}'"),
        _ => format!("'{date}'"),
    }
}

/// What the oracle says of one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub approval_status: String,
    pub requires_approval: bool,
    pub active_request_id: Option<uuid::Uuid>,
    pub coverage_id: Option<uuid::Uuid>,
}

/// The oracle's answer for every order of the tenant, computed from scratch on `today`.
pub async fn expected(
    db: &sea_orm::DatabaseConnection,
    tenant_id: uuid::Uuid,
    today: NaiveDate,
) -> std::collections::HashMap<uuid::Uuid, Expected> {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.get_database_backend();
    let mut all = std::collections::HashMap::new();
    for kind in OrderKind::ALL {
        let sql = KindSql::new(kind, backend, today);
        let parameter = if backend == DatabaseBackend::Postgres {
            "$1"
        } else {
            "?1"
        };
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT {t}.id AS id, {status} AS approval_status, {active} AS active_request_id, \
                     {coverage} AS coverage_id FROM {t} WHERE {t}.tenant_id = {parameter}",
                    t = sql.table,
                    status = sql.approval_status(),
                    active = sql.active_request(),
                    coverage = sql.coverage(),
                ),
                [tenant_id.into()],
            ))
            .await
            .expect("the oracle's query");
        for row in rows {
            let status: String = row.try_get("", "approval_status").expect("status");
            all.insert(
                row.try_get("", "id").expect("id"),
                Expected {
                    requires_approval: !NOT_REQUIRING.contains(&status.as_str()),
                    approval_status: status,
                    active_request_id: row.try_get("", "active_request_id").expect("active"),
                    coverage_id: row.try_get("", "coverage_id").expect("coverage"),
                },
            );
        }
    }
    all
}

/// The stored read-model rows of the tenant equal the rule function run from scratch now (in a
/// transaction rolled back afterwards).
pub async fn assert_read_model_fresh(app: &crate::TestApp, tenant_id: uuid::Uuid, context: &str) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
    let stored: std::collections::HashMap<uuid::Uuid, entity::order_approval_state::Model> =
        entity::order_approval_state::Entity::find()
            .filter(entity::order_approval_state::Column::TenantId.eq(tenant_id))
            .all(&app.db)
            .await
            .expect("rows")
            .into_iter()
            .map(|row| (row.order_id, row))
            .collect();
    let txn = app.db.begin().await.expect("a transaction");
    let now = api::base::clock::Clock::now(app.clock.as_ref());
    let fresh = api::domain::approval::read_model::refresh(
        &txn,
        tenant_id,
        now,
        api::domain::approval::read_model::Scope::Tenant,
    )
    .await
    .expect("recomputing");
    txn.rollback().await.expect("rolling back");
    assert_eq!(fresh.len(), stored.len(), "{context}: one row per order");
    for row in fresh {
        assert_eq!(
            Some(&row),
            stored.get(&row.order_id),
            "{context}: the stored row of {}",
            row.order_id
        );
    }
}
