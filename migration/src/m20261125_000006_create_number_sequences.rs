//! Per-tenant counters behind order and request numbers. A counter only grows, inside the
//! transaction that inserts the numbered row: numbers are gapless, never duplicated, and never
//! reused after a delete.

use sea_orm_migration::prelude::*;

use crate::m20261125_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NumberSequences::Table)
                    .col(ColumnDef::new(NumberSequences::TenantId).uuid().not_null())
                    // LAB, IMG, RX, SURG, APR.
                    .col(
                        ColumnDef::new(NumberSequences::Kind)
                            .string_len(8)
                            .not_null(),
                    )
                    // Empty, or the day (YYYYMMDD) for per-day numbers.
                    .col(
                        ColumnDef::new(NumberSequences::Scope)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NumberSequences::LastValue)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(NumberSequences::TenantId)
                            .col(NumberSequences::Kind)
                            .col(NumberSequences::Scope),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_number_sequences_tenant")
                            .from(NumberSequences::Table, NumberSequences::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(NumberSequences::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum NumberSequences {
    Table,
    TenantId,
    Kind,
    Scope,
    LastValue,
}
