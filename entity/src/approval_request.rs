//! An approval request; at most one of the four order links is set.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approval_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub approval_number: String,
    /// The number's counter, for sorting by number (see the migration that added it).
    pub number_value: i64,
    pub patient_id: Uuid,
    pub insurance_info_id: Option<Uuid>,
    pub template_id: Option<Uuid>,
    pub request_type: String,
    pub lab_order_id: Option<Uuid>,
    pub imaging_order_id: Option<Uuid>,
    pub prescription_id: Option<Uuid>,
    pub surgical_case_id: Option<Uuid>,
    pub service_description: Option<String>,
    pub procedure_codes: Json,
    pub diagnosis_codes: Json,
    pub clinical_justification: Option<String>,
    pub requesting_provider_id: Option<Uuid>,
    pub service_start_date: Option<Date>,
    pub service_end_date: Option<Date>,
    pub priority: String,
    pub is_expedited: bool,
    pub status: String,
    pub grant_kind: Option<String>,
    pub submission_method: Option<String>,
    pub payer_reference: Option<String>,
    pub authorization_number: Option<String>,
    pub effective_date: Option<Date>,
    pub expiration_date: Option<Date>,
    pub requested_quantity: Option<i32>,
    pub approved_quantity: Option<i32>,
    pub denial_reason: Option<String>,
    pub denial_code: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub decision_due_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub appeal_decided_at: Option<DateTimeUtc>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
