//! Prescriptions of formulary medications, with a recorded prior authorization when there is one.

use sea_orm_migration::prelude::*;

use crate::m20261125_000002_create_providers::Providers;
use crate::m20261125_000003_create_patients::Patients;
use crate::m20261125_000005_create_medications::Medications;
use crate::{audit_columns, index, tenant_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(Prescriptions::Table)
            .col(
                ColumnDef::new(Prescriptions::Id)
                    .uuid()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(Prescriptions::TenantId).uuid().not_null())
            .col(
                ColumnDef::new(Prescriptions::PrescriptionNumber)
                    .string_len(32)
                    .not_null(),
            )
            .col(ColumnDef::new(Prescriptions::PatientId).uuid().not_null())
            .col(
                ColumnDef::new(Prescriptions::PrescriberId)
                    .uuid()
                    .not_null(),
            )
            .col(
                ColumnDef::new(Prescriptions::MedicationId)
                    .uuid()
                    .not_null(),
            )
            .col(
                ColumnDef::new(Prescriptions::QuantityPrescribed)
                    .decimal_len(12, 3)
                    .not_null(),
            )
            .col(
                ColumnDef::new(Prescriptions::QuantityUnit)
                    .string_len(32)
                    .not_null(),
            )
            .col(
                ColumnDef::new(Prescriptions::DiagnosisCode)
                    .string_len(8)
                    .not_null(),
            )
            .col(
                ColumnDef::new(Prescriptions::Indication)
                    .string_len(2000)
                    .null(),
            )
            .col(ColumnDef::new(Prescriptions::DateWritten).date().not_null())
            .col(
                ColumnDef::new(Prescriptions::PriorAuthorizationRequired)
                    .boolean()
                    .not_null(),
            )
            .col(
                ColumnDef::new(Prescriptions::PriorAuthorizationNumber)
                    .string_len(64)
                    .null(),
            )
            .col(
                ColumnDef::new(Prescriptions::PriorAuthorizationExpiry)
                    .date()
                    .null(),
            )
            .col(
                ColumnDef::new(Prescriptions::Status)
                    .string_len(16)
                    .not_null(),
            )
            .foreign_key(&mut tenant_fk(
                "fk_prescriptions_patient",
                Prescriptions::Table,
                Prescriptions::PatientId,
                Patients::Table,
            ))
            .foreign_key(&mut tenant_fk(
                "fk_prescriptions_prescriber",
                Prescriptions::Table,
                Prescriptions::PrescriberId,
                Providers::Table,
            ))
            .foreign_key(&mut tenant_fk(
                "fk_prescriptions_medication",
                Prescriptions::Table,
                Prescriptions::MedicationId,
                Medications::Table,
            ));
        audit_columns(&mut table);
        manager.create_table(table).await?;
        for statement in {
            use Prescriptions::*;
            [
                index("ux_prescriptions_tenant_id", Table, [TenantId, Id], true),
                index(
                    "ux_prescriptions_tenant_number",
                    Table,
                    [TenantId, PrescriptionNumber],
                    true,
                ),
                index(
                    "ix_prescriptions_tenant_patient",
                    Table,
                    [TenantId, PatientId],
                    false,
                ),
                index(
                    "ix_prescriptions_tenant_prescriber",
                    Table,
                    [TenantId, PrescriberId],
                    false,
                ),
                index(
                    "ix_prescriptions_tenant_medication",
                    Table,
                    [TenantId, MedicationId],
                    false,
                ),
                index(
                    "ix_prescriptions_tenant_status",
                    Table,
                    [TenantId, Status],
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
            .drop_table(Table::drop().table(Prescriptions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Prescriptions {
    Table,
    Id,
    TenantId,
    PrescriptionNumber,
    PatientId,
    PrescriberId,
    MedicationId,
    QuantityPrescribed,
    QuantityUnit,
    DiagnosisCode,
    Indication,
    DateWritten,
    PriorAuthorizationRequired,
    PriorAuthorizationNumber,
    PriorAuthorizationExpiry,
    Status,
}
