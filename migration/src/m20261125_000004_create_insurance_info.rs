//! Insurance coverages of a patient (the seeds' `insurance_info`).

use sea_orm_migration::prelude::*;

use crate::audit_columns;
use crate::m20261125_000003_create_patients::Patients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(InsuranceInfo::Table)
            .col(
                ColumnDef::new(InsuranceInfo::Id)
                    .uuid()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(InsuranceInfo::TenantId).uuid().not_null())
            .col(ColumnDef::new(InsuranceInfo::PatientId).uuid().not_null())
            .col(
                ColumnDef::new(InsuranceInfo::PayerName)
                    .string_len(200)
                    .not_null(),
            )
            .col(
                ColumnDef::new(InsuranceInfo::PayerId)
                    .string_len(64)
                    .not_null(),
            )
            .col(
                ColumnDef::new(InsuranceInfo::PlanName)
                    .string_len(200)
                    .null(),
            )
            .col(
                ColumnDef::new(InsuranceInfo::MemberId)
                    .string_len(64)
                    .not_null(),
            )
            .col(
                ColumnDef::new(InsuranceInfo::GroupNumber)
                    .string_len(64)
                    .null(),
            )
            .col(
                ColumnDef::new(InsuranceInfo::Priority)
                    .string_len(16)
                    .not_null(),
            )
            .col(
                ColumnDef::new(InsuranceInfo::EffectiveDate)
                    .date()
                    .not_null(),
            )
            .col(ColumnDef::new(InsuranceInfo::TerminationDate).date().null())
            // Over (tenant_id, patient_id): a coverage can only belong to a patient of its own
            // tenant, whatever the code does. A patient with coverage cannot be deleted.
            .foreign_key(
                ForeignKey::create()
                    .name("fk_insurance_info_patient")
                    .from(
                        InsuranceInfo::Table,
                        (InsuranceInfo::TenantId, InsuranceInfo::PatientId),
                    )
                    .to(Patients::Table, (Patients::TenantId, Patients::Id))
                    .on_delete(ForeignKeyAction::Restrict),
            );
        audit_columns(&mut table);
        manager.create_table(table).await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_insurance_info_tenant_patient")
                    .table(InsuranceInfo::Table)
                    .col(InsuranceInfo::TenantId)
                    .col(InsuranceInfo::PatientId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_insurance_info_tenant_id")
                    .table(InsuranceInfo::Table)
                    .col(InsuranceInfo::TenantId)
                    .col(InsuranceInfo::Id)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InsuranceInfo::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum InsuranceInfo {
    Table,
    Id,
    TenantId,
    PatientId,
    PayerName,
    PayerId,
    PlanName,
    MemberId,
    GroupNumber,
    Priority,
    EffectiveDate,
    TerminationDate,
}
