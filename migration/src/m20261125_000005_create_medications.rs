//! The formulary: medications a tenant prescribes, with their formulary status.

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
            .table(Medications::Table)
            .col(
                ColumnDef::new(Medications::Id)
                    .uuid()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(Medications::TenantId).uuid().not_null())
            .col(
                ColumnDef::new(Medications::DisplayName)
                    .string_len(200)
                    .not_null(),
            )
            .col(
                ColumnDef::new(Medications::GenericName)
                    .string_len(200)
                    .null(),
            )
            .col(
                ColumnDef::new(Medications::NdcNumber)
                    .string_len(13)
                    .not_null(),
            )
            .col(
                ColumnDef::new(Medications::FormularyStatus)
                    .string_len(32)
                    .not_null(),
            )
            .col(
                ColumnDef::new(Medications::IsControlledSubstance)
                    .boolean()
                    .not_null(),
            )
            .foreign_key(
                ForeignKey::create()
                    .name("fk_medications_tenant")
                    .from(Medications::Table, Medications::TenantId)
                    .to(Tenants::Table, Tenants::Id)
                    .on_delete(ForeignKeyAction::Restrict),
            );
        audit_columns(&mut table);
        manager.create_table(table).await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_medications_tenant_id")
                    .table(Medications::Table)
                    .col(Medications::TenantId)
                    .col(Medications::Id)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_medications_tenant_ndc")
                    .table(Medications::Table)
                    .col(Medications::TenantId)
                    .col(Medications::NdcNumber)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Medications::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Medications {
    Table,
    Id,
    TenantId,
    DisplayName,
    GenericName,
    NdcNumber,
    FormularyStatus,
    IsControlledSubstance,
}
