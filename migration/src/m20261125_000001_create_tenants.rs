//! Tenants: the hospitals (or hospital groups) whose data the service keeps apart.

use sea_orm_migration::prelude::*;

use crate::audit_columns;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(Tenants::Table)
            .col(ColumnDef::new(Tenants::Id).uuid().not_null().primary_key())
            .col(ColumnDef::new(Tenants::Code).string_len(16).not_null())
            .col(ColumnDef::new(Tenants::Name).string_len(200).not_null())
            .col(ColumnDef::new(Tenants::TimeZone).string_len(64).not_null())
            .col(ColumnDef::new(Tenants::IsActive).boolean().not_null());
        audit_columns(&mut table);
        manager.create_table(table).await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_tenants_code")
                    .table(Tenants::Table)
                    .col(Tenants::Code)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Tenants::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Tenants {
    Table,
    Id,
    Code,
    Name,
    TimeZone,
    IsActive,
}
