//! `/api/v1/work-queue`: the open orders of all four kinds that require approval, most urgent
//! first, read from the approval read model (an indexed read whatever the tenant's size).

use actix_web::{HttpResponse, get, web};
use std::str::FromStr;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::location;
use crate::base::error::{Error, ProblemCode};
use crate::base::state::AppState;
use crate::domain::approval::fields::OrderApprovalStatus;
use crate::domain::approval::order_state::Urgency as Rank;
use crate::domain::approval::read_model;
use crate::domain::orders::OrderKind;
use crate::domain::orders::lifecycle::{
    PrescriptionStatus, ServiceOrderStatus, SurgicalCaseStatus,
};
use crate::http::problems::*;
use crate::http::views::PatientSummary;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::Query;
use crate::request::list::{DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, Page, values};
use crate::request::problem::ApiError;

pub fn configure(config: &mut ServiceConfig) {
    config.service(get_work_queue);
}

/// Paging and filters of the work queue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkQueueParams {
    /// One or several kinds, comma-separated (default every kind).
    #[param(value_type = Option<Vec<OrderKind>>, style = Form, explode = false, min_items = 1)]
    pub kind: Option<String>,
    /// One or several order statuses, comma-separated (any kind's); default every status but
    /// COMPLETED (open orders). `COMPLETED` finds performed orders still waiting for a
    /// retrospective approval.
    // Its items are `OrderStatus`, which `crate::openapi` makes from every kind's statuses.
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false, min_items = 1)]
    pub order_status: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// Items to skip (default 0).
    #[param(minimum = 0)]
    pub offset: Option<u64>,
}

/// How urgent a queued order is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, strum::AsRefStr, strum::EnumIter,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Urgency {
    Emergency,
    Stat,
    Urgent,
    Routine,
}

impl crate::domain::labels::Labelled for Urgency {
    fn label(&self) -> &'static str {
        match self {
            Self::Emergency => "An emergency surgical case",
            Self::Stat => "A STAT lab order, or an imaging order marked STAT",
            Self::Urgent => "An urgent lab order, or a prescription of a controlled substance",
            Self::Routine => "Any other order",
        }
    }
}

/// The coverage a queued order would be requested under.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueCoverage {
    pub id: Uuid,
    pub payer_name: String,
    pub member_id: String,
    pub priority: String,
}

/// An order waiting for approval work.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "kind": "SURGERY", "order_id": "0193a4d2-d180-7d88-8a9f-8c9d0e1f2a30", "order_number": "SURG-20261203-0001",
    "href": "/api/v1/surgical-cases/0193a4d2-d180-7d88-8a9f-8c9d0e1f2a30",
    "patient": {"id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70", "mrn": "MRN-000123", "name": "Maria Lopez"},
    "coverage": {"id": "0193a4d2-8c30-7e33-8b4a-3d4e5f6a7b80", "payer_name": "Acme Health", "member_id": "XJ4471902", "priority": "PRIMARY"},
    "approval_status": "EMERGENCY_APPROVAL_REQUIRED", "urgency": "EMERGENCY", "service_date": "2026-12-03"
}))]
pub struct WorkQueueItem {
    pub kind: OrderKind,
    pub order_id: Uuid,
    pub order_number: String,
    /// The order's path.
    pub href: String,
    pub patient: Option<PatientSummary>,
    /// The coverage in force on the date that matters.
    pub coverage: Option<QueueCoverage>,
    #[schema(value_type = OrderApprovalStatus)]
    pub approval_status: String,
    pub urgency: Urgency,
    pub service_date: NaiveDate,
}

/// The approval work queue
///
/// Orders of all four kinds that require approval, sorted by urgency (EMERGENCY, STAT, URGENT,
/// ROUTINE), then service date, then number.
#[utoipa::path(
    tag = "work-queue",
    params(WorkQueueParams),
    responses(
        (status = 200, description = "A page of the queue.", body = Page<WorkQueueItem>),
        ListProblems
    )
)]
#[get("/work-queue")]
pub async fn get_work_queue(
    caller: Caller,
    state: web::Data<AppState>,
    params: Query<WorkQueueParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    let offset = params.offset.unwrap_or(0);
    if !(1..=MAX_LIMIT).contains(&limit) || offset > MAX_OFFSET {
        return Err(ApiError::bad_request(
            ProblemCode::InvalidQuery,
            format!("limit must be from 1 to {MAX_LIMIT} and offset from 0 to {MAX_OFFSET}"),
        ));
    }
    let mut kinds = values("kind", params.kind.as_deref(), |v| {
        v.parse::<OrderKind>().ok()
    })?;
    if kinds.is_empty() {
        kinds = OrderKind::ALL.to_vec();
    }
    let statuses = values("order_status", params.order_status.as_deref(), |v| {
        let known = ServiceOrderStatus::from_str(v).is_ok()
            || PrescriptionStatus::from_str(v).is_ok()
            || SurgicalCaseStatus::from_str(v).is_ok();
        known.then(|| v.to_owned())
    })?;
    read_model::refresh_stale(&state.db, caller.tenant_id(), caller.today, caller.now).await?;
    let backend = state.db.get_database_backend();
    let (tenant, today) = match backend {
        DatabaseBackend::Postgres => ("$1", "$2"),
        _ => ("?1", "?2"),
    };
    // Values this code validated (kinds and statuses are enum names): inlined, so that the
    // database can match the partial indexes' predicates.
    let kinds_sql = kinds
        .iter()
        .map(|kind| format!("'{}'", kind.as_ref()))
        .collect::<Vec<_>>()
        .join(", ");
    let status_sql = if statuses.is_empty() {
        "s.order_status <> 'COMPLETED'".to_owned()
    } else {
        let list = statuses
            .iter()
            .map(|status| format!("'{status}'"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("s.order_status IN ({list})")
    };
    let all_kinds = kinds.len() == OrderKind::ALL.len();
    let kind_sql = if all_kinds {
        String::new()
    } else {
        format!(" AND s.kind IN ({kinds_sql})")
    };
    let filter =
        format!("s.tenant_id = {tenant} AND s.requires_approval AND {status_sql}{kind_sql}");
    // Without a status filter the rows are the open queue's, whose partial index holds only
    // them. PostgreSQL's planner picks it from its statistics; SQLite, which keeps none unless
    // told to ANALYZE, would pick the wider index of every order requiring approval and read
    // the tenant's closed history too, so it is named.
    let states = if statuses.is_empty() && backend == DatabaseBackend::Sqlite {
        "order_approval_states s INDEXED BY ix_order_approval_states_open_queue"
    } else {
        "order_approval_states s"
    };
    let total = state
        .db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!("SELECT COUNT(*) AS total FROM {states} WHERE {filter}"),
            [caller.tenant_id().into()],
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "total"))
        .transpose()?
        .unwrap_or(0);
    // The queue's order is urgency, service date (today for an order without one), number.
    // Each urgency's rows fall in four ranges that an index on (urgency, service date, number)
    // reads in that order: before today, today, no date (today too), after today. Each range
    // gives at most the rows up to the page's end; the page is cut from their union. A page
    // costs its size times sixteen index entries at most, whatever the tenant's history. The
    // page is cut before the patients and coverages are joined: PostgreSQL, unable to estimate
    // the union, would otherwise hash-join both whole tables (127 ms against 7 ms at 100,000
    // orders).
    let reach = offset + limit;
    let mut branches = Vec::new();
    for urgency in 0..4 {
        for (range, order) in [
            (
                format!("s.service_date < {today}"),
                "s.service_date, s.number_value, s.order_id",
            ),
            (
                format!("s.service_date = {today}"),
                "s.number_value, s.order_id",
            ),
            (
                "s.service_date IS NULL".to_owned(),
                "s.number_value, s.order_id",
            ),
            (
                format!("s.service_date > {today}"),
                "s.service_date, s.number_value, s.order_id",
            ),
        ] {
            branches.push(format!(
                "SELECT * FROM (SELECT s.order_id, s.kind, s.order_number, s.number_value, s.patient_id, \
                 s.coverage_id, s.approval_status, s.urgency, s.service_date, s.tenant_id \
                 FROM {states} WHERE {filter} AND s.urgency = {urgency} AND {range} \
                 ORDER BY {order} LIMIT {reach}) b"
            ));
        }
    }
    let rows = state
        .db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT q.kind, q.order_id, q.order_number, q.approval_status, q.urgency, \
                 COALESCE(q.service_date, {today}) AS service_date, \
                 p.id AS patient_id, p.mrn, p.given_name, p.family_name, \
                 c.id AS coverage_id, c.payer_name, c.member_id, c.priority \
                 FROM (SELECT * FROM ({union}) u \
                 ORDER BY u.urgency, COALESCE(u.service_date, {today}), u.number_value, u.order_id \
                 LIMIT {limit} OFFSET {offset}) q \
                 LEFT JOIN patients p ON p.tenant_id = q.tenant_id AND p.id = q.patient_id \
                 LEFT JOIN insurance_info c ON c.tenant_id = q.tenant_id AND c.id = q.coverage_id \
                 ORDER BY q.urgency, COALESCE(q.service_date, {today}), q.number_value, q.order_id",
                union = branches.join(" UNION ALL ")
            ),
            [caller.tenant_id().into(), caller.today.into()],
        ))
        .await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let kind: String = row.try_get("", "kind")?;
            let kind: OrderKind = kind
                .parse()
                .map_err(|_| Error::unreadable("reading a queued order's kind", &kind))?;
            let order_id: Uuid = row.try_get("", "order_id")?;
            let patient_id: Option<Uuid> = row.try_get("", "patient_id")?;
            let coverage_id: Option<Uuid> = row.try_get("", "coverage_id")?;
            let patient = match patient_id {
                Some(id) => Some(PatientSummary::new(
                    id,
                    row.try_get("", "mrn")?,
                    &row.try_get::<String>("", "given_name")?,
                    &row.try_get::<String>("", "family_name")?,
                )),
                None => None,
            };
            let coverage = match coverage_id {
                Some(id) => Some(QueueCoverage {
                    id,
                    payer_name: row.try_get("", "payer_name")?,
                    member_id: row.try_get("", "member_id")?,
                    priority: row.try_get("", "priority")?,
                }),
                None => None,
            };
            Ok(WorkQueueItem {
                kind,
                href: location(kind.info().resource, order_id),
                order_id,
                order_number: row.try_get("", "order_number")?,
                patient,
                coverage,
                approval_status: row.try_get("", "approval_status")?,
                urgency: match Rank::of_rank(row.try_get("", "urgency")?) {
                    Rank::Emergency => Urgency::Emergency,
                    Rank::Stat => Urgency::Stat,
                    Rank::Urgent => Urgency::Urgent,
                    Rank::Routine => Urgency::Routine,
                },
                service_date: row.try_get("", "service_date")?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        total: u64::try_from(total).unwrap_or(0),
        limit,
        offset,
    }))
}
