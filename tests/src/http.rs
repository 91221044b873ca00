//! Requests to the in-process application and what a client sees of the answers.

use actix_http::Request;
use actix_service::boxed::{self, BoxService};
use actix_service::{Service, ServiceExt};
use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::Method;
use actix_web::http::header::HeaderMap;
use actix_web::{test, web};
use api::base::state::AppState;
use serde_json::Value;

/// The application as a service, its body type erased.
pub type AppService = BoxService<Request, ServiceResponse<BoxBody>, actix_web::Error>;

pub(crate) async fn init(state: web::Data<AppState>) -> AppService {
    let service = test::init_service(api::startup::build_app(state)).await;
    boxed::service(service.map(ServiceResponse::map_into_boxed_body))
}

/// A request being built.
pub struct Call<'a> {
    service: &'a AppService,
    request: test::TestRequest,
    /// A body that sends these bytes and then nothing, never ending.
    stalled: Option<&'static [u8]>,
}

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    /// The body as JSON; `Value::Null` when empty, a JSON string when not JSON.
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `ETag` value, quotes included.
    pub fn etag(&self) -> String {
        self.header("etag").expect("an ETag header").to_owned()
    }

    /// Asserts the reply is a problem document with `status` and `code`, and returns it.
    pub fn problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status, status, "status of {}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "content type of {}",
            self.body
        );
        assert_eq!(self.body["code"], code, "code of {}", self.body);
        assert_eq!(self.body["status"], status, "status field of {}", self.body);
        assert_eq!(self.body["type"], format!("/problems/{code}"));
        assert!(self.body["title"].is_string());
        assert!(self.body["detail"].is_string());
        &self.body
    }

    /// The fields named by a 422 problem.
    pub fn invalid_fields(&self) -> Vec<String> {
        self.problem(422, "validation_failed");
        self.body["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("field").to_owned())
            .collect()
    }
}

impl<'a> Call<'a> {
    pub(crate) fn new(service: &'a AppService, method: Method, path: &str) -> Self {
        Self {
            service,
            request: test::TestRequest::default().method(method).uri(path),
            stalled: None,
        }
    }

    pub fn token(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request = self
            .request
            .insert_header((name.to_owned(), value.to_owned()));
        self
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(mut self, body: Value) -> Self {
        self.request = self.request.set_json(body);
        self
    }

    /// A raw body with the given content type.
    pub fn raw(mut self, content_type: &str, body: impl Into<actix_web::web::Bytes>) -> Self {
        self.request = self
            .request
            .insert_header(("content-type", content_type.to_owned()))
            .set_payload(body.into());
        self
    }

    /// A JSON body that starts with `first` and then stalls, as a slow or stuck client sends.
    pub fn stalled_body(mut self, first: &'static [u8]) -> Self {
        self.request = self
            .request
            .insert_header(("content-type", "application/json"));
        self.stalled = Some(first);
        self
    }

    pub async fn send(self) -> Reply {
        let mut request = self.request.to_request();
        if let Some(first) = self.stalled {
            use futures_util::StreamExt;
            let stream = futures_util::stream::once(async move {
                Ok::<_, actix_http::error::PayloadError>(actix_web::web::Bytes::from_static(first))
            })
            .chain(futures_util::stream::pending());
            let payload: actix_http::BoxedPayloadStream = Box::pin(stream);
            request = request
                .replace_payload(actix_http::Payload::from(payload))
                .0;
        }
        // An error the application returns is answered by the server from it, as here.
        let response = match self.service.call(request).await {
            Ok(response) => response,
            Err(error) => {
                let request = test::TestRequest::default().to_http_request();
                ServiceResponse::new(request, error.error_response())
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = test::read_body(response).await;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }
}
