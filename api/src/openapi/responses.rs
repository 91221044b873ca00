//! The headers of the answers, stated once under `components.headers` and referred to from
//! every response: `X-Request-Id` on every answer (set by `startup::request_context`),
//! `WWW-Authenticate` on 401, `Retry-After` on 503, and `ETag` and `Location` on the answers
//! that carry them (a 201 always carries both: `http::created` writes them). Every operation of
//! the API documents 503: each reads the caller's tenant and its data from the database.

use serde_json::{Map, Value, json};

use super::{for_each_operation, reference};

/// The reusable 503 answer (`http::problems::UnavailableProblem`).
const UNAVAILABLE: &str = "UnavailableProblem";

/// The headers an answer may carry, as `components.headers`.
fn headers() -> Value {
    json!({
        "X-Request-Id": {
            "description": "The request's id, also in the service's log lines: the `X-Request-Id` \
    the client sent when it is 1 to 128 letters, digits or `-_.:`, else a new UUID. Quote it when \
    reporting a problem.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[A-Za-z0-9._:-]+$"},
            "example": "0b5c1a7e-6f2d-4b8a-9c3e-2d1f0a9b8c7d"
        },
        "WWW-Authenticate": {
            "description": "The bearer challenge: `Bearer realm=\"approvals\"`, with \
    `error=\"invalid_token\"` and an `error_description` when a token was sent but refused.",
            "schema": {"type": "string"},
            "example": "Bearer realm=\"approvals\", error=\"invalid_token\", error_description=\"the token has expired\""
        },
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 0},
            "example": 2
        },
        "ETag": {
            "description": "The resource's version as an entity tag. Send it back in `If-Match` \
    to change or delete exactly this version.",
            "schema": {"type": "string", "pattern": "^\"[0-9]+\"$"},
            "example": "\"3\""
        },
        "Location": {
            "description": "The path of the new resource.",
            "schema": {"type": "string", "format": "uri-reference"},
            "example": "/api/v1/patients/0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70"
        }
    })
}

pub fn add(document: &mut Value) {
    let components = &mut document["components"];
    components["headers"] = headers();
    // The reusable answers: each problem's example names its status.
    if let Some(responses) = components["responses"].as_object_mut() {
        for response in responses.values_mut() {
            let status = response["content"]
                .as_object()
                .and_then(|content| content.values().next())
                .and_then(|media| media["example"]["status"].as_u64())
                .map(|status| status.to_string())
                .unwrap_or_default();
            add_headers(&status, response);
        }
    }
    for_each_operation(document, |path, _, operation| {
        let Some(responses) = operation["responses"].as_object_mut() else {
            return;
        };
        if path.starts_with("/api/") && !responses.contains_key("503") {
            responses.insert("503".to_owned(), reference("responses", UNAVAILABLE));
        }
        for (status, response) in responses.iter_mut() {
            if response.get("$ref").is_none() {
                add_headers(status, response);
            }
        }
    });
}

/// The headers of an answer with `status`: those it declares (`ETag`, `Location`) as references,
/// those of its status, and `X-Request-Id`.
fn add_headers(status: &str, response: &mut Value) {
    let Some(response) = response.as_object_mut() else {
        return;
    };
    let declared: Vec<String> = response
        .get("headers")
        .and_then(Value::as_object)
        .map(|headers| headers.keys().cloned().collect())
        .unwrap_or_default();
    let mut names: Vec<&str> = Vec::new();
    if status == "201" {
        names.extend(["Location", "ETag"]);
    }
    for name in ["Location", "ETag"] {
        if declared.iter().any(|d| d == name) && !names.contains(&name) {
            names.push(name);
        }
    }
    match status {
        "401" => names.push("WWW-Authenticate"),
        "503" => names.push("Retry-After"),
        _ => {}
    }
    names.push("X-Request-Id");
    let mut headers = Map::new();
    for name in names {
        headers.insert(name.to_owned(), reference("headers", name));
    }
    // Any other header the handler declares stays as it is.
    if let Some(Value::Object(others)) = response.remove("headers") {
        for (name, header) in others {
            headers.entry(name).or_insert(header);
        }
    }
    // Description, headers, then the rest (content, links), as utoipa writes a response.
    let mut headers = Some(Value::Object(headers));
    for (key, value) in std::mem::take(response) {
        let description = key == "description";
        response.insert(key, value);
        if description && let Some(headers) = headers.take() {
            response.insert("headers".to_owned(), headers);
        }
    }
    if let Some(headers) = headers {
        response.insert("headers".to_owned(), headers);
    }
}
