//! `/api/v1/patients/{patient_id}/insurance`: a patient's insurance coverages (the seeds'
//! `insurance_info`). CLINICIAN and ADMIN write; every role reads.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{insurance_info, patient};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, QueryFilter, Select, Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{created, ok};
use crate::base::error::Error;
use crate::base::state::AppState;
use crate::data::db::{delete_versioned, find_in_tenant, insert_audited, save_patch, scoped};
use crate::domain::approval::read_model::{Scope, refresh};
use crate::domain::validate::not_blank;
use crate::http::problems::*;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::{IfMatch, Query, ValidJson};
use crate::request::list::{ListParams, Page, values};
use crate::request::problem::ApiError;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_insurance)
        .service(create_insurance)
        .service(get_insurance)
        .service(update_insurance)
        .service(delete_insurance);
}

/// Which payer is billed first.
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
pub enum CoveragePriority {
    Primary,
    Secondary,
    Tertiary,
}

impl crate::domain::labels::Labelled for CoveragePriority {
    fn label(&self) -> &'static str {
        match self {
            Self::Primary => "Primary: billed first",
            Self::Secondary => "Secondary: billed after the primary",
            Self::Tertiary => "Tertiary: billed after the secondary",
        }
    }
}

/// An insurance coverage of a patient.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-8c30-7e33-8b4a-3d4e5f6a7b80", "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
    "payer_name": "Acme Health", "payer_id": "ACME01", "plan_name": "Acme Gold PPO",
    "member_id": "XJ4471902", "group_number": "GRP-2231", "priority": "PRIMARY",
    "effective_date": "2026-01-01", "termination_date": null,
    "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1
}))]
pub struct InsuranceView {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub payer_name: String,
    /// The payer's identifier (e.g. its EDI payer id).
    pub payer_id: String,
    pub plan_name: Option<String>,
    pub member_id: String,
    pub group_number: Option<String>,
    #[schema(value_type = CoveragePriority)]
    pub priority: String,
    /// First day the coverage is in force.
    pub effective_date: NaiveDate,
    /// Last day the coverage is in force; null when open-ended.
    pub termination_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-lock version, also sent as `ETag`.
    pub version: i32,
}

impl From<insurance_info::Model> for InsuranceView {
    fn from(m: insurance_info::Model) -> Self {
        Self {
            id: m.id,
            patient_id: m.patient_id,
            payer_name: m.payer_name,
            payer_id: m.payer_id,
            plan_name: m.plan_name,
            member_id: m.member_id,
            group_number: m.group_number,
            priority: m.priority,
            effective_date: m.effective_date,
            termination_date: m.termination_date,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// A new coverage.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "payer_name": "Acme Health", "payer_id": "ACME01", "plan_name": "Acme Gold PPO",
    "member_id": "XJ4471902", "group_number": "GRP-2231", "priority": "PRIMARY",
    "effective_date": "2026-01-01"
}))]
pub struct CreateInsurance {
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 200)]
    pub payer_name: String,
    #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 64)]
    pub payer_id: String,
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 200)]
    pub plan_name: Option<String>,
    #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 64)]
    pub member_id: String,
    #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 64)]
    pub group_number: Option<String>,
    pub priority: CoveragePriority,
    pub effective_date: NaiveDate,
    /// On or after `effective_date`; omit for an open-ended coverage.
    pub termination_date: Option<NaiveDate>,
}

/// Changes to a coverage (JSON merge patch: a field set to null is cleared).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"termination_date": "2026-12-31"}))]
pub struct UpdateInsurance {
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub payer_name: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 64)]
    pub payer_id: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub plan_name: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 64)]
    pub member_id: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 64)]
    pub group_number: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<CoveragePriority>)]
    pub priority: Option<Option<CoveragePriority>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub effective_date: Option<Option<NaiveDate>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub termination_date: Option<Option<NaiveDate>>,
}

/// Filters of the coverage list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InsuranceFilter {
    /// One or several priorities, comma-separated.
    #[param(value_type = Option<Vec<CoveragePriority>>, style = Form, explode = false, min_items = 1)]
    pub priority: Option<String>,
    /// Only coverages in force on this date.
    pub in_force_on: Option<NaiveDate>,
}

pub const SORT_FIELDS: &[(&str, insurance_info::Column)] = &[
    ("effective_date", insurance_info::Column::EffectiveDate),
    ("termination_date", insurance_info::Column::TerminationDate),
    ("priority", insurance_info::Column::Priority),
    ("payer_name", insurance_info::Column::PayerName),
    ("created_at", insurance_info::Column::CreatedAt),
    ("updated_at", insurance_info::Column::UpdatedAt),
];

fn check_dates(effective: NaiveDate, termination: Option<NaiveDate>) -> Result<(), ApiError> {
    if termination.is_some_and(|end| end < effective) {
        return Err(ApiError::invalid(
            "termination_date",
            "before_effective_date",
            "must be on or after effective_date",
        ));
    }
    Ok(())
}

/// The coverages of one patient of the caller's tenant; 404 when the patient is not there.
async fn of_patient(
    state: &AppState,
    caller: &Caller,
    patient_id: Uuid,
) -> Result<Select<insurance_info::Entity>, ApiError> {
    find_in_tenant::<patient::Entity, _>(&state.db, caller.tenant_id(), patient_id).await?;
    Ok(scoped::<insurance_info::Entity>(caller.tenant_id())
        .filter(insurance_info::Column::PatientId.eq(patient_id)))
}

/// One coverage of one patient; 404 for either missing.
async fn find_coverage(
    state: &AppState,
    caller: &Caller,
    patient_id: Uuid,
    coverage_id: Uuid,
) -> Result<insurance_info::Model, Error> {
    let coverage =
        find_in_tenant::<insurance_info::Entity, _>(&state.db, caller.tenant_id(), coverage_id)
            .await;
    match coverage {
        Ok(coverage) if coverage.patient_id == patient_id => Ok(coverage),
        // The patient's 404 comes first: another patient's coverage is no coverage of this one.
        Ok(_) | Err(Error::NotFound { .. }) => {
            find_in_tenant::<patient::Entity, _>(&state.db, caller.tenant_id(), patient_id).await?;
            Err(Error::not_found("insurance coverage"))
        }
        Err(other) => Err(other),
    }
}

/// List a patient's coverages
///
/// The patient's coverages; filter by priority, or keep those in force on a given day.
#[utoipa::path(
    tag = "insurance",
    params(("patient_id" = Uuid, Path, description = "The patient's id."), ListParams, InsuranceFilter),
    responses(
        (status = 200, description = "A page of coverages.", body = Page<InsuranceView>),
        ReadProblems
    )
)]
#[get("/patients/{patient_id}/insurance")]
pub async fn list_insurance(
    caller: Caller,
    state: web::Data<AppState>,
    patient_id: web::Path<Uuid>,
    page: Query<ListParams>,
    filter: Query<InsuranceFilter>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let mut query = of_patient(&state, &caller, *patient_id).await?;
    let priorities = values("priority", filter.priority.as_deref(), |v| {
        v.parse::<CoveragePriority>().ok()
    })?;
    if !priorities.is_empty() {
        query = query
            .filter(insurance_info::Column::Priority.is_in(priorities.iter().map(AsRef::as_ref)));
    }
    if let Some(day) = filter.in_force_on {
        query = query
            .filter(insurance_info::Column::EffectiveDate.lte(day))
            .filter(
                Condition::any()
                    .add(insurance_info::Column::TerminationDate.is_null())
                    .add(insurance_info::Column::TerminationDate.gte(day)),
            );
    }
    let page = page
        .fetch(
            &state.db,
            query,
            SORT_FIELDS,
            insurance_info::Column::Id,
            InsuranceView::from,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Add a coverage to a patient (CLINICIAN, ADMIN)
///
/// A coverage is in force from its `effective_date` to its `termination_date` (none: open
/// ended); the termination may not precede the effective date.
#[utoipa::path(
    tag = "insurance",
    params(("patient_id" = Uuid, Path, description = "The patient's id.")),
    request_body = CreateInsurance,
    responses(
        (status = 201, description = "The new coverage.", body = InsuranceView,
            headers(("Location" = String), ("ETag" = String))),
        CreateNestedProblems
    )
)]
#[post("/patients/{patient_id}/insurance")]
pub async fn create_insurance(
    caller: Caller,
    state: web::Data<AppState>,
    patient_id: web::Path<Uuid>,
    body: ValidJson<CreateInsurance>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let body = body.parse()?;
    let patient =
        find_in_tenant::<patient::Entity, _>(&state.db, caller.tenant_id(), *patient_id).await?;
    check_dates(body.effective_date, body.termination_date)?;
    let now = caller.now;
    let trim = |s: Option<String>| s.map(|s| s.trim().to_owned());
    let txn = state.db.begin().await?;
    let model = insert_audited(
        &txn,
        caller.tenant_id(),
        caller.now,
        insurance_info::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(caller.tenant_id()),
            patient_id: Set(patient.id),
            payer_name: Set(body.payer_name.trim().to_owned()),
            payer_id: Set(body.payer_id.trim().to_owned()),
            plan_name: Set(trim(body.plan_name)),
            member_id: Set(body.member_id.trim().to_owned()),
            group_number: Set(trim(body.group_number)),
            priority: Set(body.priority.as_ref().to_owned()),
            effective_date: Set(body.effective_date),
            termination_date: Set(body.termination_date),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        },
    )
    .await?;
    refresh(
        &txn,
        caller.tenant_id(),
        caller.now,
        Scope::Patient(patient.id),
    )
    .await?;
    txn.commit().await?;
    let location = format!("/api/v1/patients/{}/insurance/{}", patient.id, model.id);
    Ok(created(
        location,
        model.version,
        &InsuranceView::from(model),
    ))
}

/// Get a coverage
///
/// One coverage of the patient, with its `ETag`.
#[utoipa::path(
    tag = "insurance",
    params(
        ("patient_id" = Uuid, Path, description = "The patient's id."),
        ("coverage_id" = Uuid, Path, description = "The coverage's id.")
    ),
    responses(
        (status = 200, description = "The coverage.", body = InsuranceView, headers(("ETag" = String))),
        ReadProblems
    )
)]
#[get("/patients/{patient_id}/insurance/{coverage_id}")]
pub async fn get_insurance(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let (patient_id, coverage_id) = path.into_inner();
    let model = find_coverage(&state, &caller, patient_id, coverage_id).await?;
    Ok(ok(model.version, &InsuranceView::from(model)))
}

/// Change a coverage (CLINICIAN, ADMIN)
///
/// A JSON merge patch; the computed approval fields of the patient's orders follow the new
/// dates at once.
#[utoipa::path(
    tag = "insurance",
    params(
        ("patient_id" = Uuid, Path, description = "The patient's id."),
        ("coverage_id" = Uuid, Path, description = "The coverage's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    request_body(content = UpdateInsurance, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated coverage.", body = InsuranceView, headers(("ETag" = String))),
        UpdateProblems
    )
)]
#[patch("/patients/{patient_id}/insurance/{coverage_id}")]
pub async fn update_insurance(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    patch: ValidJson<UpdateInsurance>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let (patient_id, coverage_id) = path.into_inner();
    let mut model = find_coverage(&state, &caller, patient_id, coverage_id).await?;
    let before = model.clone();
    let patch = patch.parse()?;
    let with_if_match = if_match.check(model.version)?;
    let mut changes: insurance_info::ActiveModel = Default::default();
    let tenant_id = caller.tenant_id();
    crate::merge_patch!(patch => model, changes, state, tenant_id; {
        payer_name: text,
        payer_id: text,
        plan_name: optional_text,
        member_id: text,
        group_number: optional_text,
        priority: variant,
        effective_date: value,
        termination_date: optional,
    });
    check_dates(model.effective_date, model.termination_date)?;
    // The coverage and every order of its patient, in one transaction.
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
    refresh(
        &txn,
        tenant_id,
        caller.now,
        Scope::Patient(model.patient_id),
    )
    .await?;
    txn.commit().await?;
    Ok(ok(model.version, &InsuranceView::from(model)))
}

/// Delete a coverage (CLINICIAN, ADMIN)
///
/// Refused with 409 while approval requests refer to the coverage.
#[utoipa::path(
    tag = "insurance",
    params(
        ("patient_id" = Uuid, Path, description = "The patient's id."),
        ("coverage_id" = Uuid, Path, description = "The coverage's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    responses(
        (status = 204, description = "Deleted."),
        DeleteProblems
    )
)]
#[delete("/patients/{patient_id}/insurance/{coverage_id}")]
pub async fn delete_insurance(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let (patient_id, coverage_id) = path.into_inner();
    let model = find_coverage(&state, &caller, patient_id, coverage_id).await?;
    let with_if_match = if_match.check(model.version)?;
    let txn = state.db.begin().await?;
    delete_versioned::<insurance_info::Entity, _>(
        &txn,
        caller.tenant_id(),
        &model,
        caller.now,
        with_if_match,
    )
    .await?;
    refresh(
        &txn,
        caller.tenant_id(),
        caller.now,
        Scope::Patient(model.patient_id),
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
