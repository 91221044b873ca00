//! The one error type of the API and its `application/problem+json` (RFC 9457) rendering.
//!
//! Every error a client can see has a stable machine-readable `code` (the catalogue is the
//! [`ApiError::code`] match). Database errors are mapped here once: constraint violations become
//! 409 or 422, an unreachable or busy database 503 with `Retry-After`; nothing a client sends
//! ends as a 500.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"field": "birth_date", "code": "invalid_date", "message": "must be a real calendar date (YYYY-MM-DD)"}))]
pub struct FieldError {
    /// The field, as a path into the body (`tests[0].cpt_code`) or a query parameter name.
    pub field: String,
    /// Stable machine-readable reason.
    pub code: String,
    /// What is expected, for people.
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation_failed",
    "title": "Unprocessable Content",
    "status": 422,
    "code": "validation_failed",
    "detail": "1 field is invalid",
    "errors": [{"field": "npi", "code": "npi", "message": "must be a 10-digit NPI with a valid check digit"}]
}))]
pub struct Problem {
    /// A URI reference naming the problem type: `/problems/{code}`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The HTTP status phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Stable machine-readable code (the catalogue is in the README).
    pub code: String,
    /// What went wrong, for people.
    pub detail: String,
    /// Invalid fields (422 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The statuses the resource may move to (409 `transition_not_allowed` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
}

/// Every way a request can fail. The doc comment of each variant says the status it answers.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be read at all: a body that is not JSON, a query parameter or
    /// path segment that does not parse or is out of range.
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    /// 401: no token, or one that is malformed, expired, badly signed, for another issuer or
    /// audience, or names a tenant that does not exist or is inactive. Answered with
    /// `WWW-Authenticate: Bearer`.
    #[error("{detail}")]
    Unauthorized { code: &'static str, detail: String },
    /// 403: the caller's roles do not allow the operation.
    #[error("{detail}")]
    Forbidden { detail: String },
    /// 404: no such resource in the caller's tenant. Another tenant's row gives exactly this
    /// answer, so that ids cannot be probed across tenants.
    #[error("no {what} with this id")]
    NotFound { what: &'static str },
    /// 404: no route has this path and method.
    #[error("no such path or method; the API is described at /swagger-ui/")]
    NoRoute,
    /// 409: a duplicate, a delete that would orphan rows, a transition not allowed, or a write
    /// that lost a race to another writer (without `If-Match`).
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// 409: a status change the resource's lifecycle does not allow; the answer lists the
    /// statuses it may move to.
    #[error("cannot move from {from} to {to}")]
    TransitionNotAllowed {
        from: String,
        to: String,
        allowed: Vec<String>,
    },
    /// 412: `If-Match` names a version that is no longer current.
    #[error("the resource has changed since version {expected}; fetch it again")]
    PreconditionFailed { expected: String },
    /// 413: the body is larger than the limit.
    #[error("the body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 415: the body is not declared as JSON.
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    /// 422: well-formed JSON with wrong values.
    #[error("{} invalid", if errors.len() == 1 { "1 field is".to_owned() } else { format!("{} fields are", errors.len()) })]
    Validation { errors: Vec<FieldError> },
    /// 503: the database is unreachable or busy; retry after a moment.
    #[error("the service is temporarily unavailable; retry shortly")]
    Unavailable,
    /// 500: a defect of the service. Never caused by client input; logged with its cause.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// A 422 for one field.
    pub fn invalid(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self::Validation {
            errors: vec![FieldError::new(field, code, message)],
        }
    }

    pub fn not_found(what: &'static str) -> Self {
        Self::NotFound { what }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
        }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            detail: detail.into(),
        }
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Unauthorized {
            code,
            detail: detail.into(),
        }
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Conflict { code, .. } => code,
            Self::Forbidden { .. } => "forbidden",
            Self::TransitionNotAllowed { .. } => "transition_not_allowed",
            Self::NotFound { .. } => "not_found",
            Self::NoRoute => "no_route",
            Self::PreconditionFailed { .. } => "precondition_failed",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Validation { .. } => "validation_failed",
            Self::Unavailable => "service_unavailable",
            Self::Internal => "internal_error",
        }
    }

    /// The problem document of this error.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        Problem {
            problem_type: format!("/problems/{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            code: self.code().to_owned(),
            detail: self.to_string(),
            errors: match self {
                Self::Validation { errors } => errors.clone(),
                _ => Vec::new(),
            },
            allowed: match self {
                Self::TransitionNotAllowed { allowed, .. } => Some(allowed.clone()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound { .. } | Self::NoRoute => StatusCode::NOT_FOUND,
            Self::Conflict { .. } | Self::TransitionNotAllowed { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        match self {
            Self::Unauthorized { code, detail } => {
                let challenge = if *code == "missing_token" {
                    r#"Bearer realm="approvals""#.to_owned()
                } else {
                    format!(
                        r#"Bearer realm="approvals", error="invalid_token", error_description="{}""#,
                        detail.replace('"', "'")
                    )
                };
                response.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            Self::Unavailable => {
                response.insert_header((header::RETRY_AFTER, "2"));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

impl From<DbErr> for ApiError {
    fn from(error: DbErr) -> Self {
        // SQLite reports a RESTRICT foreign key as code 1811 (constraint trigger), which
        // `sql_err` does not classify.
        let restricted = error.to_string().contains("FOREIGN KEY constraint failed");
        match error.sql_err() {
            _ if restricted => {
                return Self::conflict(
                    "in_use",
                    "other resources refer to this one or it refers to a missing one",
                );
            }
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                return Self::conflict(
                    "duplicate",
                    "a resource with these unique values already exists",
                );
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                return Self::conflict(
                    "in_use",
                    "other resources refer to this one or it refers to a missing one",
                );
            }
            _ => {}
        }
        if is_unavailable(&error) {
            tracing::warn!(error = %error, "database unavailable");
            return Self::Unavailable;
        }
        // Database messages name constraints and SQL, never bound values.
        tracing::error!(error = %error, "database error");
        Self::Internal
    }
}

/// Whether a database error means "try again later": no connection, pool exhausted or closed,
/// a lock held too long (SQLite BUSY/LOCKED, PostgreSQL lock timeout, deadlock, serialization
/// failure), too many connections, or the server shutting down.
fn is_unavailable(error: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    let sqlx = match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            e.as_ref()
        }
        _ => return false,
    };
    match sqlx {
        Sqlx::Io(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed
        | Sqlx::Tls(_) => true,
        Sqlx::Database(database) => {
            let code = database.code().unwrap_or_default();
            // SQLite: 5 BUSY, 6 LOCKED and their extended codes (low byte 5 or 6).
            let sqlite = database
                .try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
                .is_some();
            let sqlite_busy =
                sqlite && code.parse::<u32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
            sqlite_busy
                || matches!(
                    code.as_ref(),
                    "55P03" | "57P01" | "57P02" | "57P03" | "53300" | "40001" | "40P01"
                )
        }
        _ => false,
    }
}
