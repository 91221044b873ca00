//! `/api/v1/tenant`: the caller's own tenant (there is no way to name another one).

use actix_web::{HttpResponse, get, patch, web};
use chrono::{DateTime, Utc};
use entity::tenant;
use sea_orm::{Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{ok, required};
use crate::base::clock;
use crate::base::state::AppState;
use crate::data::db::save_patch;
use crate::data::tenants::lock_for_update;
use crate::domain::approval::read_model::{Scope, refresh};
use crate::domain::validate::not_blank;
use crate::http::problems::*;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::{IfMatch, ValidJson};
use crate::request::problem::ApiError;

pub fn configure(config: &mut ServiceConfig) {
    config.service(get_tenant).service(update_tenant);
}

/// A tenant.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-5c1e-7b7a-9a59-6f1d2c3b4a50", "code": "GH", "name": "General Hospital",
    "time_zone": "America/New_York", "is_active": true,
    "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1
}))]
pub struct TenantView {
    pub id: Uuid,
    /// Short code used in order and request numbers.
    pub code: String,
    pub name: String,
    /// IANA time zone; decides what "today" is for every date rule.
    pub time_zone: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-lock version, also sent as `ETag`.
    pub version: i32,
}

impl From<tenant::Model> for TenantView {
    fn from(m: tenant::Model) -> Self {
        Self {
            id: m.id,
            code: m.code,
            name: m.name,
            time_zone: m.time_zone,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// Changes to the tenant (JSON merge patch).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"time_zone": "Europe/Berlin"}))]
pub struct UpdateTenant {
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub name: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(custom(function = "crate::domain::validate::time_zone"))]
    #[schema(value_type = Option<String>, max_length = 64, example = "Europe/Berlin")]
    pub time_zone: Option<Option<String>>,
}

/// The caller's tenant
///
/// The tenant named by the bearer token: its code, name, time zone and whether it is active.
/// Its `ETag` is what a change of its settings sends in `If-Match`.
#[utoipa::path(
    tag = "tenant",
    responses(
        (status = 200, description = "The caller's tenant.", body = TenantView,
            headers(("ETag" = String, description = "The version, quoted."))),
        (status = 401, response = UnauthorizedProblem),
        (status = 403, response = ForbiddenProblem)
    )
)]
#[get("/tenant")]
pub async fn get_tenant(caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    Ok(ok(
        caller.tenant.version,
        &TenantView::from(tenant::Model::clone(&caller.tenant)),
    ))
}

/// Change the tenant's settings (ADMIN)
///
/// A JSON merge patch of the name or the IANA time zone. The tenant's today and the stored
/// service dates of its orders follow a new time zone.
#[utoipa::path(
    tag = "tenant",
    request_body(content = UpdateTenant, content_type = "application/merge-patch+json"),
    params(("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")),
    responses(
        (status = 200, description = "The updated tenant.", body = TenantView,
            headers(("ETag" = String, description = "The new version, quoted."))),
        (status = 400, response = BadRequestProblem),
        (status = 401, response = UnauthorizedProblem),
        (status = 403, response = ForbiddenProblem),
        (status = 409, response = ConflictProblem),
        (status = 412, response = PreconditionFailedProblem),
        (status = 413, response = PayloadTooLargeProblem),
        (status = 415, response = UnsupportedMediaTypeProblem),
        (status = 422, response = ValidationProblem)
    )
)]
#[patch("/tenant")]
pub async fn update_tenant(
    caller: Caller,
    state: web::Data<AppState>,
    if_match: IfMatch,
    patch: ValidJson<UpdateTenant>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Admin)?;
    let patch = patch.parse()?;
    let mut tenant = tenant::Model::clone(&caller.tenant);
    let before = tenant.clone();
    let with_if_match = if_match.check(tenant.version)?;
    let mut changes: tenant::ActiveModel = Default::default();
    let old_zone = tenant.time_zone.clone();
    if let Some(name) = patch.name {
        tenant.name = required("name", name)?.trim().to_owned();
        changes.name = Set(tenant.name.clone());
    }
    if let Some(zone) = patch.time_zone {
        tenant.time_zone = required("time_zone", zone)?;
        changes.time_zone = Set(tenant.time_zone.clone());
    }
    let txn = state.db.begin().await?;
    // Writers of the tenant read its zone under a key-share lock: this waits for them, and
    // they for this.
    lock_for_update(&txn, tenant.id).await?;
    save_patch(
        &txn,
        tenant.id,
        &before,
        &mut tenant,
        with_if_match,
        caller.now,
        changes,
    )
    .await?;
    if tenant.time_zone != old_zone {
        crate::domain::orders::recompute_service_dates(
            &txn,
            tenant.id,
            clock::zone(&tenant.time_zone)?,
        )
        .await?;
        refresh(&txn, tenant.id, caller.now, Scope::Tenant).await?;
    }
    txn.commit().await?;
    // This instance reads the new settings at once; others within the cache's TTL.
    state.tenants.forget(tenant.id);
    Ok(ok(tenant.version, &TenantView::from(tenant)))
}
