//! What accompanies an approval request: its status history, its communication log with the
//! payer, and its supporting documents (metadata). They go with the request when it is deleted
//! (only a never-submitted DRAFT can be).

use sea_orm_migration::prelude::*;

use crate::m20261125_000012_create_approval_requests::ApprovalRequests;
use crate::{index, tenant_fk_cascade};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(History::Table)
                    .col(ColumnDef::new(History::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(History::TenantId).uuid().not_null())
                    .col(ColumnDef::new(History::ApprovalRequestId).uuid().not_null())
                    .col(ColumnDef::new(History::Seq).integer().not_null())
                    .col(ColumnDef::new(History::FromStatus).string_len(32).null())
                    .col(ColumnDef::new(History::ToStatus).string_len(32).not_null())
                    .col(
                        ColumnDef::new(History::ChangedBy)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(History::ChangedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(History::Reason).string_len(2000).null())
                    .foreign_key(&mut tenant_fk_cascade(
                        "fk_approval_status_history_request",
                        History::Table,
                        History::ApprovalRequestId,
                        ApprovalRequests::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_approval_status_history_request_seq",
                History::Table,
                [History::TenantId, History::ApprovalRequestId, History::Seq],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Communications::Table)
                    .col(
                        ColumnDef::new(Communications::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Communications::TenantId).uuid().not_null())
                    .col(
                        ColumnDef::new(Communications::ApprovalRequestId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Communications::Channel)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Communications::Direction)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Communications::ContactName)
                            .string_len(200)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Communications::Summary)
                            .string_len(4000)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Communications::Outcome)
                            .string_len(2000)
                            .null(),
                    )
                    .col(ColumnDef::new(Communications::FollowUpDate).date().null())
                    .col(
                        ColumnDef::new(Communications::Author)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Communications::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut tenant_fk_cascade(
                        "fk_approval_communications_request",
                        Communications::Table,
                        Communications::ApprovalRequestId,
                        ApprovalRequests::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_approval_communications_request",
                Communications::Table,
                [Communications::TenantId, Communications::ApprovalRequestId],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Documents::Table)
                    .col(
                        ColumnDef::new(Documents::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Documents::TenantId).uuid().not_null())
                    .col(
                        ColumnDef::new(Documents::ApprovalRequestId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Documents::Title).string_len(300).not_null())
                    .col(ColumnDef::new(Documents::Kind).string_len(64).not_null())
                    .col(
                        ColumnDef::new(Documents::Reference)
                            .string_len(1000)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Documents::Sha256).string_len(64).null())
                    .col(ColumnDef::new(Documents::Author).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Documents::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut tenant_fk_cascade(
                        "fk_approval_documents_request",
                        Documents::Table,
                        Documents::ApprovalRequestId,
                        ApprovalRequests::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_approval_documents_request",
                Documents::Table,
                [Documents::TenantId, Documents::ApprovalRequestId],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Documents::Table.into_iden(),
            Communications::Table.into_iden(),
            History::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum History {
    #[sea_orm(iden = "approval_status_history")]
    Table,
    Id,
    TenantId,
    ApprovalRequestId,
    Seq,
    FromStatus,
    ToStatus,
    ChangedBy,
    ChangedAt,
    Reason,
}

#[derive(DeriveIden)]
enum Communications {
    #[sea_orm(iden = "approval_communications")]
    Table,
    Id,
    TenantId,
    ApprovalRequestId,
    Channel,
    Direction,
    ContactName,
    Summary,
    Outcome,
    FollowUpDate,
    Author,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Documents {
    #[sea_orm(iden = "approval_documents")]
    Table,
    Id,
    TenantId,
    ApprovalRequestId,
    Title,
    Kind,
    Reference,
    Sha256,
    Author,
    CreatedAt,
}
