//! Request extractors that answer in the API's own error shape: JSON bodies (415, 413, 400 for
//! syntax, 422 for values, with the path of the offending field), `If-Match`, and the error
//! handlers for query strings and path segments.

use std::borrow::Cow;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::BytesMut;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use futures_util::future::{LocalBoxFuture, Ready, ready};
use serde::de::DeserializeOwned;
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use super::problem::ApiError;
use super::strict::{
    DUPLICATE_KEY, UniqueKeys, date_fields, date_params, is_full_date, list_params,
};
use crate::base::config::MAX_BODY_BYTES;
use crate::base::error::{Error, FieldError, ProblemCode};
use crate::base::state::{AppState, Limits};

/// A JSON body, read when the request arrives but judged only when the handler calls
/// [`ValidJson::parse`]: after it has checked the caller's role (and, for a PATCH, found the
/// resource), so a VIEWER's invalid body answers 403, not 422. `parse` answers 415 for a body
/// not declared as JSON, 413 past the size limit, 400 for syntax and 422 for values, with the
/// path of the offending field.
///
/// Accepts `application/json` and any `application/*+json` (such as
/// `application/merge-patch+json` for PATCH).
#[derive(Debug)]
pub struct ValidJson<T> {
    raw: RawJson,
    kind: std::marker::PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Validate + ToSchema + 'static> ValidJson<T> {
    /// The body, parsed and checked with `validator`.
    pub fn parse(self) -> Result<T, ApiError> {
        self.raw.parse()
    }
}

impl<T: 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let raw = RawJson::from_request(req, payload);
        Box::pin(async move {
            Ok(ValidJson {
                raw: raw.await?,
                kind: std::marker::PhantomData,
            })
        })
    }
}

/// A JSON body read but not yet judged: for handlers whose body type depends on what they find
/// (transitions). Reading never fails the request by itself; [`RawJson::parse`] answers the
/// 415, 413, 400 or 422 once the handler's own checks (404, 403) have passed.
#[derive(Debug)]
pub struct RawJson(Result<actix_web::web::Bytes, ApiError>);

impl RawJson {
    /// Whether the body is the JSON literal `null`.
    fn is_null(&self) -> bool {
        self.0
            .as_ref()
            .is_ok_and(|body| body.trim_ascii() == b"null")
    }

    /// Parses and validates the body (415, 413, 400 for syntax, 422 for values).
    pub fn parse<T: DeserializeOwned + Validate + ToSchema + 'static>(self) -> Result<T, ApiError> {
        let value: T = parse_json(&self.0?)?;
        value.validate().map_err(validation_error)?;
        Ok(value)
    }
}

impl FromRequest for RawJson {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = matches!(
            req.mime_type(),
            Ok(Some(mime)) if mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        );
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let payload = payload.take();
        let timeout = req
            .app_data::<actix_web::web::Data<AppState>>()
            .map_or_else(
                || Limits::default().body_read,
                |state| state.limits.body_read,
            );
        Box::pin(async move {
            if !is_json {
                return Ok(RawJson(Err(ApiError::UnsupportedMediaType)));
            }
            if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
                return Ok(RawJson(Err(ApiError::PayloadTooLarge {
                    limit: MAX_BODY_BYTES,
                })));
            }
            match read_body(payload, timeout).await {
                Ok(body) => Ok(RawJson(Ok(body))),
                // Judged with the body's other faults, after the handler's own checks.
                Err(too_large @ ApiError::PayloadTooLarge { .. }) => Ok(RawJson(Err(too_large))),
                Err(error) => Err(error),
            }
        })
    }
}

/// Reads a whole body of at most [`MAX_BODY_BYTES`] within `timeout` (413, 408, or 400 when the
/// connection broke).
pub async fn read_body(
    mut payload: Payload,
    timeout: std::time::Duration,
) -> Result<actix_web::web::Bytes, ApiError> {
    let read = async {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| {
                ApiError::bad_request(ProblemCode::UnreadableBody, "the body could not be read")
            })?;
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(ApiError::PayloadTooLarge {
                    limit: MAX_BODY_BYTES,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(ApiError::BodyTimeout {
            seconds: timeout.as_secs(),
        }))
}

/// As [`ValidJson`], but a request without a body (no `Content-Type`, nothing sent) stands for
/// `T::default()`: for POSTs whose every field is optional.
#[derive(Debug)]
pub struct ValidJsonOrEmpty<T>(Option<ValidJson<T>>);

impl<T: DeserializeOwned + Validate + ToSchema + Default + 'static> ValidJsonOrEmpty<T> {
    /// The body, or `T::default()` when none was sent or the body is JSON `null`.
    pub fn parse(self) -> Result<T, ApiError> {
        match self.0 {
            Some(body) if !body.raw.is_null() => body.parse(),
            _ => Ok(T::default()),
        }
    }
}

impl<T: 'static> FromRequest for ValidJsonOrEmpty<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let declared_empty = req.headers().get(header::CONTENT_TYPE).is_none()
            && req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|v| v.trim() == "0");
        if declared_empty {
            return Box::pin(async { Ok(ValidJsonOrEmpty(None)) });
        }
        let inner = ValidJson::<T>::from_request(req, payload);
        Box::pin(async move { inner.await.map(|body| ValidJsonOrEmpty(Some(body))) })
    }
}

/// Parses a JSON object into `T`: a body that is not JSON at all, or names a key twice, is 400;
/// one that is JSON but not an object, or has wrong values, is 422 naming the field.
pub fn parse_json<T: DeserializeOwned + ToSchema + 'static>(body: &[u8]) -> Result<T, ApiError> {
    let document = serde_json::from_slice::<UniqueKeys>(body)
        .map(|unique| unique.0)
        .map_err(|error| {
            let text = error.to_string();
            if error.is_eof() && body.iter().all(u8::is_ascii_whitespace) {
                ApiError::bad_request(
                    ProblemCode::MalformedJson,
                    "the body is empty; send a JSON object",
                )
            } else if let Some(rest) = text.strip_prefix(DUPLICATE_KEY) {
                let key = rest.split(" at line ").next().unwrap_or(rest);
                ApiError::bad_request(
                    ProblemCode::DuplicateKey,
                    format!("the body names {key} twice in one object; send each key once"),
                )
            } else {
                ApiError::bad_request(
                    ProblemCode::MalformedJson,
                    format!("the body is not valid JSON: {error}"),
                )
            }
        })?;
    if !document.is_object() {
        return Err(ApiError::invalid(
            "body",
            "invalid_type",
            "must be a JSON object",
        ));
    }
    if let Some(field) = nul_in(&document, String::new()) {
        return Err(ApiError::invalid(
            field,
            "nul_character",
            "must not contain NUL characters",
        ));
    }
    let document = whole_numbers(document);
    for field in date_fields::<T>().iter() {
        if let Some(serde_json::Value::String(text)) = document.get(field)
            && !is_full_date(text)
        {
            return Err(ApiError::invalid(
                field.clone(),
                "invalid_date",
                "must be a real calendar date written YYYY-MM-DD",
            ));
        }
    }
    serde_path_to_error::deserialize(document).map_err(|error| {
        let path = error.path().to_string();
        data_error(&path, error.inner())
    })
}

/// `5.0` as `5`: JSON (and JSON Schema) do not tell the two apart, so an integer field takes
/// a whole number written with a decimal point.
fn whole_numbers(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(number) => match number.as_f64() {
            Some(float)
                if !number.is_i64()
                    && !number.is_u64()
                    && float.fract() == 0.0
                    && float.abs() < 9.0e15 =>
            {
                // Exact: below 2^53 every whole f64 is an integer.
                #[expect(clippy::cast_possible_truncation, reason = "whole and below 2^53")]
                Value::from(float as i64)
            }
            _ => Value::Number(number),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(whole_numbers).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (key, whole_numbers(value)))
                .collect(),
        ),
        other => other,
    }
}

/// The path of the first string (or key) holding a NUL character: text no database keeps.
fn nul_in(value: &serde_json::Value, path: String) -> Option<String> {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        serde_json::Value::String(text) if text.contains('\0') => Some(if path.is_empty() {
            "body".to_owned()
        } else {
            path
        }),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| nul_in(item, format!("{path}[{index}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(join("(key)"))
            } else {
                nul_in(item, join(key))
            }
        }),
        _ => None,
    }
}

/// A serde data error as a 422 on the field it concerns.
fn data_error(path: &str, error: &serde_json::Error) -> ApiError {
    let text = error.to_string();
    // serde's messages end with " at line L column C", which means nothing to a client of a
    // field-level error.
    let message = text.split(" at line ").next().unwrap_or(&text).to_owned();
    let quoted = message.split('`').nth(1).map(str::to_owned);
    let join = |field: &str| {
        if path == "." || path.is_empty() {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        }
    };
    let (field, code, message) = if let Some(field) = message
        .strip_prefix("missing field ")
        .and(quoted.as_deref())
    {
        (join(field), "required", "is required".to_owned())
    } else if let Some(field) = message
        .strip_prefix("unknown field ")
        .and(quoted.as_deref())
    {
        // serde_path_to_error already points at the unknown key.
        let field = if path.ends_with(field) {
            path.to_owned()
        } else {
            join(field)
        };
        (
            field,
            "unknown_field",
            "is not a field of this resource".to_owned(),
        )
    } else if message.starts_with("unknown variant") {
        (path.to_owned(), "unknown_value", message)
    } else if message.contains("input contains invalid characters")
        || message.contains("premature end of input")
        || message.contains("input is out of range")
        || message.contains("input is not enough for unique date")
        || message.contains("trailing input")
    {
        (
            path.to_owned(),
            "invalid_date",
            "must be a real calendar date (YYYY-MM-DD) or instant (RFC 3339)".to_owned(),
        )
    } else if message.contains("Decimal") {
        (path.to_owned(), "range", "is out of range".to_owned())
    } else if message.starts_with("invalid type") {
        (path.to_owned(), "invalid_type", message)
    } else {
        (path.to_owned(), "invalid_value", message)
    };
    let field = if field == "." || field.is_empty() {
        "body".to_owned()
    } else {
        field
    };
    Error::Invalid {
        errors: vec![FieldError::new(field, code, message)],
    }
    .into()
}

/// `validator`'s errors as field errors, sorted by field.
pub fn validation_error(errors: ValidationErrors) -> ApiError {
    let mut fields = Vec::new();
    collect(&errors, "", &mut fields);
    fields.sort_by(|a, b| a.field.cmp(&b.field));
    Error::Invalid { errors: fields }.into()
}

fn collect(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let name = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    out.push(FieldError::new(
                        name.clone(),
                        error.code.clone(),
                        describe(error),
                    ));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &name, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{name}[{index}]"), out);
                }
            }
        }
    }
}

fn describe(error: &validator::ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    let param = |key: &str| error.params.get(key).map(ToString::to_string);
    match error.code.as_ref() {
        "length" if error.params.get("value").is_some_and(|v| v.is_array()) => {
            match (param("min"), param("max")) {
                (Some(min), Some(max)) => format!("must have {min} to {max} items"),
                (Some(min), None) => format!("must have at least {min} items"),
                (None, Some(max)) => format!("must have at most {max} items"),
                _ => "has the wrong number of items".to_owned(),
            }
        }
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be {min} to {max} characters long"),
            (Some(min), None) => format!("must be at least {min} characters long"),
            (None, Some(max)) => format!("must be at most {max} characters long"),
            _ => "has the wrong length".to_owned(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be from {min} to {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".to_owned(),
        },
        "regex" => "has the wrong format".to_owned(),
        other => Cow::Borrowed(other).replace('_', " "),
    }
}

/// The `If-Match` header: the version a writer expects the resource to be at. Absent, or `*`,
/// means "whatever the current version is". A value that is not `*` or a list of entity tags
/// (`"3"`, `W/"3"`, `"3", "4"`) answers 400 `invalid_if_match`; a well-formed tag this service
/// never issued can never match (412).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfMatch(pub Option<Vec<IfMatchValue>>);

/// A parsed entity tag of `If-Match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMatchValue {
    /// A version of this service's ETags.
    Version(i32),
    /// An entity tag this service never issued: it can never match.
    Foreign,
}

impl IfMatch {
    /// 412 when the header names no tag of version `current`; `true` when tags were given (so
    /// that a later lost race answers 412 rather than 409).
    pub fn check(&self, current: i32) -> Result<bool, ApiError> {
        match &self.0 {
            None => Ok(false),
            Some(tags) if tags.contains(&IfMatchValue::Version(current)) => Ok(true),
            Some(_) => Err(Error::StaleVersion {
                current: Some(current),
            }
            .into()),
        }
    }

    /// Parses a header value; `None` when it is not `*` or a list of entity tags.
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text == "*" {
            return Some(IfMatch(None));
        }
        let mut tags = Vec::new();
        for tag in text.split(',') {
            let tag = tag.trim();
            let opaque = tag.strip_prefix("W/").unwrap_or(tag);
            let inner = opaque.strip_prefix('"')?.strip_suffix('"')?;
            // etagc: %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3).
            if !inner
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x7E).contains(&b) || b >= 0x80)
            {
                return None;
            }
            tags.push(
                inner
                    .parse()
                    .map(IfMatchValue::Version)
                    .unwrap_or(IfMatchValue::Foreign),
            );
        }
        Some(IfMatch(Some(tags)))
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(raw) = req.headers().get(header::IF_MATCH) else {
            return ready(Ok(IfMatch(None)));
        };
        let parsed = raw.to_str().ok().and_then(IfMatch::parse);
        ready(parsed.ok_or_else(|| {
            ApiError::bad_request(
                ProblemCode::InvalidIfMatch,
                "If-Match must be * or the ETag you read, quotes included, such as \"3\"",
            )
        }))
    }
}

/// A query string parsed into `T`. A parameter that does not parse is a 400 naming it.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + IntoParams + 'static> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = form_urlencoded::parse(req.query_string().as_bytes());
        if pairs
            .clone()
            .any(|(key, value)| key.contains('\0') || value.contains('\0'))
        {
            return ready(Err(ApiError::bad_request(
                ProblemCode::InvalidQuery,
                "query parameters must not contain NUL characters",
            )));
        }
        let dates = date_params::<T>();
        if let Some((key, _)) = pairs
            .clone()
            .find(|(key, value)| dates.iter().any(|d| d == key) && !is_full_date(value))
        {
            return ready(Err(ApiError::bad_request(
                ProblemCode::InvalidQuery,
                format!("{key}: write a real calendar date as YYYY-MM-DD"),
            )));
        }
        // A list parameter may come comma-separated (as published) or repeated (as many
        // generated clients send arrays): repeated ones are joined with commas.
        let lists = list_params::<T>();
        let mut merged: Vec<(String, String)> = Vec::new();
        for (key, value) in pairs {
            match merged.iter_mut().find(|(seen, _)| *seen == key) {
                Some((_, values)) if lists.iter().any(|list| *list == key) => {
                    values.push(',');
                    values.push_str(&value);
                }
                _ => merged.push((key.into_owned(), value.into_owned())),
            }
        }
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&merged)
            .finish();
        let pairs = form_urlencoded::parse(query.as_bytes());
        let parsed = serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs))
            .map(Query)
            .map_err(|error| {
                let field = error.path().to_string();
                let inner = error.into_inner();
                let detail = if field == "." || field.is_empty() {
                    format!("invalid query string: {inner}")
                } else {
                    format!("{field}: {inner}")
                };
                ApiError::bad_request(ProblemCode::InvalidQuery, detail)
            });
        ready(parsed)
    }
}

/// Path segments that do not parse (an id that is not a UUID) answer 400.
pub fn path_config() -> actix_web::web::PathConfig {
    actix_web::web::PathConfig::default().error_handler(|_, req| {
        // The framework's own wording ("Path deserialize error: UUID parsing failed…") means
        // nothing to a client: name the segment instead.
        let segment = req
            .match_info()
            .iter()
            .find(|(_, value)| uuid::Uuid::parse_str(value).is_err())
            .map(|(name, value)| (name.to_owned(), value.to_owned()));
        let detail = match segment {
            Some((name, value)) => format!(
                "`{value}` is not a valid {name}: ids are UUIDs such as 0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70"
            ),
            None => "a path segment is not valid".to_owned(),
        };
        ApiError::bad_request(ProblemCode::InvalidPath, detail).into()
    })
}
