//! `/api/v1/providers`: clinicians and staff. ADMIN writes; every role reads.
//!
//! This module is the pattern every resource follows: request types `Create…`/`Update…` (merge
//! patch), a response type `…View`, handlers `verb_noun`, every query through `db::scoped`.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use entity::provider;
use sea_orm::{ColumnTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{created, delete_one, location, ok, read_one};
use crate::base::state::AppState;
use crate::data::db::{find_in_tenant, insert_audited, save_patch, scoped};
use crate::domain::validate::not_blank;
use crate::http::problems::*;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::{IfMatch, Query, ValidJson};
use crate::request::list::{ListParams, Page, contains_ci, values};
use crate::request::problem::ApiError;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_providers)
        .service(create_provider)
        .service(get_provider)
        .service(update_provider)
        .service(delete_provider);
}

/// What a provider does.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    strum::AsRefStr,
    strum::EnumString,
    strum::EnumIter,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ProviderRole {
    Physician,
    Surgeon,
    Radiologist,
    Pharmacist,
    Nurse,
    Coordinator,
    Other,
}

impl crate::domain::labels::Labelled for ProviderRole {
    fn label(&self) -> &'static str {
        match self {
            Self::Physician => "Physician",
            Self::Surgeon => "Surgeon",
            Self::Radiologist => "Radiologist",
            Self::Pharmacist => "Pharmacist",
            Self::Nurse => "Nurse",
            Self::Coordinator => "Approval coordinator (insurance desk)",
            Self::Other => "Other",
        }
    }
}

/// A provider.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60", "name": "Dr. Ada Osei", "npi": "1234567893",
    "licence_number": null, "role": "PHYSICIAN",
    "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1
}))]
pub struct ProviderView {
    pub id: Uuid,
    pub name: String,
    /// 10-digit National Provider Identifier.
    pub npi: Option<String>,
    pub licence_number: Option<String>,
    #[schema(value_type = ProviderRole)]
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-lock version, also sent as `ETag`.
    pub version: i32,
}

impl From<provider::Model> for ProviderView {
    fn from(m: provider::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            npi: m.npi,
            licence_number: m.licence_number,
            role: m.role,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// A new provider: an NPI, a licence number, or both.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Dr. Ada Osei", "npi": "1234567893", "role": "PHYSICIAN"}))]
pub struct CreateProvider {
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// 10 digits with a valid Luhn check digit (over `80840` + the NPI).
    #[validate(custom(function = "crate::domain::validate::npi"))]
    #[schema(max_length = 10, pattern = "^[0-9]{10}$")]
    pub npi: Option<String>,
    #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 64)]
    pub licence_number: Option<String>,
    pub role: ProviderRole,
}

/// Changes to a provider (JSON merge patch: a field set to null is cleared).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"licence_number": "MD-44871", "npi": null}))]
pub struct UpdateProvider {
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub name: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(custom(function = "crate::domain::validate::npi"))]
    #[schema(value_type = Option<String>, max_length = 10, pattern = "^[0-9]{10}$")]
    pub npi: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 64)]
    pub licence_number: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<ProviderRole>)]
    pub role: Option<Option<ProviderRole>>,
}

/// Filters of the provider list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProviderFilter {
    /// One or several roles, comma-separated.
    #[param(value_type = Option<Vec<ProviderRole>>, style = Form, explode = false, min_items = 1)]
    pub role: Option<String>,
    /// Exact NPI.
    pub npi: Option<String>,
    /// Part of the name, any case.
    pub name: Option<String>,
}

pub const SORT_FIELDS: &[(&str, provider::Column)] = &[
    ("name", provider::Column::Name),
    ("role", provider::Column::Role),
    ("created_at", provider::Column::CreatedAt),
    ("updated_at", provider::Column::UpdatedAt),
];

/// A provider needs an NPI or a licence number to be identifiable to payers.
fn check_identifiers(npi: Option<&String>, licence: Option<&String>) -> Result<(), ApiError> {
    if npi.is_none() && licence.is_none() {
        return Err(ApiError::invalid(
            "npi",
            "npi_or_licence_required",
            "give an NPI or a licence_number",
        ));
    }
    Ok(())
}

/// List providers
///
/// The tenant's providers; filter by role, NPI or name.
#[utoipa::path(
    tag = "providers",
    params(ListParams, ProviderFilter),
    responses(
        (status = 200, description = "A page of providers.", body = Page<ProviderView>),
        ListProblems
    )
)]
#[get("/providers")]
pub async fn list_providers(
    caller: Caller,
    state: web::Data<AppState>,
    page: Query<ListParams>,
    filter: Query<ProviderFilter>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let mut query = scoped::<provider::Entity>(caller.tenant_id());
    let roles = values("role", filter.role.as_deref(), |v| {
        v.parse::<ProviderRole>().ok()
    })?;
    if !roles.is_empty() {
        query = query.filter(provider::Column::Role.is_in(roles.iter().map(AsRef::as_ref)));
    }
    if let Some(npi) = &filter.npi {
        query = query.filter(provider::Column::Npi.eq(npi.trim()));
    }
    if let Some(name) = &filter.name {
        query = query.filter(contains_ci(provider::Column::Name, name.trim()));
    }
    let page = page
        .fetch(
            &state.db,
            query,
            SORT_FIELDS,
            provider::Column::Id,
            ProviderView::from,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Create a provider (ADMIN)
///
/// A provider needs an `npi`, a `licence_number` or both; an NPI is unique in the tenant
/// (409 `duplicate_npi`).
#[utoipa::path(
    tag = "providers",
    request_body = CreateProvider,
    responses(
        (status = 201, description = "The new provider.", body = ProviderView,
            headers(("Location" = String), ("ETag" = String))),
        CreateUniqueProblems
    )
)]
#[post("/providers")]
pub async fn create_provider(
    caller: Caller,
    state: web::Data<AppState>,
    body: ValidJson<CreateProvider>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Admin)?;
    let body = body.parse()?;
    check_identifiers(body.npi.as_ref(), body.licence_number.as_ref())?;
    let now = caller.now;
    let model = insert_audited(
        &state.db,
        caller.tenant_id(),
        caller.now,
        provider::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(caller.tenant_id()),
            name: Set(body.name.trim().to_owned()),
            npi: Set(body.npi),
            licence_number: Set(body.licence_number.map(|l| l.trim().to_owned())),
            role: Set(body.role.as_ref().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        },
    )
    .await?;
    Ok(created(
        location("providers", model.id),
        model.version,
        &ProviderView::from(model),
    ))
}

/// Get a provider
///
/// One provider of the tenant, with its `ETag`.
#[utoipa::path(
    tag = "providers",
    params(("id" = Uuid, Path, description = "The provider's id.")),
    responses(
        (status = 200, description = "The provider.", body = ProviderView, headers(("ETag" = String))),
        ReadProblems
    )
)]
#[get("/providers/{id}")]
pub async fn get_provider(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    read_one::<provider::Entity, ProviderView>(&caller, &state, *id).await
}

/// Change a provider (ADMIN)
///
/// A JSON merge patch; `null` clears a field, as long as the provider keeps an NPI or a
/// licence number.
#[utoipa::path(
    tag = "providers",
    params(
        ("id" = Uuid, Path, description = "The provider's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    request_body(content = UpdateProvider, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated provider.", body = ProviderView, headers(("ETag" = String))),
        UpdateProblems
    )
)]
#[patch("/providers/{id}")]
pub async fn update_provider(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    patch: ValidJson<UpdateProvider>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Admin)?;
    let mut model =
        find_in_tenant::<provider::Entity, _>(&state.db, caller.tenant_id(), *id).await?;
    let before = model.clone();
    let patch = patch.parse()?;
    let with_if_match = if_match.check(model.version)?;
    let mut changes: provider::ActiveModel = Default::default();
    let tenant_id = caller.tenant_id();
    crate::merge_patch!(patch => model, changes, state, tenant_id; {
        name: text,
        npi: optional,
        licence_number: optional_text,
        role: variant,
    });
    check_identifiers(model.npi.as_ref(), model.licence_number.as_ref())?;
    save_patch(
        &state.db,
        tenant_id,
        &before,
        &mut model,
        with_if_match,
        caller.now,
        changes,
    )
    .await?;
    Ok(ok(model.version, &ProviderView::from(model)))
}

/// Delete a provider (ADMIN)
///
/// Refused with 409 while orders or requests refer to the provider.
#[utoipa::path(
    tag = "providers",
    params(
        ("id" = Uuid, Path, description = "The provider's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    responses(
        (status = 204, description = "Deleted."),
        DeleteProblems
    )
)]
#[delete("/providers/{id}")]
pub async fn delete_provider(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    delete_one::<provider::Entity>(&caller, &state, Permission::Admin, *id, if_match).await
}
