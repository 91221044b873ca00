//! `/api/v1/approval-requests/{id}/communications` and `/documents`: the log of exchanges with
//! the payer (COORDINATOR and ADMIN write) and the metadata of supporting documents (CLINICIAN,
//! COORDINATOR and ADMIN add them). Every role reads both. Entries are never edited.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    approval_communication as communication, approval_document as document, approval_request,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::created;
use crate::base::state::AppState;
use crate::data::audit;
use crate::data::db::find_in_tenant;
use crate::domain::validate::not_blank;
use crate::http::problems::*;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::{Query, ValidJson};
use crate::request::list::{ListParams, Page};
use crate::request::problem::ApiError;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_approval_communications)
        .service(create_approval_communication)
        .service(list_approval_documents)
        .service(create_approval_document);
}

/// How an exchange with the payer happened.
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
pub enum Channel {
    Phone,
    Fax,
    Email,
    Portal,
    Mail,
    Edi,
}

/// Who started the exchange.
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
pub enum Direction {
    Inbound,
    Outbound,
}

/// An exchange with the payer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d3-04b0-70bb-9d2c-1f2a3b4c5d60", "channel": "PHONE", "direction": "OUTBOUND",
    "contact_name": "J. Smith, Acme utilization review", "summary": "Asked for status; in clinical review",
    "outcome": "Decision expected within 48 hours", "follow_up_date": "2026-11-27",
    "author": "coordinator.kim", "created_at": "2026-11-25T11:00:00Z"
}))]
pub struct CommunicationView {
    pub id: Uuid,
    #[schema(value_type = Channel)]
    pub channel: String,
    #[schema(value_type = Direction)]
    pub direction: String,
    pub contact_name: Option<String>,
    pub summary: String,
    pub outcome: Option<String>,
    pub follow_up_date: Option<NaiveDate>,
    /// The user who logged it.
    pub author: String,
    pub created_at: DateTime<Utc>,
}

impl From<communication::Model> for CommunicationView {
    fn from(m: communication::Model) -> Self {
        Self {
            id: m.id,
            channel: m.channel,
            direction: m.direction,
            contact_name: m.contact_name,
            summary: m.summary,
            outcome: m.outcome,
            follow_up_date: m.follow_up_date,
            author: m.author,
            created_at: m.created_at,
        }
    }
}

/// A new entry of the communication log.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "channel": "PHONE", "direction": "OUTBOUND", "contact_name": "J. Smith, Acme utilization review",
    "summary": "Asked for status; in clinical review", "outcome": "Decision expected within 48 hours",
    "follow_up_date": "2026-11-27"
}))]
pub struct CreateCommunication {
    pub channel: Channel,
    pub direction: Direction,
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 200)]
    pub contact_name: Option<String>,
    #[validate(length(min = 1, max = 4000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub summary: String,
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub outcome: Option<String>,
    pub follow_up_date: Option<NaiveDate>,
}

/// A supporting document's metadata (the document itself is kept elsewhere).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4d3-15c0-71cc-8e3d-2a3b4c5d6e70", "title": "Neurology clinic note 2026-11-02",
    "kind": "CLINICAL_NOTE", "reference": "dms://notes/88121",
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "author": "dr.osei", "created_at": "2026-11-25T09:45:00Z"
}))]
pub struct DocumentView {
    pub id: Uuid,
    pub title: String,
    /// What kind of document (free text, e.g. CLINICAL_NOTE, IMAGING_REPORT, LAB_RESULT).
    pub kind: String,
    /// Where the document is kept (a DMS link or path).
    pub reference: String,
    pub sha256: Option<String>,
    pub author: String,
    pub created_at: DateTime<Utc>,
}

impl From<document::Model> for DocumentView {
    fn from(m: document::Model) -> Self {
        Self {
            id: m.id,
            title: m.title,
            kind: m.kind,
            reference: m.reference,
            sha256: m.sha256,
            author: m.author,
            created_at: m.created_at,
        }
    }
}

/// A new supporting document.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Neurology clinic note 2026-11-02", "kind": "CLINICAL_NOTE", "reference": "dms://notes/88121",
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
}))]
pub struct CreateDocument {
    #[validate(length(min = 1, max = 300), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 64)]
    pub kind: String,
    #[validate(length(min = 1, max = 1000), custom(function = "not_blank"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reference: String,
    /// 64 hexadecimal digits.
    #[validate(custom(function = "crate::domain::validate::sha256"))]
    #[schema(max_length = 64, pattern = "^[0-9a-f]{64}$")]
    pub sha256: Option<String>,
}

async fn request_of(
    caller: &Caller,
    state: &AppState,
    id: Uuid,
) -> Result<approval_request::Model, ApiError> {
    caller.require(Permission::Read)?;
    Ok(find_in_tenant::<approval_request::Entity, _>(&state.db, caller.tenant_id(), id).await?)
}

/// What a communication log sorts on.
pub const COMMUNICATION_SORT_FIELDS: &[(&str, communication::Column)] =
    &[("created_at", communication::Column::CreatedAt)];

/// What a list of documents sorts on.
pub const DOCUMENT_SORT_FIELDS: &[(&str, document::Column)] = &[
    ("created_at", document::Column::CreatedAt),
    ("title", document::Column::Title),
];

/// A request's communication log
///
/// Every call, fax, message or letter exchanged with the payer about the request, newest
/// first by default. Entries are never edited.
#[utoipa::path(
    tag = "approval-companions",
    params(("id" = Uuid, Path, description = "The request's id."), ListParams),
    responses(
        (status = 200, description = "A page of entries, newest first by default.", body = Page<CommunicationView>),
        ReadProblems
    )
)]
#[get("/approval-requests/{id}/communications")]
pub async fn list_approval_communications(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    page: Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let request = request_of(&caller, &state, *id).await?;
    let query = communication::Entity::find()
        .filter(communication::Column::TenantId.eq(request.tenant_id))
        .filter(communication::Column::ApprovalRequestId.eq(request.id));
    let page = page
        .fetch(
            &state.db,
            query,
            COMMUNICATION_SORT_FIELDS,
            communication::Column::Id,
            CommunicationView::from,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Log an exchange with the payer (COORDINATOR, ADMIN)
///
/// Appends an entry to the request's communication log, with the caller as its author.
#[utoipa::path(
    tag = "approval-companions",
    params(("id" = Uuid, Path, description = "The request's id.")),
    request_body = CreateCommunication,
    responses(
        (status = 201, description = "The new entry.", body = CommunicationView, headers(("Location" = String))),
        CreateNestedProblems
    )
)]
#[post("/approval-requests/{id}/communications")]
pub async fn create_approval_communication(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: ValidJson<CreateCommunication>,
) -> Result<HttpResponse, ApiError> {
    let request = request_of(&caller, &state, *id).await?;
    caller.require(Permission::Coordinate)?;
    let body = body.parse()?;
    let row = communication::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(request.tenant_id),
        approval_request_id: Set(request.id),
        channel: Set(body.channel.as_ref().to_owned()),
        direction: Set(body.direction.as_ref().to_owned()),
        contact_name: Set(body.contact_name.map(|c| c.trim().to_owned())),
        summary: Set(body.summary.trim().to_owned()),
        outcome: Set(body.outcome.map(|o| o.trim().to_owned())),
        follow_up_date: Set(body.follow_up_date),
        author: Set(caller.user.clone()),
        created_at: Set(caller.now),
    };
    let model = audit::insert_created(
        &state.db,
        caller.tenant_id(),
        caller.now,
        "approval_communication",
        row,
        |m| m.id,
    )
    .await?;
    let location = format!("/api/v1/approval-requests/{}/communications", request.id);
    Ok(created(location, 1, &CommunicationView::from(model)))
}

/// A request's supporting documents
///
/// Metadata of the documents supporting the request (the service keeps no file contents),
/// newest first by default.
#[utoipa::path(
    tag = "approval-companions",
    params(("id" = Uuid, Path, description = "The request's id."), ListParams),
    responses(
        (status = 200, description = "A page of documents, newest first by default.", body = Page<DocumentView>),
        ReadProblems
    )
)]
#[get("/approval-requests/{id}/documents")]
pub async fn list_approval_documents(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    page: Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let request = request_of(&caller, &state, *id).await?;
    let query = document::Entity::find()
        .filter(document::Column::TenantId.eq(request.tenant_id))
        .filter(document::Column::ApprovalRequestId.eq(request.id));
    let page = page
        .fetch(
            &state.db,
            query,
            DOCUMENT_SORT_FIELDS,
            document::Column::Id,
            DocumentView::from,
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Add a supporting document (CLINICIAN, COORDINATOR, ADMIN)
///
/// Records a document's title, kind, where it is kept and optionally its SHA-256, with the
/// caller as its author.
#[utoipa::path(
    tag = "approval-companions",
    params(("id" = Uuid, Path, description = "The request's id.")),
    request_body = CreateDocument,
    responses(
        (status = 201, description = "The new document.", body = DocumentView, headers(("Location" = String))),
        CreateNestedProblems
    )
)]
#[post("/approval-requests/{id}/documents")]
pub async fn create_approval_document(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: ValidJson<CreateDocument>,
) -> Result<HttpResponse, ApiError> {
    let request = request_of(&caller, &state, *id).await?;
    caller.require(Permission::AddDocuments)?;
    let body = body.parse()?;
    let row = document::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(request.tenant_id),
        approval_request_id: Set(request.id),
        title: Set(body.title.trim().to_owned()),
        kind: Set(body.kind.trim().to_owned()),
        reference: Set(body.reference.trim().to_owned()),
        sha256: Set(body.sha256),
        author: Set(caller.user.clone()),
        created_at: Set(caller.now),
    };
    let model = audit::insert_created(
        &state.db,
        caller.tenant_id(),
        caller.now,
        "approval_document",
        row,
        |m| m.id,
    )
    .await?;
    let location = format!("/api/v1/approval-requests/{}/documents", request.id);
    Ok(created(location, 1, &DocumentView::from(model)))
}
