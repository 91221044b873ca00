//! Imaging (radiology) orders.

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
            .table(ImagingOrders::Table)
            .col(
                ColumnDef::new(ImagingOrders::Id)
                    .uuid()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(ImagingOrders::TenantId).uuid().not_null())
            .col(
                ColumnDef::new(ImagingOrders::OrderNumber)
                    .string_len(32)
                    .not_null(),
            )
            .col(ColumnDef::new(ImagingOrders::PatientId).uuid().not_null())
            .col(
                ColumnDef::new(ImagingOrders::OrderingProviderId)
                    .uuid()
                    .not_null(),
            )
            .col(
                ColumnDef::new(ImagingOrders::Modality)
                    .string_len(4)
                    .not_null(),
            )
            .col(
                ColumnDef::new(ImagingOrders::StudyDescription)
                    .string_len(500)
                    .not_null(),
            )
            .col(
                ColumnDef::new(ImagingOrders::BodyPart)
                    .string_len(100)
                    .not_null(),
            )
            .col(
                ColumnDef::new(ImagingOrders::DiagnosisCode)
                    .string_len(8)
                    .not_null(),
            )
            .col(
                ColumnDef::new(ImagingOrders::ClinicalIndication)
                    .string_len(2000)
                    .not_null(),
            )
            .col(
                ColumnDef::new(ImagingOrders::RequestedDatetime)
                    .timestamp_with_time_zone()
                    .null(),
            )
            // The tenant-local date of the service instant, kept with it so that date rules
            // (the date that matters, DOMAIN.md §1) run in SQL on every database.
            .col(ColumnDef::new(ImagingOrders::ServiceDate).date().null())
            .col(ColumnDef::new(ImagingOrders::IsStat).boolean().not_null())
            .col(
                ColumnDef::new(ImagingOrders::Status)
                    .string_len(16)
                    .not_null(),
            )
            .foreign_key(&mut tenant_fk(
                "fk_imaging_orders_patient",
                ImagingOrders::Table,
                ImagingOrders::PatientId,
                Patients::Table,
            ))
            .foreign_key(&mut tenant_fk(
                "fk_imaging_orders_ordering_provider",
                ImagingOrders::Table,
                ImagingOrders::OrderingProviderId,
                Providers::Table,
            ));
        audit_columns(&mut table);
        manager.create_table(table).await?;
        for statement in {
            use ImagingOrders::*;
            [
                index("ux_imaging_orders_tenant_id", Table, [TenantId, Id], true),
                index(
                    "ux_imaging_orders_tenant_number",
                    Table,
                    [TenantId, OrderNumber],
                    true,
                ),
                index(
                    "ix_imaging_orders_tenant_patient",
                    Table,
                    [TenantId, PatientId],
                    false,
                ),
                index(
                    "ix_imaging_orders_tenant_provider",
                    Table,
                    [TenantId, OrderingProviderId],
                    false,
                ),
                index(
                    "ix_imaging_orders_tenant_status",
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
            .drop_table(Table::drop().table(ImagingOrders::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum ImagingOrders {
    Table,
    Id,
    TenantId,
    OrderNumber,
    PatientId,
    OrderingProviderId,
    Modality,
    StudyDescription,
    BodyPart,
    DiagnosisCode,
    ClinicalIndication,
    RequestedDatetime,
    ServiceDate,
    IsStat,
    Status,
}
