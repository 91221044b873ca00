//! The audit trail: one row per change of a patient, coverage, order, approval request (and of
//! the other resources a tenant keeps), written in the transaction of the change, never updated
//! or deleted by the service.

use sea_orm_migration::prelude::*;

use crate::m20261125_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use AuditEvents as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(ColumnDef::new(A::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(A::TenantId).uuid().not_null())
                    .col(
                        ColumnDef::new(A::OccurredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    // The token's `sub`, or `system` for the expiry sweep.
                    .col(ColumnDef::new(A::Actor).string_len(200).not_null())
                    // CREATE, UPDATE, DELETE or TRANSITION.
                    .col(ColumnDef::new(A::Action).string_len(16).not_null())
                    // patient, coverage, lab_order, … (the API's resource names).
                    .col(ColumnDef::new(A::ResourceType).string_len(32).not_null())
                    .col(ColumnDef::new(A::ResourceId).uuid().not_null())
                    // {"field": {"from": …, "to": …}, …}, a JSON object.
                    .col(ColumnDef::new(A::Changes).text().not_null())
                    // The request that made the change (X-Request-Id), when there was one.
                    .col(ColumnDef::new(A::RequestId).string_len(128).null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_events_tenant")
                            .from(A::Table, A::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "ix_audit_events_time",
                vec![A::TenantId, A::OccurredAt, A::Id],
            ),
            (
                "ix_audit_events_resource",
                vec![A::TenantId, A::ResourceType, A::ResourceId, A::OccurredAt],
            ),
            (
                "ix_audit_events_actor",
                vec![A::TenantId, A::Actor, A::OccurredAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(A::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum AuditEvents {
    Table,
    Id,
    TenantId,
    OccurredAt,
    Actor,
    Action,
    ResourceType,
    ResourceId,
    Changes,
    RequestId,
}
