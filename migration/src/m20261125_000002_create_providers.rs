//! Providers: clinicians and staff who order, prescribe, operate and request approvals.

use sea_orm_migration::prelude::*;

use crate::audit_columns;
use crate::m20261125_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(Providers::Table)
            .col(
                ColumnDef::new(Providers::Id)
                    .uuid()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(Providers::TenantId).uuid().not_null())
            .col(ColumnDef::new(Providers::Name).string_len(200).not_null())
            .col(ColumnDef::new(Providers::Npi).string_len(10).null())
            .col(
                ColumnDef::new(Providers::LicenceNumber)
                    .string_len(64)
                    .null(),
            )
            .col(ColumnDef::new(Providers::Role).string_len(32).not_null())
            .foreign_key(
                ForeignKey::create()
                    .name("fk_providers_tenant")
                    .from(Providers::Table, Providers::TenantId)
                    .to(Tenants::Table, Tenants::Id)
                    .on_delete(ForeignKeyAction::Restrict),
            );
        audit_columns(&mut table);
        manager.create_table(table).await?;
        // (tenant_id, id) is the key other tenant-owned rows point at, so that a reference
        // can never cross tenants; it also indexes the tenant foreign key.
        manager
            .create_index(
                Index::create()
                    .name("ux_providers_tenant_id")
                    .table(Providers::Table)
                    .col(Providers::TenantId)
                    .col(Providers::Id)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_providers_tenant_npi")
                    .table(Providers::Table)
                    .col(Providers::TenantId)
                    .col(Providers::Npi)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Providers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Providers {
    Table,
    Id,
    TenantId,
    Name,
    Npi,
    LicenceNumber,
    Role,
}
