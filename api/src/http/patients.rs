//! `/api/v1/patients`. CLINICIAN and ADMIN write; every role reads. Patient data (names, birth
//! dates, MRNs) is answered to authorized callers and never logged.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use entity::patient;
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{created, delete_one, location, ok, read_one};
use crate::base::error::Error;
use crate::base::state::AppState;
use crate::data::db::{find_in_tenant, insert_audited, save_patch, scoped};
use crate::domain::validate::not_blank;
use crate::http::problems::*;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::{IfMatch, Query, ValidJson};
use crate::request::list::{ListParams, Page, contains_ci, texts};
use crate::request::problem::ApiError;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_patients)
        .service(create_patient)
        .service(get_patient)
        .service(update_patient)
        .service(delete_patient);
}

/// Administrative sex.
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
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Sex {
    Female,
    Male,
    Other,
    Unknown,
}

/// A patient.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70", "mrn": "MRN-000123", "given_name": "Maria",
    "family_name": "Lopez", "birth_date": "1984-03-12", "sex": "FEMALE",
    "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1
}))]
pub struct PatientView {
    pub id: Uuid,
    /// Medical record number, unique in the tenant.
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
    #[schema(value_type = Sex)]
    pub sex: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-lock version, also sent as `ETag`.
    pub version: i32,
}

impl From<patient::Model> for PatientView {
    fn from(m: patient::Model) -> Self {
        Self {
            id: m.id,
            mrn: m.mrn,
            given_name: m.given_name,
            family_name: m.family_name,
            birth_date: m.birth_date,
            sex: m.sex,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// A new patient.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"mrn": "MRN-000123", "given_name": "Maria", "family_name": "Lopez", "birth_date": "1984-03-12", "sex": "FEMALE"}))]
pub struct CreatePatient {
    #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 64)]
    pub mrn: String,
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 100)]
    pub given_name: String,
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 100)]
    pub family_name: String,
    /// Not in the future (in the tenant's time zone), not before 1900.
    pub birth_date: NaiveDate,
    pub sex: Sex,
}

/// Changes to a patient (JSON merge patch).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"family_name": "Lopez Garcia"}))]
pub struct UpdatePatient {
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 64)]
    pub mrn: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100)]
    pub given_name: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100)]
    pub family_name: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub birth_date: Option<Option<NaiveDate>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Sex>)]
    pub sex: Option<Option<Sex>>,
}

/// Filters of the patient list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PatientFilter {
    /// One or several MRNs, comma-separated, exact.
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    pub mrn: Option<String>,
    /// Words that must each appear in the given or family name, any case.
    pub name: Option<String>,
    /// Exact birth date.
    pub birth_date: Option<NaiveDate>,
}

pub const SORT_FIELDS: &[(&str, patient::Column)] = &[
    ("family_name", patient::Column::FamilyName),
    ("given_name", patient::Column::GivenName),
    ("mrn", patient::Column::Mrn),
    ("birth_date", patient::Column::BirthDate),
    ("created_at", patient::Column::CreatedAt),
    ("updated_at", patient::Column::UpdatedAt),
];

fn check_birth_date(birth_date: NaiveDate, today: NaiveDate) -> Result<(), Error> {
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
    if birth_date > today {
        return Err(Error::invalid(
            "birth_date",
            "in_future",
            "cannot be in the future",
        ));
    }
    if birth_date < earliest {
        return Err(Error::invalid(
            "birth_date",
            "too_early",
            "cannot be before 1900-01-01",
        ));
    }
    Ok(())
}

/// List patients
///
/// The tenant's patients; filter by MRN, words of the name or birth date.
#[utoipa::path(
    tag = "patients",
    params(ListParams, PatientFilter),
    responses(
        (status = 200, description = "A page of patients.", body = Page<PatientView>),
        ListProblems
    )
)]
#[get("/patients")]
pub async fn list_patients(
    caller: Caller,
    state: web::Data<AppState>,
    page: Query<ListParams>,
    filter: Query<PatientFilter>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let mut query = scoped::<patient::Entity>(caller.tenant_id());
    let mrns = texts(filter.mrn.as_deref());
    if !mrns.is_empty() {
        query = query.filter(patient::Column::Mrn.is_in(mrns));
    }
    if let Some(name) = &filter.name {
        for word in name.split_whitespace() {
            query = query.filter(
                Condition::any()
                    .add(contains_ci(patient::Column::GivenName, word))
                    .add(contains_ci(patient::Column::FamilyName, word)),
            );
        }
    }
    if let Some(birth_date) = filter.birth_date {
        query = query.filter(patient::Column::BirthDate.eq(birth_date));
    }
    let page = page
        .fetch(
            &state.db,
            query,
            SORT_FIELDS,
            patient::Column::Id,
            PatientView::from,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Create a patient (CLINICIAN, ADMIN)
///
/// The MRN is unique in the tenant (409 `duplicate_mrn`); the birth date is neither in the
/// future (in the tenant's time zone) nor before 1900.
#[utoipa::path(
    tag = "patients",
    request_body = CreatePatient,
    responses(
        (status = 201, description = "The new patient.", body = PatientView,
            headers(("Location" = String), ("ETag" = String))),
        CreateUniqueProblems
    )
)]
#[post("/patients")]
pub async fn create_patient(
    caller: Caller,
    state: web::Data<AppState>,
    body: ValidJson<CreatePatient>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let body = body.parse()?;
    check_birth_date(body.birth_date, caller.today)?;
    let now = caller.now;
    let model = insert_audited(
        &state.db,
        caller.tenant_id(),
        caller.now,
        patient::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(caller.tenant_id()),
            mrn: Set(body.mrn.trim().to_owned()),
            given_name: Set(body.given_name.trim().to_owned()),
            family_name: Set(body.family_name.trim().to_owned()),
            birth_date: Set(body.birth_date),
            sex: Set(body.sex.as_ref().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        },
    )
    .await?;
    Ok(created(
        location("patients", model.id),
        model.version,
        &PatientView::from(model),
    ))
}

/// Get a patient
///
/// One patient of the tenant, with its `ETag`.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path, description = "The patient's id.")),
    responses(
        (status = 200, description = "The patient.", body = PatientView, headers(("ETag" = String))),
        ReadProblems
    )
)]
#[get("/patients/{id}")]
pub async fn get_patient(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    read_one::<patient::Entity, PatientView>(&caller, &state, *id).await
}

/// Change a patient (CLINICIAN, ADMIN)
///
/// A JSON merge patch; the same rules as at creation apply to the fields it changes.
#[utoipa::path(
    tag = "patients",
    params(
        ("id" = Uuid, Path, description = "The patient's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    request_body(content = UpdatePatient, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated patient.", body = PatientView, headers(("ETag" = String))),
        UpdateProblems
    )
)]
#[patch("/patients/{id}")]
pub async fn update_patient(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    patch: ValidJson<UpdatePatient>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let mut model =
        find_in_tenant::<patient::Entity, _>(&state.db, caller.tenant_id(), *id).await?;
    let before = model.clone();
    let patch = patch.parse()?;
    let with_if_match = if_match.check(model.version)?;
    let mut changes: patient::ActiveModel = Default::default();
    let tenant_id = caller.tenant_id();
    if let Some(Some(birth_date)) = patch.birth_date {
        check_birth_date(birth_date, caller.today)?;
    }
    crate::merge_patch!(patch => model, changes, state, tenant_id; {
        mrn: text,
        given_name: text,
        family_name: text,
        birth_date: value,
        sex: variant,
    });
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
    Ok(ok(model.version, &PatientView::from(model)))
}

/// Delete a patient (CLINICIAN, ADMIN)
///
/// Refused with 409 while coverages, orders or requests refer to the patient.
#[utoipa::path(
    tag = "patients",
    params(
        ("id" = Uuid, Path, description = "The patient's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    responses(
        (status = 204, description = "Deleted."),
        DeleteProblems
    )
)]
#[delete("/patients/{id}")]
pub async fn delete_patient(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    delete_one::<patient::Entity>(&caller, &state, Permission::WriteClinical, *id, if_match).await
}
