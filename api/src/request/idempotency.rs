//! `Idempotency-Key` on writes (POST, PATCH, DELETE): a client that did not get an answer (a
//! timeout, a dropped connection) sends the same request again with the same key and gets the
//! first answer instead of a second order.
//!
//! - The key is scoped to the caller's tenant and user, the method and the path, and kept 24
//!   hours in the database, so a retry reaching another instance is recognised.
//! - The same key with the same request (query string, content type and body, compared by
//!   SHA-256) answers the first status, body, `Location` and `ETag` again, with
//!   `Idempotent-Replayed: true`.
//! - The same key with another request answers 422; while the first request still runs, 409
//!   with `Retry-After`.
//! - A request that failed on our side (5xx) leaves no answer behind: the retry runs again.
//!   Answers 4xx are kept (the same request would be refused again).
//! - A request without a valid token is not recorded (it answers 401 as always).
//!
//! The answer is recorded after the handler's own transaction commits; an instance that dies
//! between the two leaves the key "running" for two minutes, after which a retry runs again.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web;
use actix_web::{FromRequest, HttpMessage, HttpResponse, ResponseError};
use sha2::{Digest, Sha256};

use super::auth::Caller;
use super::extract::read_body;
use super::problem::ApiError;
use crate::base::error::{Error, FieldError, ProblemCode};
use crate::base::state::AppState;
use crate::data::idempotency::{self, Claim, Scope};

/// The request header.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The response header of a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";

/// The headers of an answer that are kept and replayed.
const KEPT_HEADERS: [header::HeaderName; 3] =
    [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// The middleware; see the module documentation.
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let writes = matches!(*req.method(), Method::POST | Method::PATCH | Method::DELETE);
    let header = req.headers().get(IDEMPOTENCY_KEY).cloned();
    let Some(header) = header.filter(|_| writes) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(key) = header
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
    else {
        let error = ApiError::bad_request(
            ProblemCode::InvalidIdempotencyKey,
            "Idempotency-Key must be 1 to 255 printable ASCII characters, such as a UUID",
        );
        return Ok(req.error_response(error));
    };
    let Ok(caller) = Caller::from_request(req.request(), &mut Payload::None).await else {
        // The handler answers 401; nothing is recorded for an unknown caller.
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let body = match read_body(req.take_payload(), state.limits.body_read).await {
        Ok(body) => body,
        Err(error) => return Ok(req.error_response(error)),
    };
    let fingerprint = fingerprint(&req, &body);
    let (_, mut payload) = actix_http::h1::Payload::create(true);
    payload.unread_data(body);
    req.set_payload(payload.into());
    let scope = Scope {
        tenant_id: caller.tenant_id(),
        user: caller.user.clone(),
        method: req.method().to_string(),
        path: req.path().to_owned(),
        key,
    };
    if scope.path.len() > 512 {
        // No route has such a path: the router answers.
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    match idempotency::claim(&state.db, &scope, &fingerprint, caller.now).await {
        Ok(Claim::Fresh) => {}
        Ok(Claim::Replay(row)) => return Ok(req.into_response(replay(&row))),
        Ok(Claim::InFlight) => {
            let error = ApiError::from(Error::conflict(
                ProblemCode::IdempotencyKeyInUse,
                "the first request with this Idempotency-Key is still running; retry in a moment",
            ));
            let mut response = error.error_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            return Ok(req.into_response(response));
        }
        Ok(Claim::Mismatch) => {
            let error = ApiError::from(Error::Invalid {
                errors: vec![FieldError::new(
                    "Idempotency-Key",
                    "reused_with_another_request",
                    "this key was used with another request (query string or body) in the last 24 hours; use a new key for a new request",
                )],
            });
            return Ok(req.error_response(error));
        }
        Err(error) => return Ok(req.error_response(ApiError::from(error))),
    }
    let response = match next.call(req).await {
        Ok(response) => response,
        Err(error) => {
            release(&state, &scope).await;
            return Err(error);
        }
    };
    if response.status().is_server_error() {
        release(&state, &scope).await;
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(_) => {
            release(&state, &scope).await;
            let error = ApiError::from(Error::internal("reading an answer to keep it"));
            return Ok(ServiceResponse::new(request, error.error_response()));
        }
    };
    let headers: serde_json::Map<String, serde_json::Value> = KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            let value = head.headers().get(name)?.to_str().ok()?;
            Some((name.to_string(), serde_json::Value::from(value)))
        })
        .collect();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if let Err(error) = idempotency::complete(
        &state.db,
        &scope,
        head.status().as_u16(),
        &serde_json::Value::Object(headers),
        &text,
    )
    .await
    {
        tracing::warn!(error = %error, "could not keep the answer of an idempotent request");
        release(&state, &scope).await;
    }
    let response = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(request, response))
}

async fn release(state: &AppState, scope: &Scope) {
    if let Err(error) = idempotency::release(&state.db, scope).await {
        tracing::warn!(error = %error, "could not release an idempotency key");
    }
}

/// SHA-256 over what makes two requests to one path the same request.
fn fingerprint(req: &ServiceRequest, body: &[u8]) -> String {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let mut hasher = Sha256::new();
    for part in [req.query_string().as_bytes(), content_type, body] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    format!("{:x}", hasher.finalize())
}

/// The kept answer, again.
fn replay(row: &entity::idempotency_key::Model) -> HttpResponse {
    let status = row
        .response_status
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    let headers: serde_json::Map<String, serde_json::Value> = row
        .response_headers
        .as_deref()
        .and_then(|h| serde_json::from_str(h).ok())
        .unwrap_or_default();
    for (name, value) in headers {
        if let Some(value) = value.as_str() {
            response.insert_header((name, value.to_owned()));
        }
    }
    response.insert_header((REPLAYED, "true"));
    response.body(row.response_body.clone().unwrap_or_default())
}
