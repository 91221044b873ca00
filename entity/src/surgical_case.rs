//! A surgical case; `procedure_codes` and `diagnosis_codes` are JSON lists of strings.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "surgical_cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub case_number: String,
    /// The number's counter, for sorting by number (see the migration that added it).
    pub number_value: i64,
    pub patient_id: Uuid,
    pub primary_surgeon_id: Uuid,
    pub primary_procedure: String,
    pub procedure_codes: Json,
    pub diagnosis: String,
    pub diagnosis_codes: Json,
    pub clinical_notes: Option<String>,
    pub scheduled_start: DateTimeUtc,
    /// The tenant-local date of the service instant.
    pub service_date: Option<Date>,
    pub is_emergency: bool,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
