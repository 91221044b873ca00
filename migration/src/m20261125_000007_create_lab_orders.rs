//! Lab orders; their tests are a JSON list of `{test_name, cpt_code}`.

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
            .table(LabOrders::Table)
            .col(
                ColumnDef::new(LabOrders::Id)
                    .uuid()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(LabOrders::TenantId).uuid().not_null())
            .col(
                ColumnDef::new(LabOrders::OrderNumber)
                    .string_len(32)
                    .not_null(),
            )
            .col(ColumnDef::new(LabOrders::PatientId).uuid().not_null())
            .col(
                ColumnDef::new(LabOrders::OrderingProviderId)
                    .uuid()
                    .not_null(),
            )
            .col(ColumnDef::new(LabOrders::Tests).json_binary().not_null())
            .col(
                ColumnDef::new(LabOrders::DiagnosisCode)
                    .string_len(8)
                    .not_null(),
            )
            .col(
                ColumnDef::new(LabOrders::ClinicalIndication)
                    .string_len(2000)
                    .not_null(),
            )
            .col(
                ColumnDef::new(LabOrders::CollectionDatetime)
                    .timestamp_with_time_zone()
                    .null(),
            )
            // The tenant-local date of the service instant, kept with it so that date rules
            // (the date that matters, DOMAIN.md §1) run in SQL on every database.
            .col(ColumnDef::new(LabOrders::ServiceDate).date().null())
            .col(
                ColumnDef::new(LabOrders::Priority)
                    .string_len(16)
                    .not_null(),
            )
            .col(ColumnDef::new(LabOrders::Status).string_len(16).not_null())
            .foreign_key(&mut tenant_fk(
                "fk_lab_orders_patient",
                LabOrders::Table,
                LabOrders::PatientId,
                Patients::Table,
            ))
            .foreign_key(&mut tenant_fk(
                "fk_lab_orders_ordering_provider",
                LabOrders::Table,
                LabOrders::OrderingProviderId,
                Providers::Table,
            ));
        audit_columns(&mut table);
        manager.create_table(table).await?;
        for statement in {
            use LabOrders::*;
            [
                index("ux_lab_orders_tenant_id", Table, [TenantId, Id], true),
                index(
                    "ux_lab_orders_tenant_number",
                    Table,
                    [TenantId, OrderNumber],
                    true,
                ),
                index(
                    "ix_lab_orders_tenant_patient",
                    Table,
                    [TenantId, PatientId],
                    false,
                ),
                index(
                    "ix_lab_orders_tenant_provider",
                    Table,
                    [TenantId, OrderingProviderId],
                    false,
                ),
                index(
                    "ix_lab_orders_tenant_status",
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
            .drop_table(Table::drop().table(LabOrders::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum LabOrders {
    Table,
    Id,
    TenantId,
    OrderNumber,
    PatientId,
    OrderingProviderId,
    Tests,
    DiagnosisCode,
    ClinicalIndication,
    CollectionDatetime,
    ServiceDate,
    Priority,
    Status,
}
