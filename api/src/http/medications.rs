//! `/api/v1/medications`: the tenant's formulary. ADMIN writes; every role reads. Medications
//! are not deleted (prescriptions refer to them); a withdrawn one is marked NON_FORMULARY.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use entity::medication;
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, QueryFilter, Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{created, location, ok, read_one};
use crate::base::state::AppState;
use crate::data::db::{find_in_tenant, insert_audited, save_patch, scoped};
use crate::domain::approval::read_model::{Scope, refresh};
use crate::domain::validate::not_blank;
use crate::http::problems::*;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::{IfMatch, Query, ValidJson};
use crate::request::list::{ListParams, Page, contains_ci, values};
use crate::request::problem::ApiError;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_medications)
        .service(create_medication)
        .service(get_medication)
        .service(update_medication);
}

/// Where a medication stands on the formulary; RESTRICTED and PRIOR_AUTH make a prescription
/// require payer approval.
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
pub enum FormularyStatus {
    Formulary,
    NonFormulary,
    Restricted,
    PriorAuth,
}

impl crate::domain::labels::Labelled for FormularyStatus {
    fn label(&self) -> &'static str {
        match self {
            Self::Formulary => "On the formulary",
            Self::NonFormulary => "Not on the formulary",
            Self::Restricted => "Restricted: prescriptions need approval",
            Self::PriorAuth => "Prior authorization required: prescriptions need approval",
        }
    }
}

/// A formulary entry.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-9d40-7f44-8c5b-4e5f6a7b8c90", "display_name": "Humira 40 mg/0.4 mL pen",
    "generic_name": "adalimumab", "ndc_number": "0074-0554-02", "formulary_status": "PRIOR_AUTH",
    "is_controlled_substance": false,
    "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1
}))]
pub struct MedicationView {
    pub id: Uuid,
    pub display_name: String,
    pub generic_name: Option<String>,
    /// National Drug Code, unique in the tenant.
    pub ndc_number: String,
    #[schema(value_type = FormularyStatus)]
    pub formulary_status: String,
    pub is_controlled_substance: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-lock version, also sent as `ETag`.
    pub version: i32,
}

impl From<medication::Model> for MedicationView {
    fn from(m: medication::Model) -> Self {
        Self {
            id: m.id,
            display_name: m.display_name,
            generic_name: m.generic_name,
            ndc_number: m.ndc_number,
            formulary_status: m.formulary_status,
            is_controlled_substance: m.is_controlled_substance,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// A new formulary entry.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "display_name": "Humira 40 mg/0.4 mL pen", "generic_name": "adalimumab",
    "ndc_number": "0074-0554-02", "formulary_status": "PRIOR_AUTH", "is_controlled_substance": false
}))]
pub struct CreateMedication {
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 200)]
    pub generic_name: Option<String>,
    /// 10 or 11 digits, with or without dashes.
    #[validate(custom(function = "crate::domain::validate::ndc"))]
    #[schema(
        example = "0074-0554-02",
        max_length = 13,
        pattern = "^([0-9]{10,11}|[0-9]{4}-[0-9]{4}-[0-9]{2}|[0-9]{5}-[0-9]{3}-[0-9]{2}|[0-9]{5}-[0-9]{4}-[0-9]{1,2})$"
    )]
    pub ndc_number: String,
    pub formulary_status: FormularyStatus,
    #[serde(default)]
    pub is_controlled_substance: bool,
}

/// Changes to a formulary entry (JSON merge patch).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"formulary_status": "RESTRICTED"}))]
pub struct UpdateMedication {
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub display_name: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub generic_name: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(custom(function = "crate::domain::validate::ndc"))]
    #[schema(value_type = Option<String>, max_length = 13, pattern = "^([0-9]{10,11}|[0-9]{4}-[0-9]{4}-[0-9]{2}|[0-9]{5}-[0-9]{3}-[0-9]{2}|[0-9]{5}-[0-9]{4}-[0-9]{1,2})$")]
    pub ndc_number: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<FormularyStatus>)]
    pub formulary_status: Option<Option<FormularyStatus>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<bool>)]
    pub is_controlled_substance: Option<Option<bool>>,
}

/// Filters of the formulary list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MedicationFilter {
    /// One or several formulary statuses, comma-separated.
    #[param(value_type = Option<Vec<FormularyStatus>>, style = Form, explode = false, min_items = 1)]
    pub formulary_status: Option<String>,
    pub is_controlled_substance: Option<bool>,
    /// Exact NDC, as stored.
    pub ndc_number: Option<String>,
    /// Part of the display or generic name, any case.
    pub name: Option<String>,
}

pub const SORT_FIELDS: &[(&str, medication::Column)] = &[
    ("display_name", medication::Column::DisplayName),
    ("generic_name", medication::Column::GenericName),
    ("ndc_number", medication::Column::NdcNumber),
    ("formulary_status", medication::Column::FormularyStatus),
    ("created_at", medication::Column::CreatedAt),
    ("updated_at", medication::Column::UpdatedAt),
];

/// List the formulary
///
/// The tenant's medications; filter by formulary status, controlled substances, NDC or name.
#[utoipa::path(
    tag = "medications",
    params(ListParams, MedicationFilter),
    responses(
        (status = 200, description = "A page of medications.", body = Page<MedicationView>),
        ListProblems
    )
)]
#[get("/medications")]
pub async fn list_medications(
    caller: Caller,
    state: web::Data<AppState>,
    page: Query<ListParams>,
    filter: Query<MedicationFilter>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let mut query = scoped::<medication::Entity>(caller.tenant_id());
    let statuses = values(
        "formulary_status",
        filter.formulary_status.as_deref(),
        |v| v.parse::<FormularyStatus>().ok(),
    )?;
    if !statuses.is_empty() {
        query = query
            .filter(medication::Column::FormularyStatus.is_in(statuses.iter().map(AsRef::as_ref)));
    }
    if let Some(controlled) = filter.is_controlled_substance {
        query = query.filter(medication::Column::IsControlledSubstance.eq(controlled));
    }
    if let Some(ndc) = &filter.ndc_number {
        query = query.filter(medication::Column::NdcNumber.eq(ndc.trim()));
    }
    if let Some(name) = &filter.name {
        query = query.filter(
            Condition::any()
                .add(contains_ci(medication::Column::DisplayName, name.trim()))
                .add(contains_ci(medication::Column::GenericName, name.trim())),
        );
    }
    let page = page
        .fetch(
            &state.db,
            query,
            SORT_FIELDS,
            medication::Column::Id,
            MedicationView::from,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Add a medication to the formulary (ADMIN)
///
/// The NDC is unique in the tenant (409 `duplicate_ndc`). RESTRICTED and PRIOR_AUTH make
/// prescriptions of the medication need approval.
#[utoipa::path(
    tag = "medications",
    request_body = CreateMedication,
    responses(
        (status = 201, description = "The new medication.", body = MedicationView,
            headers(("Location" = String), ("ETag" = String))),
        CreateUniqueProblems
    )
)]
#[post("/medications")]
pub async fn create_medication(
    caller: Caller,
    state: web::Data<AppState>,
    body: ValidJson<CreateMedication>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Admin)?;
    let body = body.parse()?;
    let now = caller.now;
    let model = insert_audited(
        &state.db,
        caller.tenant_id(),
        caller.now,
        medication::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(caller.tenant_id()),
            display_name: Set(body.display_name.trim().to_owned()),
            generic_name: Set(body.generic_name.map(|g| g.trim().to_owned())),
            ndc_number: Set(body.ndc_number),
            formulary_status: Set(body.formulary_status.as_ref().to_owned()),
            is_controlled_substance: Set(body.is_controlled_substance),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        },
    )
    .await?;
    Ok(created(
        location("medications", model.id),
        model.version,
        &MedicationView::from(model),
    ))
}

/// Get a medication
///
/// One medication of the formulary, with its `ETag`.
#[utoipa::path(
    tag = "medications",
    params(("id" = Uuid, Path, description = "The medication's id.")),
    responses(
        (status = 200, description = "The medication.", body = MedicationView, headers(("ETag" = String))),
        ReadProblems
    )
)]
#[get("/medications/{id}")]
pub async fn get_medication(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    read_one::<medication::Entity, MedicationView>(&caller, &state, *id).await
}

/// Change a medication (ADMIN)
///
/// A JSON merge patch. A change of `formulary_status` changes at once whether the
/// medication's prescriptions need approval. Medications are never deleted: prescriptions refer
/// to them.
#[utoipa::path(
    tag = "medications",
    params(
        ("id" = Uuid, Path, description = "The medication's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    request_body(content = UpdateMedication, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated medication.", body = MedicationView, headers(("ETag" = String))),
        UpdateProblems
    )
)]
#[patch("/medications/{id}")]
pub async fn update_medication(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    patch: ValidJson<UpdateMedication>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Admin)?;
    let mut model =
        find_in_tenant::<medication::Entity, _>(&state.db, caller.tenant_id(), *id).await?;
    let before = model.clone();
    let patch = patch.parse()?;
    let with_if_match = if_match.check(model.version)?;
    let mut changes: medication::ActiveModel = Default::default();
    let tenant_id = caller.tenant_id();
    crate::merge_patch!(patch => model, changes, state, tenant_id; {
        display_name: text,
        generic_name: optional_text,
        ndc_number: value,
        formulary_status: variant,
        is_controlled_substance: value,
    });
    // The medication and every prescription of it (the formulary decides whether they ask for
    // approval, a controlled substance how urgent they are), in one transaction.
    let txn = state.db.begin().await?;
    save_patch(
        &txn,
        tenant_id,
        &before,
        &mut model,
        with_if_match,
        caller.now,
        changes,
    )
    .await?;
    refresh(&txn, tenant_id, caller.now, Scope::Medication(model.id)).await?;
    txn.commit().await?;
    Ok(ok(model.version, &MedicationView::from(model)))
}
