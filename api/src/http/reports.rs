//! `/api/v1/reports/approval-metrics`: the figures of docs/domain.md (metrics) for a period, by date of first
//! decision in the tenant's time zone, split by standard and expedited requests, computed in the
//! database.

use actix_web::{HttpResponse, get, web};
use chrono::{Days, NaiveDate};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::base::clock::day_start;
use crate::base::error::{Error, ProblemCode};
use crate::domain::approval::policy::{is_expedited_sql, quoted};
use crate::domain::approval::values::ApprovalStatus;
use crate::http::problems::*;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::Query;
use crate::request::problem::ApiError;

/// The statuses of a first decision, and of an appeal's decision.
const FIRST_DECISIONS: [ApprovalStatus; 3] = [
    ApprovalStatus::Approved,
    ApprovalStatus::PartiallyApproved,
    ApprovalStatus::Denied,
];
const APPEAL_DECISIONS: [ApprovalStatus; 2] =
    [ApprovalStatus::AppealApproved, ApprovalStatus::AppealDenied];
use crate::base::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(get_approval_metrics);
}

/// The period of the report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsPeriod {
    /// First day (the tenant's), inclusive; default 29 days before `to`.
    #[param(example = "2026-11-01")]
    pub from: Option<NaiveDate>,
    /// Last day, inclusive; default today.
    #[param(example = "2026-11-30")]
    pub to: Option<NaiveDate>,
}

/// The figures of one group of requests.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct MetricsGroup {
    /// Requests whose first decision falls in the period.
    pub first_decisions: i64,
    /// First decisions that were APPROVED.
    pub approved: i64,
    pub partially_approved: i64,
    pub denied: i64,
    /// (APPROVED + PARTIALLY_APPROVED) / first decisions; null without decisions.
    pub approval_rate: Option<f64>,
    /// DENIED / first decisions.
    pub denial_rate: Option<f64>,
    /// Of these requests, those whose appeal was decided.
    pub appeal_decisions: i64,
    pub appeal_approved: i64,
    /// APPEAL_APPROVED / appeal decisions.
    pub approved_after_appeal_rate: Option<f64>,
    /// Mean hours from first submission to first decision.
    pub mean_hours_to_decision: Option<f64>,
    pub median_hours_to_decision: Option<f64>,
    /// First decisions made after `decision_due_at`.
    pub decided_past_due: i64,
    /// decided_past_due / first decisions.
    pub past_due_share: Option<f64>,
}

/// Approval metrics for a period.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "from": "2026-11-01", "to": "2026-11-30",
    "overall": {"first_decisions": 4, "approved": 2, "partially_approved": 1, "denied": 1, "approval_rate": 0.75,
        "denial_rate": 0.25, "appeal_decisions": 1, "appeal_approved": 1, "approved_after_appeal_rate": 1.0,
        "mean_hours_to_decision": 30.0, "median_hours_to_decision": 24.0, "decided_past_due": 1, "past_due_share": 0.25},
    "standard": {"first_decisions": 3, "approved": 2, "partially_approved": 0, "denied": 1, "approval_rate": 0.6667,
        "denial_rate": 0.3333, "appeal_decisions": 1, "appeal_approved": 1, "approved_after_appeal_rate": 1.0,
        "mean_hours_to_decision": 32.0, "median_hours_to_decision": 24.0, "decided_past_due": 0, "past_due_share": 0.0},
    "expedited": {"first_decisions": 1, "approved": 0, "partially_approved": 1, "denied": 0, "approval_rate": 1.0,
        "denial_rate": 0.0, "appeal_decisions": 0, "appeal_approved": 0, "approved_after_appeal_rate": null,
        "mean_hours_to_decision": 24.0, "median_hours_to_decision": 24.0, "decided_past_due": 1, "past_due_share": 1.0}
}))]
pub struct ApprovalMetrics {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub overall: MetricsGroup,
    /// Requests on the 7-day clock.
    pub standard: MetricsGroup,
    /// Requests on the 72-hour clock (expedited, or priority URGENT, STAT or EMERGENCY).
    pub expedited: MetricsGroup,
}

/// Approval metrics
///
/// Counts per first-decision outcome, approval, denial and approved-after-appeal rates, mean and
/// median hours from first submission to first decision, and the share decided past due, for
/// requests first decided in the period (days of the tenant), split by standard and expedited.
#[utoipa::path(
    tag = "reports",
    params(MetricsPeriod),
    responses(
        (status = 200, description = "The figures.", body = ApprovalMetrics),
        ListProblems
    )
)]
#[get("/reports/approval-metrics")]
pub async fn get_approval_metrics(
    caller: Caller,
    state: web::Data<AppState>,
    period: Query<MetricsPeriod>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let to = period.to.unwrap_or(caller.today);
    let from = period
        .from
        .unwrap_or_else(|| to.checked_sub_days(Days::new(29)).unwrap_or(to));
    if from > to || (to - from).num_days() > 3660 {
        return Err(ApiError::bad_request(
            ProblemCode::InvalidQuery,
            "from must not be after to, and the period at most ten years",
        ));
    }
    let zone = caller.zone;
    let start = day_start(zone, from);
    let end = day_start(zone, to.succ_opt().unwrap_or(to));
    let mut groups = Vec::new();
    for condition in ["1 = 1", "c.expedited = 0", "c.expedited = 1"] {
        groups.push(group(&state, &caller, condition, start, end).await?);
    }
    let missing = || Error::internal("computing approval metrics");
    let expedited = groups.pop().ok_or_else(missing)?;
    let standard = groups.pop().ok_or_else(missing)?;
    let overall = groups.pop().ok_or_else(missing)?;
    Ok(HttpResponse::Ok().json(ApprovalMetrics {
        from,
        to,
        overall,
        standard,
        expedited,
    }))
}

async fn group(
    state: &AppState,
    caller: &Caller,
    condition: &str,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> Result<MetricsGroup, ApiError> {
    let backend = state.db.get_database_backend();
    let (p, float, hours) = match backend {
        DatabaseBackend::Postgres => (
            ["$1", "$2", "$3"],
            "DOUBLE PRECISION",
            "EXTRACT(EPOCH FROM (r.decided_at - r.submitted_at)) / 3600.0",
        ),
        _ => (
            ["?1", "?2", "?3"],
            "REAL",
            "(julianday(r.decided_at) - julianday(r.submitted_at)) * 24.0",
        ),
    };
    let history = |statuses: &str| {
        format!(
            "(SELECT h.to_status FROM approval_status_history h WHERE h.tenant_id = r.tenant_id \
             AND h.approval_request_id = r.id AND h.to_status IN ({statuses}) ORDER BY h.seq LIMIT 1)"
        )
    };
    let cohort = format!(
        "SELECT CASE WHEN {expedited} THEN 1 ELSE 0 END AS expedited, \
         {first} AS first_outcome, {appeal} AS appeal_outcome, \
         CASE WHEN r.submitted_at IS NULL THEN NULL ELSE CAST({hours} AS {float}) END AS hours, \
         CASE WHEN r.decision_due_at IS NOT NULL AND r.decided_at > r.decision_due_at THEN 1 ELSE 0 END AS late \
         FROM approval_requests r WHERE r.tenant_id = {t} AND r.decided_at >= {start} AND r.decided_at < {end}",
        expedited = is_expedited_sql("r"),
        first = history(&quoted(FIRST_DECISIONS.iter().map(AsRef::as_ref))),
        appeal = history(&quoted(APPEAL_DECISIONS.iter().map(AsRef::as_ref))),
        t = p[0],
        start = p[1],
        end = p[2],
    );
    let timed = format!("SELECT c.hours FROM cohort c WHERE {condition} AND c.hours IS NOT NULL");
    let sql = format!(
        "WITH cohort AS ({cohort}) SELECT \
         COUNT(*) AS first_decisions, \
         COALESCE(SUM(CASE WHEN c.first_outcome = 'APPROVED' THEN 1 ELSE 0 END), 0) AS approved, \
         COALESCE(SUM(CASE WHEN c.first_outcome = 'PARTIALLY_APPROVED' THEN 1 ELSE 0 END), 0) AS partially_approved, \
         COALESCE(SUM(CASE WHEN c.first_outcome = 'DENIED' THEN 1 ELSE 0 END), 0) AS denied, \
         COALESCE(SUM(CASE WHEN c.appeal_outcome IS NOT NULL THEN 1 ELSE 0 END), 0) AS appeal_decisions, \
         COALESCE(SUM(CASE WHEN c.appeal_outcome = 'APPEAL_APPROVED' THEN 1 ELSE 0 END), 0) AS appeal_approved, \
         CAST(AVG(c.hours) AS {float}) AS mean_hours, \
         COALESCE(SUM(c.late), 0) AS decided_past_due, \
         (SELECT CAST(AVG(m.hours) AS {float}) FROM ({timed} ORDER BY c.hours \
            LIMIT 2 - (SELECT COUNT(*) FROM ({timed}) n) % 2 \
            OFFSET (SELECT (COUNT(*) - 1) / 2 FROM ({timed}) o)) m) AS median_hours \
         FROM cohort c WHERE {condition}"
    );
    let row = state
        .db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [caller.tenant_id().into(), start.into(), end.into()],
        ))
        .await?
        .ok_or_else(|| Error::internal("computing approval metrics"))?;
    let count = |column: &str| row.try_get::<i64>("", column);
    let first_decisions = count("first_decisions")?;
    let approved = count("approved")?;
    let partially_approved = count("partially_approved")?;
    let denied = count("denied")?;
    let appeal_decisions = count("appeal_decisions")?;
    let appeal_approved = count("appeal_approved")?;
    let decided_past_due = count("decided_past_due")?;
    let ratio = |part: i64, whole: i64| {
        (whole > 0).then(|| (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0)
    };
    let round = |value: Option<f64>| value.map(|v| (v * 100.0).round() / 100.0);
    Ok(MetricsGroup {
        first_decisions,
        approved,
        partially_approved,
        denied,
        approval_rate: ratio(approved + partially_approved, first_decisions),
        denial_rate: ratio(denied, first_decisions),
        appeal_decisions,
        appeal_approved,
        approved_after_appeal_rate: ratio(appeal_approved, appeal_decisions),
        mean_hours_to_decision: round(row.try_get::<Option<f64>>("", "mean_hours")?),
        median_hours_to_decision: round(row.try_get::<Option<f64>>("", "median_hours")?),
        decided_past_due,
        past_due_share: ratio(decided_past_due, first_decisions),
    })
}
