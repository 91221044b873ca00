//! A lab order; `tests` is a JSON list of `{test_name, cpt_code}`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lab_orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_number: String,
    /// The number's counter, for sorting by number (see the migration that added it).
    pub number_value: i64,
    pub patient_id: Uuid,
    pub ordering_provider_id: Uuid,
    pub tests: Json,
    pub diagnosis_code: String,
    pub clinical_indication: String,
    pub collection_datetime: Option<DateTimeUtc>,
    /// The tenant-local date of the service instant.
    pub service_date: Option<Date>,
    pub priority: String,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
