//! What can go wrong, in the service's own terms: the [`Error`] every layer below HTTP returns,
//! the catalogue of stable problem codes ([`ProblemCode`]) and the field errors of a 422.
//!
//! Nothing here knows HTTP: the request layer (`request::problem`) turns an [`Error`] into an
//! `application/problem+json` answer with its status code and headers.

use serde::Serialize;
use utoipa::ToSchema;

/// Every problem `code` a client can receive, one catalogue for the whole API (the README lists
/// them with their status). A code never changes meaning once published.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    ToSchema,
    strum::AsRefStr,
    strum::Display,
    strum::EnumIter,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ProblemCode {
    /// 400: a query parameter does not parse or is out of range.
    InvalidQuery,
    /// 400: a path segment (an id) does not parse.
    InvalidPath,
    /// 400: the body is not JSON at all.
    MalformedJson,
    /// 400: a JSON object of the body names the same key twice.
    DuplicateKey,
    /// 400: an `If-Match` header that is not `*` or a list of entity tags.
    InvalidIfMatch,
    /// 400: an `Idempotency-Key` header that is empty, longer than 255 characters or not
    /// printable ASCII.
    InvalidIdempotencyKey,
    /// 400: the body could not be read.
    UnreadableBody,
    /// 401: no bearer token.
    MissingToken,
    /// 401: a token that is malformed, badly signed, for another issuer or audience, or of an
    /// unknown or inactive tenant.
    InvalidToken,
    /// 401: an expired token.
    TokenExpired,
    /// 403: the caller's roles do not allow the operation.
    Forbidden,
    /// 404: no such resource in the caller's tenant.
    NotFound,
    /// 404: no such path.
    NoRoute,
    /// 405: the path exists, the method does not (`Allow` lists those it has).
    MethodNotAllowed,
    /// 408: the body did not arrive within the time limit.
    RequestTimeout,
    /// 409: a resource with these unique values exists.
    Duplicate,
    /// 409: the first request with this `Idempotency-Key` is still running; retry shortly.
    IdempotencyKeyInUse,
    /// 409: a patient with this MRN exists.
    DuplicateMrn,
    /// 409: a provider with this NPI exists.
    DuplicateNpi,
    /// 409: a medication with this NDC exists.
    DuplicateNdc,
    /// 409: a template with this name exists.
    DuplicateName,
    /// 409: other resources refer to this one.
    InUse,
    /// 409: approval requests refer to this order.
    OrderInUse,
    /// 409: approval requests refer to this template.
    TemplateInUse,
    /// 409: another writer changed the resource at the same time (no `If-Match` was sent).
    EditConflict,
    /// 409: the order is COMPLETED or CANCELLED.
    OrderClosed,
    /// 409: the request's content cannot be edited in its status.
    NotEditable,
    /// 409: only a never-submitted DRAFT can be deleted.
    NotDeletable,
    /// 409: the status move is not allowed; `allowed` lists the moves that are.
    TransitionNotAllowed,
    /// 412: `If-Match` names a version that is no longer current.
    PreconditionFailed,
    /// 413: the body is too large.
    PayloadTooLarge,
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 422: well-formed JSON with wrong values; `errors` names each field.
    ValidationFailed,
    /// 503: the database is unreachable or busy; retry after `Retry-After` seconds.
    ServiceUnavailable,
    /// 500: a defect of the service, never caused by client input.
    InternalError,
}

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

/// The cause of an internal error: kept for the log, never shown to a client.
pub type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a domain or data operation failed. Each variant says which answer the HTTP edge gives.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 404: no such resource in the caller's tenant. Another tenant's row gives exactly this
    /// answer, so that ids cannot be probed across tenants.
    #[error("no {what} with this id")]
    NotFound { what: &'static str },
    /// 422: values that break a rule; each field error names its field.
    #[error("{} invalid", if errors.len() == 1 { "1 field is".to_owned() } else { format!("{} fields are", errors.len()) })]
    Invalid { errors: Vec<FieldError> },
    /// 409: a duplicate, a delete that would orphan rows, a closed resource, or a write that
    /// lost a race to another writer (without `If-Match`).
    #[error("{detail}")]
    Conflict { code: ProblemCode, detail: String },
    /// 409: a status change the resource's lifecycle does not allow; `allowed` lists the
    /// statuses it may move to.
    #[error("cannot move from {from} to {to}")]
    TransitionNotAllowed {
        from: String,
        to: String,
        allowed: Vec<String>,
    },
    /// 412: `If-Match` names no tag of the resource's current version (`current`, when known:
    /// a writer that lost a race to another knows only that the version it read is gone).
    #[error("{}", stale_version(*.current))]
    StaleVersion { current: Option<i32> },
    /// 503: the database is unreachable or busy; retry after a moment.
    #[error("the service is temporarily unavailable; retry shortly")]
    Unavailable {
        #[source]
        source: Source,
    },
    /// 500: a defect of the service (or data it cannot read), never caused by client input.
    /// `context` says what was being done; both are logged once, with the request id.
    #[error("internal error while {context}")]
    Internal {
        context: &'static str,
        #[source]
        source: Option<Source>,
    },
}

impl Error {
    /// A 422 for one field.
    pub fn invalid(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            errors: vec![FieldError::new(field, code, message)],
        }
    }

    pub fn not_found(what: &'static str) -> Self {
        Self::NotFound { what }
    }

    pub fn conflict(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
        }
    }

    /// A defect with no underlying error value (an invariant that did not hold).
    pub fn internal(context: &'static str) -> Self {
        Self::Internal {
            context,
            source: None,
        }
    }

    /// A defect caused by `source`.
    pub fn internal_from(
        context: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Internal {
            context,
            source: Some(Box::new(source)),
        }
    }

    /// A stored value this build cannot read: an internal error, never silently replaced.
    pub fn unreadable(what: &'static str, value: &str) -> Self {
        Self::Internal {
            context: what,
            source: Some(format!("unreadable stored value {value:?}").into()),
        }
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> ProblemCode {
        match self {
            Self::NotFound { .. } => ProblemCode::NotFound,
            Self::Invalid { .. } => ProblemCode::ValidationFailed,
            Self::Conflict { code, .. } => *code,
            Self::TransitionNotAllowed { .. } => ProblemCode::TransitionNotAllowed,
            Self::StaleVersion { .. } => ProblemCode::PreconditionFailed,
            Self::Unavailable { .. } => ProblemCode::ServiceUnavailable,
            Self::Internal { .. } => ProblemCode::InternalError,
        }
    }
}

/// The result of a domain or data operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The detail of a 412: the current version when known, so that a client sees what to fetch.
fn stale_version(current: Option<i32>) -> String {
    match current {
        Some(current) => format!(
            "the resource is at version {current}, not the one If-Match names; fetch it again (its ETag is \"{current}\")"
        ),
        None => "the resource changed while this request ran; fetch it again".to_owned(),
    }
}
