//! An insurance coverage of a patient (the seeds' `insurance_info`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "insurance_info")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub patient_id: Uuid,
    pub payer_name: String,
    pub payer_id: String,
    pub plan_name: Option<String>,
    pub member_id: String,
    pub group_number: Option<String>,
    pub priority: String,
    pub effective_date: Date,
    pub termination_date: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
