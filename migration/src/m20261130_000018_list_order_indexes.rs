//! Indexes in the default order of the large lists (`-created_at`, then id), so that a page is
//! read from the index in order and costs its rows, not a sort of the tenant's whole history:
//! the four order tables, approval requests, patients and providers.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables, each indexed on `(tenant_id, created_at, id)`.
const TABLES: [&str; 7] = [
    "lab_orders",
    "imaging_orders",
    "prescriptions",
    "surgical_cases",
    "approval_requests",
    "patients",
    "providers",
];

fn index_name(table: &str) -> String {
    format!("ix_{table}_tenant_created")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .create_index(
                    Index::create()
                        .name(index_name(table))
                        .table(Alias::new(table))
                        .col(Alias::new("tenant_id"))
                        .col(Alias::new("created_at"))
                        .col(Alias::new("id"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .drop_index(
                    Index::drop()
                        .name(index_name(table))
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
