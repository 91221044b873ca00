//! A prescription of a formulary medication.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "prescriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub prescription_number: String,
    /// The number's counter, for sorting by number (see the migration that added it).
    pub number_value: i64,
    pub patient_id: Uuid,
    pub prescriber_id: Uuid,
    pub medication_id: Uuid,
    pub quantity_prescribed: Decimal,
    pub quantity_unit: String,
    pub diagnosis_code: String,
    pub indication: Option<String>,
    pub date_written: Date,
    pub prior_authorization_required: bool,
    pub prior_authorization_number: Option<String>,
    pub prior_authorization_expiry: Option<Date>,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
