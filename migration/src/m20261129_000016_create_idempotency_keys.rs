//! Idempotency keys: a client's `Idempotency-Key` on a write, scoped to its tenant, user, method
//! and path, with a fingerprint of the request and, once answered, the answer to replay. Kept
//! in the database so that a retry reaching another instance is recognised too; rows are kept
//! 24 hours.

use sea_orm_migration::prelude::*;

use crate::m20261125_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use IdempotencyKeys as K;
        manager
            .create_table(
                Table::create()
                    .table(K::Table)
                    .col(ColumnDef::new(K::TenantId).uuid().not_null())
                    .col(ColumnDef::new(K::UserSub).string_len(200).not_null())
                    .col(ColumnDef::new(K::Method).string_len(8).not_null())
                    .col(ColumnDef::new(K::Path).string_len(512).not_null())
                    .col(ColumnDef::new(K::Key).string_len(255).not_null())
                    // SHA-256 of the query string, content type and body, hex.
                    .col(ColumnDef::new(K::Fingerprint).string_len(64).not_null())
                    // Null while the first request runs.
                    .col(ColumnDef::new(K::ResponseStatus).small_integer().null())
                    // The headers to replay (content type, location, ETag), a JSON object.
                    .col(ColumnDef::new(K::ResponseHeaders).text().null())
                    .col(ColumnDef::new(K::ResponseBody).text().null())
                    .col(
                        ColumnDef::new(K::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(K::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(K::TenantId)
                            .col(K::UserSub)
                            .col(K::Method)
                            .col(K::Path)
                            .col(K::Key),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_idempotency_keys_tenant")
                            .from(K::Table, K::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_idempotency_keys_expires_at")
                    .table(K::Table)
                    .col(K::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    TenantId,
    UserSub,
    Method,
    Path,
    Key,
    Fingerprint,
    ResponseStatus,
    ResponseHeaders,
    ResponseBody,
    CreatedAt,
    ExpiresAt,
}
