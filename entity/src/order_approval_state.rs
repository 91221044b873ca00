//! The approval read model: one row per order of any kind, rewritten by every write that can
//! change what the order shows about its approval.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_approval_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    pub tenant_id: Uuid,
    /// LAB, IMAGING, PHARMACY, SURGERY.
    pub kind: String,
    pub number_value: i64,
    pub order_number: String,
    pub patient_id: Uuid,
    pub order_status: String,
    /// 0 EMERGENCY, 1 STAT, 2 URGENT, 3 ROUTINE.
    pub urgency: i16,
    /// The stored service date; none: today.
    pub service_date: Option<Date>,
    pub order_created_at: DateTimeUtc,
    pub has_insurance: bool,
    pub requires_approval: bool,
    pub has_valid_approval: bool,
    pub approval_status: String,
    pub coverage_id: Option<Uuid>,
    pub active_source: Option<String>,
    pub active_request_id: Option<Uuid>,
    pub active_grant_kind: Option<String>,
    pub active_approval_number: Option<String>,
    pub active_authorization_number: Option<String>,
    pub active_status: Option<String>,
    pub active_effective_date: Option<Date>,
    pub active_expiration_date: Option<Date>,
    pub active_approved_quantity: Option<i32>,
    /// The first tenant-local date on which a date rule could change the row.
    pub recheck_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The order's patient (for the patient summary that order views and lists embed).
    #[sea_orm(
        belongs_to = "super::patient::Entity",
        from = "Column::PatientId",
        to = "super::patient::Column::Id"
    )]
    Patient,
}

impl Related<super::patient::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Patient.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
