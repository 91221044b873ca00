//! Probes for orchestrators: `/healthz` (the process answers) and `/readyz` (the database
//! answers too).

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::base::error::Error;
use crate::base::state::AppState;
use crate::request::problem::ApiError;

/// A probe's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthView {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the process is up
///
/// Answers 200 while the process runs, without touching the database. Needs no token.
#[utoipa::path(
    tag = "health",
    security(()),
    responses((status = 200, description = "The process answers.", body = HealthView))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthView { status: "ok" })
}

/// Readiness: the database answers
///
/// Answers 200 when the database answers a ping, else 503 with `Retry-After`. Needs no
/// token.
#[utoipa::path(
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "The database answers.", body = HealthView),
        (status = 503, response = crate::http::problems::UnavailableProblem)
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.db.ping().await.map_err(|error| Error::Unavailable {
        source: Box::new(error),
    })?;
    Ok(HttpResponse::Ok().json(HealthView { status: "ready" }))
}
