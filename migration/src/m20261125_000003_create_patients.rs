//! Patients of a tenant. The MRN is unique within the tenant.

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
            .table(Patients::Table)
            .col(ColumnDef::new(Patients::Id).uuid().not_null().primary_key())
            .col(ColumnDef::new(Patients::TenantId).uuid().not_null())
            .col(ColumnDef::new(Patients::Mrn).string_len(64).not_null())
            .col(
                ColumnDef::new(Patients::GivenName)
                    .string_len(100)
                    .not_null(),
            )
            .col(
                ColumnDef::new(Patients::FamilyName)
                    .string_len(100)
                    .not_null(),
            )
            .col(ColumnDef::new(Patients::BirthDate).date().not_null())
            .col(ColumnDef::new(Patients::Sex).string_len(16).not_null())
            .foreign_key(
                ForeignKey::create()
                    .name("fk_patients_tenant")
                    .from(Patients::Table, Patients::TenantId)
                    .to(Tenants::Table, Tenants::Id)
                    .on_delete(ForeignKeyAction::Restrict),
            );
        audit_columns(&mut table);
        manager.create_table(table).await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_patients_tenant_id")
                    .table(Patients::Table)
                    .col(Patients::TenantId)
                    .col(Patients::Id)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_patients_tenant_mrn")
                    .table(Patients::Table)
                    .col(Patients::TenantId)
                    .col(Patients::Mrn)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_patients_tenant_family_name")
                    .table(Patients::Table)
                    .col(Patients::TenantId)
                    .col(Patients::FamilyName)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Patients::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Patients {
    Table,
    Id,
    TenantId,
    Mrn,
    GivenName,
    FamilyName,
    BirthDate,
    Sex,
}
