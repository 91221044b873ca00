//! One exchange with the payer about an approval request.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approval_communications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub approval_request_id: Uuid,
    pub channel: String,
    pub direction: String,
    pub contact_name: Option<String>,
    pub summary: String,
    pub outcome: Option<String>,
    pub follow_up_date: Option<Date>,
    pub author: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
