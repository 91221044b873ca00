//! `/api/v1/work-queue`: the orders of all four kinds that require approval, most urgent first
//! (DOMAIN.md §5), in one query over all kinds (a UNION ALL sorted and paged by the database).

use std::collections::HashMap;

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use entity::{insurance_info, patient};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, QueryFilter, Statement};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::location;
use crate::base::error::{Error, ProblemCode};
use crate::base::state::AppState;
use crate::data::db::scoped;
use crate::domain::approval::computed::{KindSql, NOT_REQUIRING};
use crate::domain::approval::fields::OrderApprovalStatus;
use crate::domain::approval::policy::quoted;
use crate::domain::orders::OrderKind;
use crate::http::problems::*;
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
    /// One or several kinds (LAB, IMAGING, PHARMACY, SURGERY), comma-separated.
    #[param(example = "LAB,IMAGING")]
    pub kind: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// Items to skip (default 0).
    #[param(minimum = 0)]
    pub offset: Option<u64>,
}

/// How urgent a queued order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Urgency {
    /// An emergency surgical case.
    Emergency,
    /// A STAT lab or imaging order.
    Stat,
    /// An urgent lab order or a controlled substance.
    Urgent,
    Routine,
}

/// The patient of a queued order.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuePatient {
    pub id: Uuid,
    pub mrn: String,
    /// Given and family name.
    pub name: String,
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
    pub patient: Option<QueuePatient>,
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
    let backend = state.db.get_database_backend();
    let today = caller.today;
    let tenant_param = match backend {
        DatabaseBackend::Postgres => "$1",
        _ => "?1",
    };
    let branches: Vec<String> = kinds
        .iter()
        .map(|kind| {
            let sql = KindSql::new(*kind, backend, today);
            let t = sql.table;
            format!(
                "SELECT '{kind}' AS kind, {t}.id AS order_id, {t}.{number} AS order_number, {t}.patient_id AS patient_id, \
                 {coverage} AS coverage_id, {status} AS approval_status, {urgency} AS urgency_rank, \
                 {service_date} AS service_date FROM {t} WHERE {t}.tenant_id = {tenant_param}",
                kind = kind.as_ref(),
                number = sql.number,
                coverage = sql.coverage(),
                status = sql.approval_status(),
                urgency = sql.urgency_rank(),
                service_date = sql.service_date(),
            )
        })
        .collect();
    let not_requiring = quoted(NOT_REQUIRING);
    // Materialized: every order's fields are computed once, then filtered, counted, sorted
    // and paged (PostgreSQL would otherwise compute them again for the rows it returns).
    let queue = format!(
        "WITH q AS MATERIALIZED ({}) SELECT {{columns}} FROM q WHERE q.approval_status NOT IN ({not_requiring})",
        branches.join(" UNION ALL ")
    );
    let values = [sea_orm::Value::from(caller.tenant_id())];
    let total = state
        .db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            queue.replace("{columns}", "COUNT(*) AS total"),
            values.clone(),
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "total"))
        .transpose()?
        .unwrap_or(0);
    let rows = state
        .db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "{} ORDER BY q.urgency_rank, q.service_date, q.order_number LIMIT {limit} OFFSET {offset}",
                queue.replace("{columns}", "*")
            ),
            values,
        ))
        .await?;
    struct Row {
        kind: OrderKind,
        order_id: Uuid,
        order_number: String,
        patient_id: Uuid,
        coverage_id: Option<Uuid>,
        approval_status: String,
        urgency_rank: i32,
        service_date: NaiveDate,
    }
    let rows = rows
        .into_iter()
        .map(|row| {
            Ok(Row {
                kind: {
                    let kind: String = row.try_get("", "kind")?;
                    kind.parse()
                        .map_err(|_| Error::unreadable("reading a queued order's kind", &kind))?
                },
                order_id: row.try_get("", "order_id")?,
                order_number: row.try_get("", "order_number")?,
                patient_id: row.try_get("", "patient_id")?,
                coverage_id: row.try_get("", "coverage_id")?,
                approval_status: row.try_get("", "approval_status")?,
                urgency_rank: row.try_get("", "urgency_rank")?,
                service_date: row.try_get("", "service_date")?,
            })
        })
        .collect::<Result<Vec<Row>, Error>>()?;
    let patient_ids: Vec<Uuid> = rows.iter().map(|r| r.patient_id).collect();
    let coverage_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.coverage_id).collect();
    let patients: HashMap<Uuid, patient::Model> = if patient_ids.is_empty() {
        HashMap::new()
    } else {
        scoped::<patient::Entity>(caller.tenant_id())
            .filter(patient::Column::Id.is_in(patient_ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect()
    };
    let coverages: HashMap<Uuid, insurance_info::Model> = if coverage_ids.is_empty() {
        HashMap::new()
    } else {
        scoped::<insurance_info::Entity>(caller.tenant_id())
            .filter(insurance_info::Column::Id.is_in(coverage_ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect()
    };
    let items =
        rows.into_iter()
            .map(|row| WorkQueueItem {
                kind: row.kind,
                href: location(row.kind.info().resource, row.order_id),
                order_id: row.order_id,
                order_number: row.order_number,
                patient: patients.get(&row.patient_id).map(|p| QueuePatient {
                    id: p.id,
                    mrn: p.mrn.clone(),
                    name: format!("{} {}", p.given_name, p.family_name),
                }),
                coverage: row.coverage_id.and_then(|id| coverages.get(&id)).map(|c| {
                    QueueCoverage {
                        id: c.id,
                        payer_name: c.payer_name.clone(),
                        member_id: c.member_id.clone(),
                        priority: c.priority.clone(),
                    }
                }),
                approval_status: row.approval_status,
                urgency: match row.urgency_rank {
                    0 => Urgency::Emergency,
                    1 => Urgency::Stat,
                    2 => Urgency::Urgent,
                    _ => Urgency::Routine,
                },
                service_date: row.service_date,
            })
            .collect();
    Ok(HttpResponse::Ok().json(Page {
        items,
        total: u64::try_from(total).unwrap_or(0),
        limit,
        offset,
    }))
}
