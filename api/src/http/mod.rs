//! The HTTP layer: one module per resource, each with a `configure` that registers its handlers
//! with `.service(...)` (never with `route`, which would hide them from the OpenAPI document).
//!
//! A resource module imports from the layers below and from the shared parts of this one (this
//! file's helpers, [`views`], [`problems`]), never from another resource module: a test holds
//! this.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::base::error::Error;
use crate::base::state::AppState;
use crate::data::db::{TenantOwned, delete_versioned, find_in_tenant};
use crate::request::auth::{Caller, Permission};
use crate::request::extract::IfMatch;
use crate::request::problem::ApiError;

pub mod approval_companions;
pub mod approval_requests;
pub mod approval_templates;
pub mod audit_events;
pub mod docs;
pub mod health;
pub mod insurance;
pub mod medications;
pub mod metrics;
pub mod order_approvals;
pub mod orders;
pub mod patients;
pub mod problems;
pub mod providers;
pub mod reports;
pub mod tenant;
pub mod views;
pub mod work_queue;

/// Registers every route of the service.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(docs::root)
        .service(docs::swagger_ui)
        .service(health::healthz)
        .service(health::readyz)
        .service(metrics::metrics)
        .service(scope::scope("/api/v1").configure(|api| {
            tenant::configure(api);
            providers::configure(api);
            patients::configure(api);
            insurance::configure(api);
            medications::configure(api);
            orders::configure(api);
            approval_requests::configure(api);
            order_approvals::configure(api);
            approval_companions::configure(api);
            approval_templates::configure(api);
            work_queue::configure(api);
            reports::configure(api);
            audit_events::configure(api);
        }));
}

/// Any path or method the service does not have: 405 with `Allow` when the path exists with
/// other methods, else 404.
pub async fn no_route(
    req: HttpRequest,
    routes: actix_web::web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    match routes.methods_of(req.path()) {
        Some(allow) => Err(ApiError::MethodNotAllowed { allow }),
        None => Err(ApiError::NoRoute),
    }
}

/// The paths the service answers and the methods of each, read from the OpenAPI document the
/// routes feed (every route is documented), plus the document and Swagger UI themselves.
#[derive(Debug, Default)]
pub struct RouteTable {
    /// Path templates split into segments (`None` for a `{parameter}`), with their methods.
    routes: Vec<(Vec<Option<String>>, Vec<String>)>,
}

impl RouteTable {
    pub fn of(document: &utoipa::openapi::OpenApi) -> Self {
        let mut routes: Vec<(Vec<Option<String>>, Vec<String>)> = document
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = template
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect();
                let item = serde_json::to_value(item).unwrap_or_default();
                let methods = ["get", "post", "put", "patch", "delete"]
                    .into_iter()
                    .filter(|m| item.get(*m).is_some())
                    .map(str::to_uppercase)
                    .collect();
                (segments, methods)
            })
            .collect();
        routes.push((vec![Some(String::new()); 2], vec!["GET".to_owned()]));
        routes.push((
            ["", "api-docs", "openapi.json"]
                .map(|s| Some(s.to_owned()))
                .into(),
            vec!["GET".to_owned()],
        ));
        Self { routes }
    }

    /// `GET, POST` for a path the service has, `None` for one it has not.
    pub fn methods_of(&self, path: &str) -> Option<String> {
        if path == "/swagger-ui" || path.starts_with("/swagger-ui/") {
            return Some("GET".to_owned());
        }
        let segments: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == segments.len()
                    && template.iter().zip(&segments).all(|(t, s)| match t {
                        Some(fixed) => fixed == s,
                        None => !s.is_empty(),
                    })
            })
            .map(|(_, methods)| methods.join(", "))
    }
}

/// `ETag: "<version>"`.
pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// 200 with the resource and its `ETag`.
pub fn ok<T: Serialize>(version: i32, body: &T) -> HttpResponse {
    HttpResponse::Ok().insert_header(etag(version)).json(body)
}

/// 201 with the resource, its `Location` and its `ETag`.
pub fn created<T: Serialize>(location: String, version: i32, body: &T) -> HttpResponse {
    HttpResponseBuilder::new(actix_web::http::StatusCode::CREATED)
        .insert_header((header::LOCATION, location))
        .insert_header(etag(version))
        .json(body)
}

/// The path of resource `id` under `/api/v1/{resource}`.
pub fn location(resource: &str, id: uuid::Uuid) -> String {
    format!("/api/v1/{resource}/{id}")
}

/// The caller as the approval domain knows who acts.
pub fn actor(caller: &Caller) -> crate::domain::approval::service::Actor<'_> {
    crate::domain::approval::service::Actor {
        tenant_id: caller.tenant_id(),
        tenant_code: &caller.tenant.code,
        user: &caller.user,
        now: caller.now,
    }
}

/// A merge-patch value of a field that cannot be cleared: `null` answers 422.
pub fn required<T>(field: &'static str, value: Option<T>) -> Result<T, Error> {
    value.ok_or_else(|| Error::invalid(field, "required", "cannot be null"))
}

/// GET of one row of the caller's tenant, answered as its view `V` with its `ETag`.
pub async fn read_one<E, V>(
    caller: &Caller,
    state: &AppState,
    id: uuid::Uuid,
) -> Result<HttpResponse, ApiError>
where
    E: TenantOwned,
    V: From<E::Model> + Serialize,
{
    caller.require(Permission::Read)?;
    let model = find_in_tenant::<E, _>(&state.db, caller.tenant_id(), id).await?;
    Ok(ok(E::version_of(&model), &V::from(model)))
}

/// DELETE of one row of the caller's tenant: 404 when it is not there, 412 on a stale
/// `If-Match`, 409 while other rows refer to it (the referring constraint's answer).
pub async fn delete_one<E: TenantOwned>(
    caller: &Caller,
    state: &AppState,
    permission: Permission,
    id: uuid::Uuid,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(permission)?;
    let model = find_in_tenant::<E, _>(&state.db, caller.tenant_id(), id).await?;
    let version = E::version_of(&model);
    let with_if_match = if_match.check(version)?;
    delete_versioned::<E, _>(
        &state.db,
        caller.tenant_id(),
        &model,
        caller.now,
        with_if_match,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Merges the fields of a JSON merge patch into a row (`$model`) and the changes to save
/// (`$changes`), each field by how it merges:
///
/// - `text`: required (`null` is 422), trimmed; `optional_text`: `null` clears it, trimmed;
/// - `value`: required, as given; `optional`: `null` clears it;
/// - `variant`: a required enum, stored as its name;
/// - `reference(entity)`: a required id of a row of the caller's tenant (`$state`, `$tenant`),
///   422 on the field when there is none;
/// - `codes(check)`: a list of codes (`null` empties it), each checked, stored as JSON;
/// - `service_instant(zone)` / `required_service_instant(zone)`: the order's service instant,
///   its stored service date following it in the tenant's zone.
#[macro_export]
macro_rules! merge_patch {
    ($patch:ident => $model:expr, $changes:expr, $state:expr, $tenant:expr; { $($field:ident: $how:ident $( ( $($arg:tt)* ) )?),* $(,)? }) => {
        $( $crate::merge_patch!(@one $how $( ( $($arg)* ) )?, $patch, $model, $changes, $state, $tenant, $field); )*
    };
    (@one text, $patch:ident, $model:expr, $changes:expr, $state:expr, $tenant:expr, $field:ident) => {
        if let Some(value) = $patch.$field {
            $model.$field = $crate::http::required(stringify!($field), value)?.trim().to_owned();
            $changes.$field = sea_orm::Set($model.$field.clone());
        }
    };
    (@one optional_text, $patch:ident, $model:expr, $changes:expr, $state:expr, $tenant:expr, $field:ident) => {
        if let Some(value) = $patch.$field {
            $model.$field = value.map(|text| text.trim().to_owned());
            $changes.$field = sea_orm::Set($model.$field.clone());
        }
    };
    (@one value, $patch:ident, $model:expr, $changes:expr, $state:expr, $tenant:expr, $field:ident) => {
        if let Some(value) = $patch.$field {
            $model.$field = $crate::http::required(stringify!($field), value)?;
            $changes.$field = sea_orm::Set($model.$field.clone());
        }
    };
    (@one optional, $patch:ident, $model:expr, $changes:expr, $state:expr, $tenant:expr, $field:ident) => {
        if let Some(value) = $patch.$field {
            $model.$field = value;
            $changes.$field = sea_orm::Set($model.$field.clone());
        }
    };
    (@one variant, $patch:ident, $model:expr, $changes:expr, $state:expr, $tenant:expr, $field:ident) => {
        if let Some(value) = $patch.$field {
            $model.$field = $crate::http::required(stringify!($field), value)?.as_ref().to_owned();
            $changes.$field = sea_orm::Set($model.$field.clone());
        }
    };
    (@one reference($entity:path), $patch:ident, $model:expr, $changes:expr, $state:expr, $tenant:expr, $field:ident) => {
        if let Some(value) = $patch.$field {
            let id = $crate::http::required(stringify!($field), value)?;
            $crate::data::db::reference::<$entity, _>(&$state.db, $tenant, stringify!($field), id).await?;
            $model.$field = id;
            $changes.$field = sea_orm::Set(id);
        }
    };
    (@one codes($check:path), $patch:ident, $model:expr, $changes:expr, $state:expr, $tenant:expr, $field:ident) => {
        if let Some(value) = $patch.$field {
            let codes = value.unwrap_or_default();
            $crate::domain::validate::each_code(stringify!($field), &codes, $check)?;
            $model.$field = serde_json::Value::from(codes);
            $changes.$field = sea_orm::Set($model.$field.clone());
        }
    };
    (@one service_instant($zone:expr), $patch:ident, $model:expr, $changes:expr, $state:expr, $tenant:expr, $field:ident) => {
        if let Some(value) = $patch.$field {
            $model.$field = value.map($crate::base::clock::micros);
            $model.service_date = $crate::domain::orders::service_date($zone, $model.$field);
            $changes.$field = sea_orm::Set($model.$field);
            $changes.service_date = sea_orm::Set($model.service_date);
        }
    };
    (@one required_service_instant($zone:expr), $patch:ident, $model:expr, $changes:expr, $state:expr, $tenant:expr, $field:ident) => {
        if let Some(value) = $patch.$field {
            $model.$field = $crate::base::clock::micros($crate::http::required(stringify!($field), value)?);
            $model.service_date = $crate::domain::orders::service_date($zone, Some($model.$field));
            $changes.$field = sea_orm::Set($model.$field);
            $changes.service_date = sea_orm::Set($model.service_date);
        }
    };
}
