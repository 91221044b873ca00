//! The approval read model: one row per order of any kind with what every read of orders needs
//! (the four computed fields, the active approval, the coverage that applies, the work queue's
//! urgency and sort keys) and `recheck_on`, the first tenant-local date on which a date rule
//! could change the row. Every write that can change a row rewrites it in its own transaction;
//! the service fills rows missing for existing orders when it starts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::m20261125_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use OrderApprovalStates as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(ColumnDef::new(S::OrderId).uuid().not_null().primary_key())
                    .col(ColumnDef::new(S::TenantId).uuid().not_null())
                    // LAB, IMAGING, PHARMACY, SURGERY.
                    .col(ColumnDef::new(S::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(S::NumberValue).big_integer().not_null())
                    .col(ColumnDef::new(S::OrderNumber).string_len(40).not_null())
                    .col(ColumnDef::new(S::PatientId).uuid().not_null())
                    .col(ColumnDef::new(S::OrderStatus).string_len(32).not_null())
                    // 0 EMERGENCY, 1 STAT, 2 URGENT, 3 ROUTINE.
                    .col(ColumnDef::new(S::Urgency).small_integer().not_null())
                    // The stored service date; null: today (prescriptions, orders without an
                    // instant).
                    .col(ColumnDef::new(S::ServiceDate).date().null())
                    .col(
                        ColumnDef::new(S::OrderCreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(S::HasInsurance).boolean().not_null())
                    .col(ColumnDef::new(S::RequiresApproval).boolean().not_null())
                    .col(ColumnDef::new(S::HasValidApproval).boolean().not_null())
                    .col(ColumnDef::new(S::ApprovalStatus).string_len(32).not_null())
                    .col(ColumnDef::new(S::CoverageId).uuid().null())
                    // REQUEST or PRESCRIPTION, with the active approval as shown.
                    .col(ColumnDef::new(S::ActiveSource).string_len(16).null())
                    .col(ColumnDef::new(S::ActiveRequestId).uuid().null())
                    .col(ColumnDef::new(S::ActiveGrantKind).string_len(8).null())
                    .col(
                        ColumnDef::new(S::ActiveApprovalNumber)
                            .string_len(32)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(S::ActiveAuthorizationNumber)
                            .string_len(100)
                            .null(),
                    )
                    .col(ColumnDef::new(S::ActiveStatus).string_len(32).null())
                    .col(ColumnDef::new(S::ActiveEffectiveDate).date().null())
                    .col(ColumnDef::new(S::ActiveExpirationDate).date().null())
                    .col(ColumnDef::new(S::ActiveApprovedQuantity).integer().null())
                    .col(ColumnDef::new(S::RecheckOn).date().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_order_approval_states_tenant")
                            .from(S::Table, S::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "ix_order_approval_states_status",
                &[
                    S::TenantId,
                    S::Kind,
                    S::ApprovalStatus,
                    S::OrderCreatedAt,
                    S::OrderId,
                ][..],
            ),
            (
                "ix_order_approval_states_requires",
                &[
                    S::TenantId,
                    S::Kind,
                    S::RequiresApproval,
                    S::OrderCreatedAt,
                    S::OrderId,
                ][..],
            ),
            (
                "ix_order_approval_states_recheck",
                &[S::TenantId, S::RecheckOn][..],
            ),
            (
                "ix_order_approval_states_patient",
                &[S::TenantId, S::PatientId][..],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(S::Table);
            for column in columns {
                index.col(column.clone());
            }
            manager.create_index(index.to_owned()).await?;
        }
        // The work queue, in queue order: the open orders that require approval (what the queue
        // shows by default, whatever the tenant's history), and all that do (for a queue asked
        // for other order statuses).
        let connection = manager.get_connection();
        connection
            .execute_unprepared(
                "CREATE INDEX ix_order_approval_states_open_queue ON order_approval_states \
                 (tenant_id, urgency, service_date, number_value, order_id) \
                 WHERE requires_approval AND order_status <> 'COMPLETED'",
            )
            .await?;
        connection
            .execute_unprepared(
                "CREATE INDEX ix_order_approval_states_queue ON order_approval_states \
                 (tenant_id, urgency, service_date, number_value, order_id) WHERE requires_approval",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OrderApprovalStates::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
pub(crate) enum OrderApprovalStates {
    Table,
    OrderId,
    TenantId,
    Kind,
    NumberValue,
    OrderNumber,
    PatientId,
    OrderStatus,
    Urgency,
    ServiceDate,
    OrderCreatedAt,
    HasInsurance,
    RequiresApproval,
    HasValidApproval,
    ApprovalStatus,
    CoverageId,
    ActiveSource,
    ActiveRequestId,
    ActiveGrantKind,
    ActiveApprovalNumber,
    ActiveAuthorizationNumber,
    ActiveStatus,
    ActiveEffectiveDate,
    ActiveExpirationDate,
    ActiveApprovedQuantity,
    RecheckOn,
}
