//! Writing approval requests: the content of a request and its checks, creating one (its
//! number and history row 1 in the same transaction), transitions (a compare-and-set on
//! `version` with the history row in the same transaction), and saving edits.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    approval_request, approval_status_history as history, approval_template, insurance_info,
    provider,
};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, Iterable, QueryFilter, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use super::coverage;
use super::prefill::stored_list;
use super::read_model::{self, Scope};
use super::state::{self, TransitionRequest};
use super::values::{ApprovalStatus, InitialStatus};
use crate::base::error::Error;
use crate::data::audit::{self, Action};
use crate::data::db::{reference, resource_type, scoped, update_versioned};
use crate::domain::orders::OrderKind;
use crate::domain::orders::numbering::{next_number, tenant_number};
use crate::domain::validate::{cpt_hcpcs, each_code, icd10, ndc};

/// The largest quantity a request asks for.
pub const MAX_REQUESTED_QUANTITY: i32 = 1_000_000;

/// Who acts on requests: the tenant, the user (`sub`) and the instant of the request.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub tenant_id: Uuid,
    pub tenant_code: &'a str,
    pub user: &'a str,
    pub now: DateTime<Utc>,
}

/// The content of a request, as created or after a merge patch, before it is checked.
#[derive(Debug, Clone)]
pub struct Content {
    pub request_type: String,
    pub insurance_info_id: Option<Uuid>,
    pub service_description: Option<String>,
    pub procedure_codes: Vec<String>,
    pub diagnosis_codes: Vec<String>,
    pub clinical_justification: Option<String>,
    pub requesting_provider_id: Option<Uuid>,
    pub service_start_date: Option<NaiveDate>,
    pub service_end_date: Option<NaiveDate>,
    pub priority: String,
    pub is_expedited: bool,
    pub requested_quantity: Option<i32>,
}

impl Content {
    /// Checks codes (NDC numbers for PHARMACY, CPT/HCPCS otherwise; ICD-10-CM diagnoses), the
    /// service dates' order, and that the coverage belongs to `patient_id` and the provider
    /// to the tenant (422 on the field otherwise).
    pub async fn check<C: ConnectionTrait>(
        &self,
        db: &C,
        tenant_id: Uuid,
        patient_id: Uuid,
    ) -> Result<(), Error> {
        let procedure_check = if self.request_type == "PHARMACY" {
            ndc
        } else {
            cpt_hcpcs
        };
        each_code("procedure_codes", &self.procedure_codes, procedure_check)?;
        each_code("diagnosis_codes", &self.diagnosis_codes, icd10)?;
        // Whatever gave it (the body, or an order's quantity), a requested quantity is 1 to
        // 1,000,000, as the body's own bound says.
        if let Some(quantity) = self.requested_quantity
            && !(1..=MAX_REQUESTED_QUANTITY).contains(&quantity)
        {
            return Err(Error::invalid(
                "requested_quantity",
                "range",
                format!(
                    "must be from 1 to {MAX_REQUESTED_QUANTITY}; give requested_quantity when the order's quantity is larger"
                ),
            ));
        }
        if let (Some(start), Some(end)) = (self.service_start_date, self.service_end_date)
            && end < start
        {
            return Err(Error::invalid(
                "service_end_date",
                "before_start",
                "must be on or after service_start_date",
            ));
        }
        if let Some(coverage_id) = self.insurance_info_id {
            let coverage = reference::<insurance_info::Entity, _>(
                db,
                tenant_id,
                "insurance_info_id",
                coverage_id,
            )
            .await?;
            if coverage.patient_id != patient_id {
                return Err(Error::invalid(
                    "insurance_info_id",
                    "other_patient",
                    "is a coverage of another patient",
                ));
            }
        }
        if let Some(provider_id) = self.requesting_provider_id {
            reference::<provider::Entity, _>(db, tenant_id, "requesting_provider_id", provider_id)
                .await?;
        }
        Ok(())
    }

    /// Writes the content into a row.
    pub fn write(&self, row: &mut approval_request::Model) {
        row.request_type = self.request_type.clone();
        row.insurance_info_id = self.insurance_info_id;
        row.service_description = self.service_description.clone();
        row.procedure_codes = serde_json::Value::from(self.procedure_codes.clone());
        row.diagnosis_codes = serde_json::Value::from(self.diagnosis_codes.clone());
        row.clinical_justification = self.clinical_justification.clone();
        row.requesting_provider_id = self.requesting_provider_id;
        row.service_start_date = self.service_start_date;
        row.service_end_date = self.service_end_date;
        row.priority = self.priority.clone();
        row.is_expedited = self.is_expedited;
        row.requested_quantity = self.requested_quantity;
    }

    /// The content of a stored request.
    pub fn read(row: &approval_request::Model) -> Result<Self, Error> {
        Ok(Self {
            request_type: row.request_type.clone(),
            insurance_info_id: row.insurance_info_id,
            service_description: row.service_description.clone(),
            procedure_codes: stored_list(
                &row.procedure_codes,
                "reading a request's procedure codes",
            )?,
            diagnosis_codes: stored_list(
                &row.diagnosis_codes,
                "reading a request's diagnosis codes",
            )?,
            clinical_justification: row.clinical_justification.clone(),
            requesting_provider_id: row.requesting_provider_id,
            service_start_date: row.service_start_date,
            service_end_date: row.service_end_date,
            priority: row.priority.clone(),
            is_expedited: row.is_expedited,
            requested_quantity: row.requested_quantity,
        })
    }
}

/// An active template of the caller's tenant, or 422 on `template_id`.
pub async fn active_template<C: ConnectionTrait>(
    db: &C,
    tenant_id: Uuid,
    template_id: Uuid,
) -> Result<approval_template::Model, Error> {
    let template =
        reference::<approval_template::Entity, _>(db, tenant_id, "template_id", template_id)
            .await?;
    if !template.is_active {
        return Err(Error::invalid(
            "template_id",
            "inactive",
            "the template is inactive",
        ));
    }
    Ok(template)
}

/// What a template gives a new request (the body's values come first, then these, then the
/// order's).
#[derive(Debug, Clone, Default)]
pub struct TemplateFill {
    pub request_type: Option<String>,
    pub service_description: Option<String>,
    pub procedure_codes: Option<Vec<String>>,
    pub clinical_justification: Option<String>,
}

impl TemplateFill {
    /// The values of `template`, if any.
    pub fn of(template: Option<&approval_template::Model>) -> Result<Self, Error> {
        let Some(template) = template else {
            return Ok(Self::default());
        };
        Ok(Self {
            request_type: Some(template.request_type.clone()),
            service_description: template.service_description.clone(),
            procedure_codes: Some(stored_list(
                &template.procedure_codes,
                "reading a template's procedure codes",
            )?),
            clinical_justification: template.clinical_justification.clone(),
        })
    }
}

/// A new row with the fields every creation sets.
pub fn new_row(
    actor: &Actor<'_>,
    patient_id: Uuid,
    template_id: Option<Uuid>,
    status: InitialStatus,
) -> approval_request::Model {
    approval_request::Model {
        id: Uuid::now_v7(),
        tenant_id: actor.tenant_id,
        approval_number: String::new(),
        number_value: 0,
        patient_id,
        insurance_info_id: None,
        template_id,
        request_type: String::new(),
        lab_order_id: None,
        imaging_order_id: None,
        prescription_id: None,
        surgical_case_id: None,
        service_description: None,
        procedure_codes: serde_json::json!([]),
        diagnosis_codes: serde_json::json!([]),
        clinical_justification: None,
        requesting_provider_id: None,
        service_start_date: None,
        service_end_date: None,
        priority: "ROUTINE".to_owned(),
        is_expedited: false,
        status: status.as_ref().to_owned(),
        grant_kind: None,
        submission_method: None,
        payer_reference: None,
        authorization_number: None,
        effective_date: None,
        expiration_date: None,
        requested_quantity: None,
        approved_quantity: None,
        denial_reason: None,
        denial_code: None,
        submitted_at: None,
        decision_due_at: None,
        decided_at: None,
        appeal_decided_at: None,
        created_by: actor.user.to_owned(),
        created_at: actor.now,
        updated_at: actor.now,
        version: 1,
    }
}

/// A request with every field empty (for tests).
pub fn blank_request() -> approval_request::Model {
    let actor = Actor {
        tenant_id: Uuid::nil(),
        tenant_code: "T",
        user: "u",
        now: DateTime::<Utc>::UNIX_EPOCH,
    };
    new_row(&actor, Uuid::nil(), None, InitialStatus::Draft)
}

/// The coverage of `patient_id` in force on `day` that a request uses (see [`coverage::choose`]).
pub async fn coverage_in_force<C: ConnectionTrait>(
    db: &C,
    tenant_id: Uuid,
    patient_id: Uuid,
    day: NaiveDate,
) -> Result<Option<insurance_info::Model>, Error> {
    let coverages = scoped::<insurance_info::Entity>(tenant_id)
        .filter(insurance_info::Column::PatientId.eq(patient_id))
        .all(db)
        .await?;
    Ok(coverage::choose(&coverages, day).cloned())
}

/// Who a history row names for changes the service makes by itself (the expiry sweep).
pub const SYSTEM: &str = "system";

/// Inserts a new request (its number allocated in the same transaction) and its history row 1
/// (`from_status` null).
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor<'_>,
    row: approval_request::Model,
) -> Result<approval_request::Model, Error> {
    let mut request = row.into_active_model();
    let txn = db.begin().await?;
    let number = next_number(&txn, actor.tenant_id, APPROVAL_COUNTER, "").await?;
    request.approval_number = Set(tenant_number(APPROVAL_COUNTER, actor.tenant_code, number));
    request.number_value = Set(number);
    let model = crate::data::db::insert_audited(&txn, actor.tenant_id, actor.now, request).await?;
    record(
        &txn,
        &model,
        None,
        &model.status,
        actor.user,
        actor.now,
        None,
    )
    .await?;
    refresh_order_of(&txn, &model, actor.now).await?;
    txn.commit().await?;
    Ok(model)
}

/// The counter (and number prefix) of approval requests.
pub const APPROVAL_COUNTER: &str = "APR";

/// Appends a history row to `request` (call inside the transaction that changed it: the row
/// lock taken by that change keeps `seq` gapless and unique).
pub async fn record<C: ConnectionTrait>(
    txn: &C,
    request: &approval_request::Model,
    from: Option<&str>,
    to: &str,
    changed_by: &str,
    at: DateTime<Utc>,
    reason: Option<String>,
) -> Result<(), Error> {
    let last: Option<Option<i32>> = history::Entity::find()
        .select_only()
        .column_as(
            Expr::expr(Func::max(Expr::col(history::Column::Seq))),
            "last",
        )
        .filter(history::Column::TenantId.eq(request.tenant_id))
        .filter(history::Column::ApprovalRequestId.eq(request.id))
        .into_tuple()
        .one(txn)
        .await?;
    let seq = last.flatten().unwrap_or(0) + 1;
    history::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(request.tenant_id),
        approval_request_id: Set(request.id),
        seq: Set(seq),
        from_status: Set(from.map(str::to_owned)),
        to_status: Set(to.to_owned()),
        changed_by: Set(changed_by.to_owned()),
        changed_at: Set(at),
        reason: Set(reason),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Moves `current` as `transition` asks (see [`state::apply`]) in one transaction: the request
/// row moves to `version + 1` only if it is still at `version` (else 412 with `If-Match`, 409
/// without), and its history row is written with it.
pub async fn transition(
    db: &DatabaseConnection,
    current: &approval_request::Model,
    transition: &TransitionRequest,
    changed_by: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
    with_if_match: bool,
) -> Result<approval_request::Model, Error> {
    let mut next = state::apply(current, transition, today, now)?;
    next.updated_at = now;
    let reason = transition
        .reason
        .clone()
        .or_else(|| match transition.to_status {
            ApprovalStatus::Denied | ApprovalStatus::AppealDenied => {
                transition.denial_reason.clone()
            }
            _ => None,
        });
    let txn = db.begin().await?;
    save(&txn, current, &next, with_if_match, Action::Transition).await?;
    next.version = current.version + 1;
    record(
        &txn,
        &next,
        Some(&current.status),
        &next.status,
        changed_by,
        now,
        reason,
    )
    .await?;
    refresh_order_of(&txn, &next, now).await?;
    txn.commit().await?;
    Ok(next)
}

/// Saves an edit of a request's content (see [`save`]) with its order's read-model row, in one
/// transaction.
pub async fn save_edit(
    db: &DatabaseConnection,
    current: &approval_request::Model,
    next: &approval_request::Model,
    with_if_match: bool,
) -> Result<(), Error> {
    let txn = db.begin().await?;
    save(&txn, current, next, with_if_match, Action::Update).await?;
    refresh_order_of(&txn, next, next.updated_at).await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes a never-submitted DRAFT (its history, communications and documents go with it) and
/// recomputes its order's read-model row, in one transaction.
pub async fn delete(
    db: &DatabaseConnection,
    current: &approval_request::Model,
    with_if_match: bool,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let txn = db.begin().await?;
    crate::data::db::delete_versioned::<approval_request::Entity, _>(
        &txn,
        current.tenant_id,
        current,
        now,
        with_if_match,
    )
    .await?;
    refresh_order_of(&txn, current, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Recomputes the read-model row of the order `request` is linked to, if any (inside the
/// transaction that changed the request).
pub async fn refresh_order_of<C: ConnectionTrait>(
    txn: &C,
    request: &approval_request::Model,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if let Some(link) = OrderKind::linked(request) {
        read_model::refresh(txn, request.tenant_id, now, Scope::Orders(vec![link])).await?;
    }
    Ok(())
}

/// Writes every field of `next` that differs from `current`, as a compare-and-set on version,
/// and records the change in the audit trail as `action` (inside the caller's transaction).
pub async fn save<C: ConnectionTrait>(
    txn: &C,
    current: &approval_request::Model,
    next: &approval_request::Model,
    with_if_match: bool,
    action: Action,
) -> Result<(), Error> {
    let mut changes = next.clone().into_active_model().reset_all();
    // Only what changed is written; the version is set by the compare-and-set.
    let unchanged = current.clone().into_active_model();
    for column in <approval_request::Entity as EntityTrait>::Column::iter() {
        if changes.get(column).into_value() == unchanged.get(column).into_value() {
            changes.not_set(column);
        }
    }
    changes.not_set(approval_request::Column::Version);
    let changed = audit::changed(current, &changes);
    update_versioned(
        txn,
        current.tenant_id,
        current.id,
        current.version,
        with_if_match,
        changes,
    )
    .await?;
    audit::record(
        txn,
        current.tenant_id,
        next.updated_at,
        action,
        &resource_type::<approval_request::Entity>(),
        current.id,
        changed,
    )
    .await
}
