//! Surgical cases (operating theatre bookings).

use sea_orm_migration::prelude::*;

use crate::m20261125_000002_create_providers::Providers;
use crate::m20261125_000003_create_patients::Patients;
use crate::{audit_columns, index, tenant_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(SurgicalCases::Table)
            .col(
                ColumnDef::new(SurgicalCases::Id)
                    .uuid()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(SurgicalCases::TenantId).uuid().not_null())
            .col(
                ColumnDef::new(SurgicalCases::CaseNumber)
                    .string_len(32)
                    .not_null(),
            )
            .col(ColumnDef::new(SurgicalCases::PatientId).uuid().not_null())
            .col(
                ColumnDef::new(SurgicalCases::PrimarySurgeonId)
                    .uuid()
                    .not_null(),
            )
            .col(
                ColumnDef::new(SurgicalCases::PrimaryProcedure)
                    .string_len(500)
                    .not_null(),
            )
            .col(
                ColumnDef::new(SurgicalCases::ProcedureCodes)
                    .json_binary()
                    .not_null(),
            )
            .col(
                ColumnDef::new(SurgicalCases::Diagnosis)
                    .string_len(500)
                    .not_null(),
            )
            .col(
                ColumnDef::new(SurgicalCases::DiagnosisCodes)
                    .json_binary()
                    .not_null(),
            )
            .col(
                ColumnDef::new(SurgicalCases::ClinicalNotes)
                    .string_len(4000)
                    .null(),
            )
            .col(
                ColumnDef::new(SurgicalCases::ScheduledStart)
                    .timestamp_with_time_zone()
                    .not_null(),
            )
            // The tenant-local date of the service instant, kept with it so that date rules
            // (the date that matters, DOMAIN.md §1) run in SQL on every database.
            .col(ColumnDef::new(SurgicalCases::ServiceDate).date().null())
            .col(
                ColumnDef::new(SurgicalCases::IsEmergency)
                    .boolean()
                    .not_null(),
            )
            .col(
                ColumnDef::new(SurgicalCases::Status)
                    .string_len(16)
                    .not_null(),
            )
            .foreign_key(&mut tenant_fk(
                "fk_surgical_cases_patient",
                SurgicalCases::Table,
                SurgicalCases::PatientId,
                Patients::Table,
            ))
            .foreign_key(&mut tenant_fk(
                "fk_surgical_cases_primary_surgeon",
                SurgicalCases::Table,
                SurgicalCases::PrimarySurgeonId,
                Providers::Table,
            ));
        audit_columns(&mut table);
        manager.create_table(table).await?;
        for statement in {
            use SurgicalCases::*;
            [
                index("ux_surgical_cases_tenant_id", Table, [TenantId, Id], true),
                index(
                    "ux_surgical_cases_tenant_number",
                    Table,
                    [TenantId, CaseNumber],
                    true,
                ),
                index(
                    "ix_surgical_cases_tenant_patient",
                    Table,
                    [TenantId, PatientId],
                    false,
                ),
                index(
                    "ix_surgical_cases_tenant_surgeon",
                    Table,
                    [TenantId, PrimarySurgeonId],
                    false,
                ),
                index(
                    "ix_surgical_cases_tenant_start",
                    Table,
                    [TenantId, ScheduledStart],
                    false,
                ),
            ]
        } {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SurgicalCases::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum SurgicalCases {
    Table,
    Id,
    TenantId,
    CaseNumber,
    PatientId,
    PrimarySurgeonId,
    PrimaryProcedure,
    ProcedureCodes,
    Diagnosis,
    DiagnosisCodes,
    ClinicalNotes,
    ScheduledStart,
    ServiceDate,
    IsEmergency,
    Status,
}
