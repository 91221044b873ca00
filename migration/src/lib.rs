//! Schema migrations, one file per step. A migration that has landed on `main` is never edited:
//! a change to the schema is a new file, with a `down` that undoes exactly its `up`.

pub use sea_orm_migration::migrator::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_tenants;
mod m20261125_000002_create_providers;
mod m20261125_000003_create_patients;
mod m20261125_000004_create_insurance_info;

/// The ordered list of every migration of the service.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_tenants::Migration),
            Box::new(m20261125_000002_create_providers::Migration),
            Box::new(m20261125_000003_create_patients::Migration),
            Box::new(m20261125_000004_create_insurance_info::Migration),
        ]
    }
}

/// Columns every resource table shares: creation and change instants and the optimistic-lock
/// version (`ETag`).
pub(crate) fn audit_columns(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(
            ColumnDef::new(Audit::CreatedAt)
                .timestamp_with_time_zone()
                .not_null(),
        )
        .col(
            ColumnDef::new(Audit::UpdatedAt)
                .timestamp_with_time_zone()
                .not_null(),
        )
        .col(ColumnDef::new(Audit::Version).integer().not_null())
}

#[derive(DeriveIden)]
pub(crate) enum Audit {
    CreatedAt,
    UpdatedAt,
    Version,
}
