//! `/` and `/swagger-ui`: redirects to the interactive documentation at `/swagger-ui/` (whose
//! pages, and the document at `/api-docs/openapi.json`, are served by utoipa-swagger-ui).

use actix_web::http::header;
use actix_web::{HttpResponse, get};

/// The way to the documentation.
fn to_swagger_ui() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/swagger-ui/"))
        .finish()
}

/// The service's root: the documentation
///
/// Redirects (302) to the Swagger UI at `/swagger-ui/`. Needs no token.
#[utoipa::path(
    tag = "documentation",
    security(()),
    responses((
        status = 302,
        description = "The Swagger UI is at `/swagger-ui/`.",
        headers(("Location" = String, description = "`/swagger-ui/`"))
    ))
)]
#[get("/")]
pub async fn root() -> HttpResponse {
    to_swagger_ui()
}

/// The Swagger UI without its trailing slash
///
/// Redirects (302) to `/swagger-ui/`, where the Swagger UI is served. Needs no token.
#[utoipa::path(
    tag = "documentation",
    security(()),
    responses((
        status = 302,
        description = "The Swagger UI is at `/swagger-ui/`.",
        headers(("Location" = String, description = "`/swagger-ui/`"))
    ))
)]
#[get("/swagger-ui")]
pub async fn swagger_ui() -> HttpResponse {
    to_swagger_ui()
}
