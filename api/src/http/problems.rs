//! The problem answers of the OpenAPI document: each reusable problem response (status,
//! description, example) and the sets of them that many operations share. Handlers name these
//! in their `#[utoipa::path]`; the document's frame (`crate::openapi`) registers them.

use serde_json::json;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

use crate::request::problem::PROBLEM_JSON;

/// Declares a reusable problem response with an example body.
macro_rules! problem_response {
    ($name:ident, $description:literal, $status:literal, $code:literal, $detail:literal) => {
        #[doc = $description]
        pub struct $name;

        impl<'s> utoipa::ToResponse<'s> for $name {
            fn response() -> (&'s str, RefOr<Response>) {
                let title = actix_web::http::StatusCode::from_u16($status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Error");
                let example = json!({
                    "type": concat!("/problems/", $code),
                    "title": title,
                    "status": $status,
                    "code": $code,
                    "detail": $detail,
                });
                let response = ResponseBuilder::new()
                    .description($description)
                    .content(
                        PROBLEM_JSON,
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .example(Some(example))
                            .build(),
                    )
                    .build();
                (stringify!($name), response.into())
            }
        }
    };
}

problem_response!(
    BadRequestProblem,
    "The body is not JSON, or a query parameter or path segment does not parse or is out of range.",
    400,
    "invalid_query",
    "limit must be from 1 to 200"
);
problem_response!(
    UnauthorizedProblem,
    "No bearer token, or a bad one (malformed, expired, badly signed, wrong issuer or audience, unknown or inactive tenant).",
    401,
    "invalid_token",
    "the token has expired"
);
problem_response!(
    ForbiddenProblem,
    "The caller's roles do not allow this operation.",
    403,
    "forbidden",
    "this operation needs one of the roles CLINICIAN, ADMIN"
);
problem_response!(
    NotFoundProblem,
    "No such resource in the caller's tenant.",
    404,
    "not_found",
    "no patient with this id"
);
problem_response!(
    ConflictProblem,
    "A duplicate, a delete that would orphan other rows, or a write that lost a race.",
    409,
    "duplicate",
    "a patient with this MRN already exists"
);
problem_response!(
    PreconditionFailedProblem,
    "`If-Match` names a version that is no longer current.",
    412,
    "precondition_failed",
    "the resource is at version 4, not the one If-Match names; fetch it again (its ETag is \"4\")"
);
problem_response!(
    PayloadTooLargeProblem,
    "The body is larger than 256 KiB.",
    413,
    "payload_too_large",
    "the body is larger than 262144 bytes"
);
problem_response!(
    UnsupportedMediaTypeProblem,
    "The body is not declared as application/json.",
    415,
    "unsupported_media_type",
    "send the body as application/json (a PATCH also takes application/merge-patch+json)"
);
problem_response!(
    UnavailableProblem,
    "The database is unreachable or busy; retry after `Retry-After` seconds.",
    503,
    "service_unavailable",
    "the service is temporarily unavailable; retry shortly"
);

/// 422 with field errors.
pub struct ValidationProblem;

impl<'s> utoipa::ToResponse<'s> for ValidationProblem {
    fn response() -> (&'s str, RefOr<Response>) {
        let example = json!({
            "type": "/problems/validation_failed",
            "title": "Unprocessable Entity",
            "status": 422,
            "code": "validation_failed",
            "detail": "1 field is invalid",
            "errors": [{"field": "birth_date", "code": "invalid_date", "message": "must be a real calendar date (YYYY-MM-DD) or instant (RFC 3339)"}]
        });
        let response = ResponseBuilder::new()
            .description("Well-formed JSON with wrong values: `errors` names each field.")
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .example(Some(example))
                    .build(),
            )
            .build();
        ("ValidationProblem", response.into())
    }
}

/// Declares a set of problem responses that many operations share.
macro_rules! problem_set {
    ($name:ident, $doc:literal, [$(($status:literal, $response:ident)),+ $(,)?]) => {
        #[doc = $doc]
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<String, RefOr<Response>> {
                [$(($status.to_owned(), RefOr::Ref(Ref::from_response_name(stringify!($response))))),+]
                    .into_iter()
                    .collect()
            }
        }
    };
}

problem_set!(
    ListProblems,
    "The problems of a list.",
    [
        ("400", BadRequestProblem),
        ("401", UnauthorizedProblem),
        ("403", ForbiddenProblem),
    ]
);
problem_set!(
    ReadProblems,
    "The problems of reading one resource.",
    [
        ("400", BadRequestProblem),
        ("401", UnauthorizedProblem),
        ("403", ForbiddenProblem),
        ("404", NotFoundProblem),
    ]
);
problem_set!(
    CreateProblems,
    "The problems of creating a resource.",
    [
        ("400", BadRequestProblem),
        ("401", UnauthorizedProblem),
        ("403", ForbiddenProblem),
        ("413", PayloadTooLargeProblem),
        ("415", UnsupportedMediaTypeProblem),
        ("422", ValidationProblem),
    ]
);
problem_set!(
    CreateUniqueProblems,
    "The problems of creating a resource with a unique key.",
    [
        ("400", BadRequestProblem),
        ("401", UnauthorizedProblem),
        ("403", ForbiddenProblem),
        ("409", ConflictProblem),
        ("413", PayloadTooLargeProblem),
        ("415", UnsupportedMediaTypeProblem),
        ("422", ValidationProblem),
    ]
);
problem_set!(
    CreateNestedProblems,
    "The problems of creating a resource under another one.",
    [
        ("400", BadRequestProblem),
        ("401", UnauthorizedProblem),
        ("403", ForbiddenProblem),
        ("404", NotFoundProblem),
        ("413", PayloadTooLargeProblem),
        ("415", UnsupportedMediaTypeProblem),
        ("422", ValidationProblem),
    ]
);
problem_set!(
    UpdateProblems,
    "The problems of changing a resource.",
    [
        ("400", BadRequestProblem),
        ("401", UnauthorizedProblem),
        ("403", ForbiddenProblem),
        ("404", NotFoundProblem),
        ("409", ConflictProblem),
        ("412", PreconditionFailedProblem),
        ("413", PayloadTooLargeProblem),
        ("415", UnsupportedMediaTypeProblem),
        ("422", ValidationProblem),
    ]
);
problem_set!(
    DeleteProblems,
    "The problems of deleting a resource.",
    [
        ("400", BadRequestProblem),
        ("401", UnauthorizedProblem),
        ("403", ForbiddenProblem),
        ("404", NotFoundProblem),
        ("409", ConflictProblem),
        ("412", PreconditionFailedProblem),
    ]
);
