//! `/api/v1/approval-templates`: reusable starting points for approval requests. ADMIN writes;
//! every role reads. A template that requests refer to cannot be deleted (409): deactivate it.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use entity::approval_template;
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
use crate::domain::approval::prefill::stored_list;
use crate::domain::approval::values::RequestType;
use crate::domain::validate::{
    ProcedureOrNdcCode, REQUIRED_DOCUMENT_MAX_LENGTH, RequiredDocument, cpt_hcpcs, each_at_most,
    each_code, ndc, not_blank,
};
use crate::http::problems::*;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::{IfMatch, Query, ValidJson};
use crate::request::list::{ListParams, Page, contains_ci, values};
use crate::request::problem::ApiError;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_approval_templates)
        .service(create_approval_template)
        .service(get_approval_template)
        .service(update_approval_template)
        .service(delete_approval_template);
}

/// A template.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d3-26d0-72dd-9f4e-3b4c5d6e7f80", "name": "MRI brain, Acme Health",
    "request_type": "RADIOLOGY", "payer_name": "Acme Health", "procedure_codes": ["70553"],
    "service_description": "MRI brain with and without contrast",
    "clinical_justification": "Neurological symptoms not explained by CT",
    "required_documents": ["Neurology consult note", "Prior CT report"], "typical_turnaround_days": 5,
    "is_active": true, "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1
}))]
pub struct TemplateView {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = RequestType)]
    pub request_type: String,
    pub payer_name: Option<String>,
    #[schema(value_type = Vec<String>)]
    pub procedure_codes: serde_json::Value,
    pub service_description: Option<String>,
    pub clinical_justification: Option<String>,
    #[schema(value_type = Vec<String>)]
    pub required_documents: serde_json::Value,
    pub typical_turnaround_days: Option<i32>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-lock version, also sent as `ETag`.
    pub version: i32,
}

impl From<approval_template::Model> for TemplateView {
    fn from(m: approval_template::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            request_type: m.request_type,
            payer_name: m.payer_name,
            procedure_codes: m.procedure_codes,
            service_description: m.service_description,
            clinical_justification: m.clinical_justification,
            required_documents: m.required_documents,
            typical_turnaround_days: m.typical_turnaround_days,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// A new template.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "MRI brain, Acme Health", "request_type": "RADIOLOGY", "payer_name": "Acme Health",
    "procedure_codes": ["70553"], "service_description": "MRI brain with and without contrast",
    "clinical_justification": "Neurological symptoms not explained by CT",
    "required_documents": ["Neurology consult note", "Prior CT report"], "typical_turnaround_days": 5
}))]
pub struct CreateTemplate {
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub request_type: RequestType,
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 200)]
    pub payer_name: Option<String>,
    /// Up to 30 CPT/HCPCS codes, or NDC numbers for PHARMACY.
    #[serde(default)]
    #[validate(length(max = 30))]
    #[schema(value_type = Vec<ProcedureOrNdcCode>, max_items = 30)]
    pub procedure_codes: Vec<String>,
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub service_description: Option<String>,
    #[validate(length(min = 1, max = 4000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub clinical_justification: Option<String>,
    /// Up to 30 documents the payer asks for.
    #[serde(default)]
    #[validate(length(max = 30))]
    #[schema(value_type = Vec<RequiredDocument>, max_items = 30)]
    pub required_documents: Vec<String>,
    #[validate(range(min = 1, max = 365))]
    #[schema(minimum = 1, maximum = 365)]
    pub typical_turnaround_days: Option<i32>,
    /// Default true.
    pub is_active: Option<bool>,
}

/// Changes to a template (JSON merge patch).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"is_active": false}))]
pub struct UpdateTemplate {
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub name: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<RequestType>)]
    pub request_type: Option<Option<RequestType>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub payer_name: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(max = 30))]
    #[schema(value_type = Option<Vec<ProcedureOrNdcCode>>, max_items = 30)]
    pub procedure_codes: Option<Option<Vec<String>>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000)]
    pub service_description: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(min = 1, max = 4000), custom(function = "not_blank"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 4000)]
    pub clinical_justification: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(length(max = 30))]
    #[schema(value_type = Option<Vec<RequiredDocument>>, max_items = 30)]
    pub required_documents: Option<Option<Vec<String>>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[validate(range(min = 1, max = 365))]
    #[schema(value_type = Option<i32>)]
    pub typical_turnaround_days: Option<Option<i32>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<bool>)]
    pub is_active: Option<Option<bool>>,
}

/// Filters of the template list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateFilter {
    /// One or several request types, comma-separated.
    #[param(value_type = Option<Vec<RequestType>>, style = Form, explode = false, min_items = 1)]
    pub request_type: Option<String>,
    pub is_active: Option<bool>,
    /// Part of the name or payer, any case.
    pub name: Option<String>,
}

pub const SORT_FIELDS: &[(&str, approval_template::Column)] = &[
    ("name", approval_template::Column::Name),
    ("request_type", approval_template::Column::RequestType),
    ("created_at", approval_template::Column::CreatedAt),
    ("updated_at", approval_template::Column::UpdatedAt),
];

fn check_codes(request_type: &str, codes: &[String]) -> Result<(), Error> {
    each_code(
        "procedure_codes",
        codes,
        if request_type == "PHARMACY" {
            ndc
        } else {
            cpt_hcpcs
        },
    )
}

/// Each required document's name holds in [`REQUIRED_DOCUMENT_MAX_LENGTH`] characters.
fn check_documents(documents: &[String]) -> Result<(), Error> {
    each_at_most(
        "required_documents",
        documents,
        REQUIRED_DOCUMENT_MAX_LENGTH,
    )
}

/// List templates
///
/// The tenant's templates, active or not; filter by request type, activity or name.
#[utoipa::path(
    tag = "approval-templates",
    params(ListParams, TemplateFilter),
    responses(
        (status = 200, description = "A page of templates.", body = Page<TemplateView>),
        ListProblems
    )
)]
#[get("/approval-templates")]
pub async fn list_approval_templates(
    caller: Caller,
    state: web::Data<AppState>,
    page: Query<ListParams>,
    filter: Query<TemplateFilter>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let mut query = scoped::<approval_template::Entity>(caller.tenant_id());
    let types = values("request_type", filter.request_type.as_deref(), |v| {
        v.parse::<RequestType>().ok()
    })?;
    if !types.is_empty() {
        query = query
            .filter(approval_template::Column::RequestType.is_in(types.iter().map(AsRef::as_ref)));
    }
    if let Some(active) = filter.is_active {
        query = query.filter(approval_template::Column::IsActive.eq(active));
    }
    if let Some(name) = &filter.name {
        query = query.filter(
            sea_orm::sea_query::Condition::any()
                .add(contains_ci(approval_template::Column::Name, name.trim()))
                .add(contains_ci(
                    approval_template::Column::PayerName,
                    name.trim(),
                )),
        );
    }
    let page = page
        .fetch(
            &state.db,
            query,
            SORT_FIELDS,
            approval_template::Column::Id,
            TemplateView::from,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Create a template (ADMIN)
///
/// A reusable starting point for frequent requests: its procedure codes, description and
/// justification fill a request that names it in `template_id`.
#[utoipa::path(
    tag = "approval-templates",
    request_body = CreateTemplate,
    responses(
        (status = 201, description = "The new template.", body = TemplateView, headers(("Location" = String), ("ETag" = String))),
        CreateUniqueProblems
    )
)]
#[post("/approval-templates")]
pub async fn create_approval_template(
    caller: Caller,
    state: web::Data<AppState>,
    body: ValidJson<CreateTemplate>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Admin)?;
    let body = body.parse()?;
    check_codes(body.request_type.as_ref(), &body.procedure_codes)?;
    check_documents(&body.required_documents)?;
    let now = caller.now;
    let trim = |s: Option<String>| s.map(|s| s.trim().to_owned());
    let model = insert_audited(
        &state.db,
        caller.tenant_id(),
        caller.now,
        approval_template::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(caller.tenant_id()),
            name: Set(body.name.trim().to_owned()),
            request_type: Set(body.request_type.as_ref().to_owned()),
            payer_name: Set(trim(body.payer_name)),
            procedure_codes: Set(serde_json::Value::from(body.procedure_codes)),
            service_description: Set(trim(body.service_description)),
            clinical_justification: Set(trim(body.clinical_justification)),
            required_documents: Set(serde_json::Value::from(body.required_documents)),
            typical_turnaround_days: Set(body.typical_turnaround_days),
            is_active: Set(body.is_active.unwrap_or(true)),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        },
    )
    .await?;
    Ok(created(
        location("approval-templates", model.id),
        model.version,
        &TemplateView::from(model),
    ))
}

/// Get a template
///
/// One template of the tenant, with its `ETag`.
#[utoipa::path(
    tag = "approval-templates",
    params(("id" = Uuid, Path, description = "The template's id.")),
    responses(
        (status = 200, description = "The template.", body = TemplateView, headers(("ETag" = String))),
        ReadProblems
    )
)]
#[get("/approval-templates/{id}")]
pub async fn get_approval_template(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    read_one::<approval_template::Entity, TemplateView>(&caller, &state, *id).await
}

/// Change a template (ADMIN)
///
/// A JSON merge patch; an inactive template can no longer be named by new requests.
#[utoipa::path(
    tag = "approval-templates",
    params(
        ("id" = Uuid, Path, description = "The template's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    request_body(content = UpdateTemplate, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated template.", body = TemplateView, headers(("ETag" = String))),
        UpdateProblems
    )
)]
#[patch("/approval-templates/{id}")]
pub async fn update_approval_template(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    patch: ValidJson<UpdateTemplate>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Admin)?;
    let mut model =
        find_in_tenant::<approval_template::Entity, _>(&state.db, caller.tenant_id(), *id).await?;
    let before = model.clone();
    let patch = patch.parse()?;
    let with_if_match = if_match.check(model.version)?;
    let mut changes: approval_template::ActiveModel = Default::default();
    let tenant_id = caller.tenant_id();
    crate::merge_patch!(patch => model, changes, state, tenant_id; {
        name: text,
        request_type: variant,
        payer_name: optional_text,
    });
    if let Some(value) = patch.procedure_codes {
        model.procedure_codes = serde_json::Value::from(value.unwrap_or_default());
        changes.procedure_codes = Set(model.procedure_codes.clone());
    }
    crate::merge_patch!(patch => model, changes, state, tenant_id; {
        service_description: optional_text,
        clinical_justification: optional_text,
    });
    if let Some(value) = patch.required_documents {
        let value = value.unwrap_or_default();
        check_documents(&value)?;
        model.required_documents = serde_json::Value::from(value);
        changes.required_documents = Set(model.required_documents.clone());
    }
    crate::merge_patch!(patch => model, changes, state, tenant_id; {
        typical_turnaround_days: optional,
        is_active: value,
    });
    let codes: Vec<String> = stored_list(
        &model.procedure_codes,
        "reading a template's procedure codes",
    )?;
    check_codes(&model.request_type, &codes)?;
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
    Ok(ok(model.version, &TemplateView::from(model)))
}

/// Delete a template (ADMIN)
///
/// Refused with 409 `template_in_use` while requests refer to it: deactivate it instead.
#[utoipa::path(
    tag = "approval-templates",
    params(
        ("id" = Uuid, Path, description = "The template's id."),
        ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
    ),
    responses(
        (status = 204, description = "Deleted."),
        DeleteProblems
    )
)]
#[delete("/approval-templates/{id}")]
pub async fn delete_approval_template(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    delete_one::<approval_template::Entity>(&caller, &state, Permission::Admin, *id, if_match).await
}
