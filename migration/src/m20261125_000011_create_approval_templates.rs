//! Approval request templates: reusable starting points per service and payer.

use sea_orm_migration::prelude::*;

use crate::m20261125_000001_create_tenants::Tenants;
use crate::{audit_columns, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(ApprovalTemplates::Table)
            .col(
                ColumnDef::new(ApprovalTemplates::Id)
                    .uuid()
                    .not_null()
                    .primary_key(),
            )
            .col(
                ColumnDef::new(ApprovalTemplates::TenantId)
                    .uuid()
                    .not_null(),
            )
            .col(
                ColumnDef::new(ApprovalTemplates::Name)
                    .string_len(200)
                    .not_null(),
            )
            .col(
                ColumnDef::new(ApprovalTemplates::RequestType)
                    .string_len(32)
                    .not_null(),
            )
            .col(
                ColumnDef::new(ApprovalTemplates::PayerName)
                    .string_len(200)
                    .null(),
            )
            .col(
                ColumnDef::new(ApprovalTemplates::ProcedureCodes)
                    .json_binary()
                    .not_null(),
            )
            .col(
                ColumnDef::new(ApprovalTemplates::ServiceDescription)
                    .string_len(2000)
                    .null(),
            )
            .col(
                ColumnDef::new(ApprovalTemplates::ClinicalJustification)
                    .string_len(4000)
                    .null(),
            )
            .col(
                ColumnDef::new(ApprovalTemplates::RequiredDocuments)
                    .json_binary()
                    .not_null(),
            )
            .col(
                ColumnDef::new(ApprovalTemplates::TypicalTurnaroundDays)
                    .integer()
                    .null(),
            )
            .col(
                ColumnDef::new(ApprovalTemplates::IsActive)
                    .boolean()
                    .not_null(),
            )
            .foreign_key(
                ForeignKey::create()
                    .name("fk_approval_templates_tenant")
                    .from(ApprovalTemplates::Table, ApprovalTemplates::TenantId)
                    .to(Tenants::Table, Tenants::Id)
                    .on_delete(ForeignKeyAction::Restrict),
            );
        audit_columns(&mut table);
        manager.create_table(table).await?;
        for statement in {
            use ApprovalTemplates::*;
            [
                index(
                    "ux_approval_templates_tenant_id",
                    Table,
                    [TenantId, Id],
                    true,
                ),
                index(
                    "ux_approval_templates_tenant_name",
                    Table,
                    [TenantId, Name],
                    true,
                ),
            ]
        } {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApprovalTemplates::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum ApprovalTemplates {
    Table,
    Id,
    TenantId,
    Name,
    RequestType,
    PayerName,
    ProcedureCodes,
    ServiceDescription,
    ClinicalJustification,
    RequiredDocuments,
    TypicalTurnaroundDays,
    IsActive,
}
