//! An imaging (radiology) order.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imaging_orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_number: String,
    /// The number's counter, for sorting by number (see the migration that added it).
    pub number_value: i64,
    pub patient_id: Uuid,
    pub ordering_provider_id: Uuid,
    pub modality: String,
    pub study_description: String,
    pub body_part: String,
    pub diagnosis_code: String,
    pub clinical_indication: String,
    pub requested_datetime: Option<DateTimeUtc>,
    /// The tenant-local date of the service instant.
    pub service_date: Option<Date>,
    pub is_stat: bool,
    /// CPT/HCPCS codes of the study (a JSON list).
    pub cpt_codes: Json,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
