//! The HTTP edge of errors: [`ApiError`] (a domain [`Error`] or a request that cannot be read,
//! authenticated or permitted) and its `application/problem+json` (RFC 9457) rendering, with
//! `WWW-Authenticate` on 401 and `Retry-After` on 503. An internal error is logged here, once,
//! with its cause, inside the request's span (so with its request id).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::base::error::{Error, FieldError, ProblemCode};
use crate::base::tokens::TokenError;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

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
    pub code: ProblemCode,
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
    BadRequest { code: ProblemCode, detail: String },
    /// 401: no token, or one that is malformed, expired, badly signed, for another issuer or
    /// audience, or names a tenant that does not exist or is inactive. Answered with
    /// `WWW-Authenticate: Bearer`.
    #[error("{detail}")]
    Unauthorized { code: ProblemCode, detail: String },
    /// 403: the caller's roles do not allow the operation.
    #[error("{detail}")]
    Forbidden { detail: String },
    /// 404: no route has this path and method.
    #[error("no such path or method; the API is described at /swagger-ui/")]
    NoRoute,
    /// 405: the path exists but not with this method; answered with `Allow`.
    #[error("this path answers {allow} only")]
    MethodNotAllowed { allow: String },
    /// 408: the client took longer than the limit to send its body.
    #[error("the body took longer than {seconds} s to arrive")]
    BodyTimeout { seconds: u64 },
    /// 503: the request ran longer than the limit; it was abandoned and changed nothing.
    #[error("the request took longer than {seconds} s and was abandoned; nothing was changed")]
    HandlerTimeout { seconds: u64 },
    /// 413: the body is larger than the limit.
    #[error("the body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 415: the body is not declared as JSON.
    #[error("send the body as application/json (a PATCH also takes application/merge-patch+json)")]
    UnsupportedMediaType,
    /// What the domain or data layer answered (404, 409, 412, 422, 503, 500).
    #[error(transparent)]
    Domain(#[from] Error),
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Domain(error.into())
    }
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        let code = match error {
            TokenError::Expired => ProblemCode::TokenExpired,
            TokenError::Invalid(_) => ProblemCode::InvalidToken,
        };
        Self::Unauthorized {
            code,
            detail: error.to_string(),
        }
    }
}

impl ApiError {
    /// A 422 for one field.
    pub fn invalid(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Error::invalid(field, code, message).into()
    }

    pub fn bad_request(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            detail: detail.into(),
        }
    }

    pub fn unauthorized(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self::Unauthorized {
            code,
            detail: detail.into(),
        }
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> ProblemCode {
        match self {
            Self::BadRequest { code, .. } | Self::Unauthorized { code, .. } => *code,
            Self::Forbidden { .. } => ProblemCode::Forbidden,
            Self::NoRoute => ProblemCode::NoRoute,
            Self::MethodNotAllowed { .. } => ProblemCode::MethodNotAllowed,
            Self::BodyTimeout { .. } => ProblemCode::RequestTimeout,
            Self::HandlerTimeout { .. } => ProblemCode::ServiceUnavailable,
            Self::PayloadTooLarge { .. } => ProblemCode::PayloadTooLarge,
            Self::UnsupportedMediaType => ProblemCode::UnsupportedMediaType,
            Self::Domain(error) => error.code(),
        }
    }

    /// The problem document of this error.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            // The cause of an internal error is for the log, not for the client.
            Self::Domain(Error::Internal { .. }) => "internal error".to_owned(),
            other => other.to_string(),
        };
        Problem {
            problem_type: format!("/problems/{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            code: self.code(),
            detail,
            errors: match self {
                Self::Domain(Error::Invalid { errors }) => errors.clone(),
                _ => Vec::new(),
            },
            allowed: match self {
                Self::Domain(Error::TransitionNotAllowed { allowed, .. }) => Some(allowed.clone()),
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
            Self::NoRoute => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::BodyTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::HandlerTimeout { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Domain(error) => match error {
                Error::NotFound { .. } => StatusCode::NOT_FOUND,
                Error::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                Error::Conflict { .. } | Error::TransitionNotAllowed { .. } => StatusCode::CONFLICT,
                Error::StaleVersion { .. } => StatusCode::PRECONDITION_FAILED,
                Error::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
                Error::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        match self {
            Self::Unauthorized { code, detail } => {
                let challenge = if *code == ProblemCode::MissingToken {
                    r#"Bearer realm="approvals""#.to_owned()
                } else {
                    format!(
                        r#"Bearer realm="approvals", error="invalid_token", error_description="{}""#,
                        detail.replace('"', "'")
                    )
                };
                response.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            Self::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            Self::BodyTimeout { .. } => {
                response.insert_header((header::CONNECTION, "close"));
            }
            Self::HandlerTimeout { .. } => {
                tracing::warn!("a request ran past the time limit and was abandoned");
                response.insert_header((header::RETRY_AFTER, "2"));
            }
            Self::Domain(Error::Unavailable { source }) => {
                tracing::warn!(error = %source, "database unavailable");
                response.insert_header((header::RETRY_AFTER, "2"));
            }
            // Database and decoding errors name constraints, columns and SQL, never bound
            // values: logging the cause leaks no patient data.
            Self::Domain(Error::Internal { context, source }) => match source {
                Some(source) => tracing::error!(error = %source, "internal error while {context}"),
                None => tracing::error!("internal error while {context}"),
            },
            _ => {}
        }
        response.json(self.problem())
    }
}
