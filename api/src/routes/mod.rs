//! One module per resource, each with a `configure` that registers its handlers with
//! `.service(...)` (never with `route`, which would hide them from the OpenAPI document).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{Caller, Permission};
use crate::db::{TenantOwned, delete_versioned, find_in_tenant};
use crate::error::ApiError;
use crate::extract::IfMatch;
use crate::startup::AppState;

pub mod approval_companions;
pub mod approval_requests;
pub mod approval_templates;
pub mod health;
pub mod imaging_orders;
pub mod insurance;
pub mod lab_orders;
pub mod medications;
pub mod order_approvals;
pub mod patients;
pub mod prescriptions;
pub mod providers;
pub mod reports;
pub mod surgical_cases;
pub mod tenant;
pub mod work_queue;

/// Registers every route of the service.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(health::healthz)
        .service(health::readyz)
        .service(scope::scope("/api/v1").configure(|api| {
            tenant::configure(api);
            providers::configure(api);
            patients::configure(api);
            insurance::configure(api);
            medications::configure(api);
            lab_orders::configure(api);
            imaging_orders::configure(api);
            prescriptions::configure(api);
            surgical_cases::configure(api);
            approval_requests::configure(api);
            order_approvals::configure(api);
            approval_companions::configure(api);
            approval_templates::configure(api);
            work_queue::configure(api);
            reports::configure(api);
        }));
}

/// Any path or method the service does not have.
pub async fn no_route(_req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NoRoute)
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

/// A merge-patch value of a field that cannot be cleared: `null` answers 422.
pub fn required<T>(field: &'static str, value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::invalid(field, "required", "cannot be null"))
}

/// Renames the generic 409 `duplicate` to a precise code and message; other errors pass.
pub fn renamed_duplicate(
    code: &'static str,
    detail: &'static str,
) -> impl FnOnce(ApiError) -> ApiError {
    move |error| match error {
        ApiError::Conflict {
            code: "duplicate", ..
        } => ApiError::conflict(code, detail),
        other => other,
    }
}

/// Maps a unique-key violation to a 409 with a precise code and message; other errors as usual.
pub fn duplicate(
    code: &'static str,
    detail: &'static str,
) -> impl FnOnce(sea_orm::DbErr) -> ApiError {
    move |error| renamed_duplicate(code, detail)(ApiError::from(error))
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
/// `If-Match`, and `refused` turns a database refusal (rows still refer to it) into the
/// resource's own 409.
pub async fn delete_one<E: TenantOwned>(
    caller: &Caller,
    state: &AppState,
    permission: Permission,
    id: uuid::Uuid,
    if_match: IfMatch,
    refused: fn(ApiError) -> ApiError,
) -> Result<HttpResponse, ApiError> {
    caller.require(permission)?;
    let model = find_in_tenant::<E, _>(&state.db, caller.tenant_id(), id).await?;
    let version = E::version_of(&model);
    let with_if_match = if_match.check(version)?;
    delete_versioned::<E, _>(&state.db, caller.tenant_id(), id, version, with_if_match)
        .await
        .map_err(refused)?;
    Ok(HttpResponse::NoContent().finish())
}

/// Order views with their computed approval fields (DOMAIN.md §3), for any number of orders of
/// one kind at a fixed number of queries.
pub async fn decorate<E, V>(
    state: &AppState,
    caller: &Caller,
    kind: crate::approval::prefill::OrderKind,
    models: Vec<E::Model>,
    recorded: impl Fn(&E::Model) -> Option<crate::approval::fields::Recorded>,
    make: impl Fn(E::Model, crate::approval::fields::ApprovalFields) -> V,
) -> Result<Vec<V>, ApiError>
where
    E: TenantOwned,
{
    let ids: Vec<uuid::Uuid> = models.iter().map(E::id_of).collect();
    let recorded: std::collections::HashMap<uuid::Uuid, crate::approval::fields::Recorded> = models
        .iter()
        .filter_map(|m| recorded(m).map(|r| (E::id_of(m), r)))
        .collect();
    let mut fields = crate::approval::fields::compute::<E, _>(
        &state.db,
        caller.tenant_id(),
        kind,
        tenant::today(&caller.tenant),
        &ids,
        |id| recorded.get(&id).cloned(),
    )
    .await?;
    models
        .into_iter()
        .map(|model| {
            let computed = fields.remove(&E::id_of(&model)).ok_or(ApiError::Internal)?;
            Ok(make(model, computed))
        })
        .collect()
}

/// One decorated order.
pub async fn decorate_one<E, V>(
    state: &AppState,
    caller: &Caller,
    kind: crate::approval::prefill::OrderKind,
    model: E::Model,
    recorded: impl Fn(&E::Model) -> Option<crate::approval::fields::Recorded>,
    make: impl Fn(E::Model, crate::approval::fields::ApprovalFields) -> V,
) -> Result<V, ApiError>
where
    E: TenantOwned,
{
    decorate::<E, V>(state, caller, kind, vec![model], recorded, make)
        .await?
        .pop()
        .ok_or(ApiError::Internal)
}

/// A page of orders of one kind: the computed-field filters applied before paging, then the
/// page decorated with its computed fields.
#[expect(
    clippy::too_many_arguments,
    reason = "each argument is one part of the kind's list"
)]
pub async fn order_page<E, V>(
    state: &AppState,
    caller: &Caller,
    kind: crate::approval::prefill::OrderKind,
    query: sea_orm::Select<E>,
    page: &crate::list::ListParams,
    approval: &crate::approval::fields::ApprovalFilter,
    fields: &[(&str, E::Column)],
    recorded: impl Fn(&E::Model) -> Option<crate::approval::fields::Recorded>,
    make: impl Fn(E::Model, crate::approval::fields::ApprovalFields) -> V,
) -> Result<HttpResponse, ApiError>
where
    E: TenantOwned,
    E::Model: Sync,
    V: Serialize,
{
    let query = approval.apply(
        query,
        kind,
        state.db.get_database_backend(),
        tenant::today(&caller.tenant),
    )?;
    let page = page
        .fetch(&state.db, query, fields, E::id_column(), |m| m)
        .await?;
    let items = decorate::<E, V>(state, caller, kind, page.items, recorded, make).await?;
    Ok(HttpResponse::Ok().json(crate::list::Page {
        items,
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}
