//! Approval requests. The link to an order is one nullable foreign key per order kind, each over
//! `(tenant_id, <order>_id)` with RESTRICT (no order can be deleted from under a request), and a
//! CHECK that at most one is set.

use sea_orm_migration::prelude::*;

use crate::m20261125_000002_create_providers::Providers;
use crate::m20261125_000003_create_patients::Patients;
use crate::m20261125_000004_create_insurance_info::InsuranceInfo;
use crate::m20261125_000007_create_lab_orders::LabOrders;
use crate::m20261125_000008_create_imaging_orders::ImagingOrders;
use crate::m20261125_000009_create_prescriptions::Prescriptions;
use crate::m20261125_000010_create_surgical_cases::SurgicalCases;
use crate::m20261125_000011_create_approval_templates::ApprovalTemplates;
use crate::{audit_columns, index, tenant_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ApprovalRequests as A;
        let mut table = Table::create();
        table
            .table(A::Table)
            .col(ColumnDef::new(A::Id).uuid().not_null().primary_key())
            .col(ColumnDef::new(A::TenantId).uuid().not_null())
            .col(ColumnDef::new(A::ApprovalNumber).string_len(32).not_null())
            .col(ColumnDef::new(A::PatientId).uuid().not_null())
            .col(ColumnDef::new(A::InsuranceInfoId).uuid().null())
            .col(ColumnDef::new(A::TemplateId).uuid().null())
            .col(ColumnDef::new(A::RequestType).string_len(32).not_null())
            .col(ColumnDef::new(A::LabOrderId).uuid().null())
            .col(ColumnDef::new(A::ImagingOrderId).uuid().null())
            .col(ColumnDef::new(A::PrescriptionId).uuid().null())
            .col(ColumnDef::new(A::SurgicalCaseId).uuid().null())
            .col(
                ColumnDef::new(A::ServiceDescription)
                    .string_len(2000)
                    .null(),
            )
            .col(ColumnDef::new(A::ProcedureCodes).json_binary().not_null())
            .col(ColumnDef::new(A::DiagnosisCodes).json_binary().not_null())
            .col(
                ColumnDef::new(A::ClinicalJustification)
                    .string_len(4000)
                    .null(),
            )
            .col(ColumnDef::new(A::RequestingProviderId).uuid().null())
            .col(ColumnDef::new(A::ServiceStartDate).date().null())
            .col(ColumnDef::new(A::ServiceEndDate).date().null())
            .col(ColumnDef::new(A::Priority).string_len(16).not_null())
            .col(ColumnDef::new(A::IsExpedited).boolean().not_null())
            .col(ColumnDef::new(A::Status).string_len(32).not_null())
            // FULL or PARTIAL once a grant was decided; with the status it tells whether the
            // request holds a grant (a partial one survives an appeal).
            .col(ColumnDef::new(A::GrantKind).string_len(8).null())
            .col(ColumnDef::new(A::SubmissionMethod).string_len(16).null())
            .col(ColumnDef::new(A::PayerReference).string_len(100).null())
            .col(
                ColumnDef::new(A::AuthorizationNumber)
                    .string_len(100)
                    .null(),
            )
            .col(ColumnDef::new(A::EffectiveDate).date().null())
            .col(ColumnDef::new(A::ExpirationDate).date().null())
            .col(ColumnDef::new(A::RequestedQuantity).integer().null())
            .col(ColumnDef::new(A::ApprovedQuantity).integer().null())
            .col(ColumnDef::new(A::DenialReason).string_len(2000).null())
            .col(ColumnDef::new(A::DenialCode).string_len(32).null())
            .col(
                ColumnDef::new(A::SubmittedAt)
                    .timestamp_with_time_zone()
                    .null(),
            )
            .col(
                ColumnDef::new(A::DecisionDueAt)
                    .timestamp_with_time_zone()
                    .null(),
            )
            .col(
                ColumnDef::new(A::DecidedAt)
                    .timestamp_with_time_zone()
                    .null(),
            )
            .col(
                ColumnDef::new(A::AppealDecidedAt)
                    .timestamp_with_time_zone()
                    .null(),
            )
            .col(ColumnDef::new(A::CreatedBy).string_len(200).not_null())
            .check(Expr::cust(
                "(CASE WHEN lab_order_id IS NULL THEN 0 ELSE 1 END) \
                 + (CASE WHEN imaging_order_id IS NULL THEN 0 ELSE 1 END) \
                 + (CASE WHEN prescription_id IS NULL THEN 0 ELSE 1 END) \
                 + (CASE WHEN surgical_case_id IS NULL THEN 0 ELSE 1 END) <= 1",
            ))
            .foreign_key(&mut tenant_fk(
                "fk_approval_requests_patient",
                A::Table,
                A::PatientId,
                Patients::Table,
            ))
            .foreign_key(&mut tenant_fk(
                "fk_approval_requests_insurance_info",
                A::Table,
                A::InsuranceInfoId,
                InsuranceInfo::Table,
            ))
            .foreign_key(&mut tenant_fk(
                "fk_approval_requests_template",
                A::Table,
                A::TemplateId,
                ApprovalTemplates::Table,
            ))
            .foreign_key(&mut tenant_fk(
                "fk_approval_requests_requesting_provider",
                A::Table,
                A::RequestingProviderId,
                Providers::Table,
            ))
            .foreign_key(&mut tenant_fk(
                "fk_approval_requests_lab_order",
                A::Table,
                A::LabOrderId,
                LabOrders::Table,
            ))
            .foreign_key(&mut tenant_fk(
                "fk_approval_requests_imaging_order",
                A::Table,
                A::ImagingOrderId,
                ImagingOrders::Table,
            ))
            .foreign_key(&mut tenant_fk(
                "fk_approval_requests_prescription",
                A::Table,
                A::PrescriptionId,
                Prescriptions::Table,
            ))
            .foreign_key(&mut tenant_fk(
                "fk_approval_requests_surgical_case",
                A::Table,
                A::SurgicalCaseId,
                SurgicalCases::Table,
            ));
        audit_columns(&mut table);
        manager.create_table(table).await?;
        for statement in {
            use ApprovalRequests::*;
            [
                index(
                    "ux_approval_requests_tenant_id",
                    Table,
                    [TenantId, Id],
                    true,
                ),
                index(
                    "ux_approval_requests_tenant_number",
                    Table,
                    [TenantId, ApprovalNumber],
                    true,
                ),
                index(
                    "ix_approval_requests_tenant_status",
                    Table,
                    [TenantId, Status],
                    false,
                ),
                index(
                    "ix_approval_requests_tenant_patient",
                    Table,
                    [TenantId, PatientId],
                    false,
                ),
                index(
                    "ix_approval_requests_tenant_coverage",
                    Table,
                    [TenantId, InsuranceInfoId],
                    false,
                ),
                index(
                    "ix_approval_requests_tenant_template",
                    Table,
                    [TenantId, TemplateId],
                    false,
                ),
                index(
                    "ix_approval_requests_tenant_provider",
                    Table,
                    [TenantId, RequestingProviderId],
                    false,
                ),
                index(
                    "ix_approval_requests_tenant_lab_order",
                    Table,
                    [TenantId, LabOrderId],
                    false,
                ),
                index(
                    "ix_approval_requests_tenant_imaging_order",
                    Table,
                    [TenantId, ImagingOrderId],
                    false,
                ),
                index(
                    "ix_approval_requests_tenant_prescription",
                    Table,
                    [TenantId, PrescriptionId],
                    false,
                ),
                index(
                    "ix_approval_requests_tenant_surgical_case",
                    Table,
                    [TenantId, SurgicalCaseId],
                    false,
                ),
                index(
                    "ix_approval_requests_expiration_date",
                    Table,
                    [ExpirationDate],
                    false,
                ),
                index(
                    "ix_approval_requests_decision_due_at",
                    Table,
                    [DecisionDueAt],
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
            .drop_table(Table::drop().table(ApprovalRequests::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum ApprovalRequests {
    Table,
    Id,
    TenantId,
    ApprovalNumber,
    PatientId,
    InsuranceInfoId,
    TemplateId,
    RequestType,
    LabOrderId,
    ImagingOrderId,
    PrescriptionId,
    SurgicalCaseId,
    ServiceDescription,
    ProcedureCodes,
    DiagnosisCodes,
    ClinicalJustification,
    RequestingProviderId,
    ServiceStartDate,
    ServiceEndDate,
    Priority,
    IsExpedited,
    Status,
    GrantKind,
    SubmissionMethod,
    PayerReference,
    AuthorizationNumber,
    EffectiveDate,
    ExpirationDate,
    RequestedQuantity,
    ApprovedQuantity,
    DenialReason,
    DenialCode,
    SubmittedAt,
    DecisionDueAt,
    DecidedAt,
    AppealDecidedAt,
    CreatedBy,
}
