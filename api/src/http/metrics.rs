//! `GET /metrics`: the service's metrics in the Prometheus text format, open like the probes
//! (no token). What each metric means is in `docs/operations.md`.

use actix_web::{HttpResponse, get, web};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use strum::IntoEnumIterator;

use crate::base::error::Error;
use crate::base::metrics::CONTENT_TYPE;
use crate::base::state::AppState;
use crate::domain::approval::values::ApprovalStatus;
use crate::request::problem::ApiError;

/// Metrics for Prometheus
///
/// Request counts and durations by route pattern, method and status; the database pool; the
/// approval requests of each tenant by status (counted at most every 10 seconds). Labels hold
/// route patterns, never concrete paths, ids or query strings. Needs no token: restrict it at
/// the network if it should not be public.
#[utoipa::path(
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "Every metric, in the Prometheus text format 0.0.4.",
            content_type = "text/plain; version=0.0.4", body = String,
            example = json!("# HELP http_requests_total HTTP requests answered, by route pattern, method and status.\n# TYPE http_requests_total counter\nhttp_requests_total{method=\"GET\",route=\"/api/v1/lab-orders/{id}\",status=\"200\"} 12\n"))
    )
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (in_use, idle, max) = pool_use(&state.db);
    state.metrics.set_pool(in_use, idle, max);
    if state.metrics.approval_counts_due() {
        match approval_counts(&state.db).await {
            Ok((tenants, counts)) => {
                let statuses: Vec<&str> = ApprovalStatus::iter().map(|s| s.into()).collect();
                state
                    .metrics
                    .set_approval_counts(&tenants, &statuses, &counts);
            }
            Err(error) => {
                // The request metrics still answer while the database does not.
                state.metrics.approval_counts_failed();
                tracing::warn!(error = %error, "counting approval requests for /metrics failed");
            }
        }
    }
    let body = state
        .metrics
        .render()
        .map_err(|e| Error::internal_from("rendering the metrics", e))?;
    Ok(HttpResponse::Ok().content_type(CONTENT_TYPE).body(body))
}

/// Connections of the pool in use and idle, and its maximum.
fn pool_use(db: &DatabaseConnection) -> (u64, u64, u64) {
    let (size, idle, max) = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        _ => (0, 0, 0),
    };
    let idle = u64::try_from(idle).unwrap_or(u64::MAX);
    (u64::from(size).saturating_sub(idle), idle, u64::from(max))
}

/// Every tenant's code, and the number of approval requests of each tenant and status: one
/// grouped statement (over the index on tenant and status).
async fn approval_counts(
    db: &DatabaseConnection,
) -> Result<(Vec<String>, Vec<(String, String, i64)>), Error> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT t.code AS tenant, c.status AS status, c.n AS n FROM tenants t \
             LEFT JOIN (SELECT tenant_id, status, COUNT(*) AS n FROM approval_requests \
             GROUP BY tenant_id, status) c ON c.tenant_id = t.id",
        ))
        .await?;
    let mut tenants = std::collections::BTreeSet::new();
    let mut counts = Vec::new();
    for row in rows {
        let tenant: String = row.try_get("", "tenant")?;
        let status: Option<String> = row.try_get("", "status")?;
        let n: Option<i64> = row.try_get("", "n")?;
        if let (Some(status), Some(n)) = (status, n) {
            counts.push((tenant.clone(), status, n));
        }
        tenants.insert(tenant);
    }
    Ok((tenants.into_iter().collect(), counts))
}
