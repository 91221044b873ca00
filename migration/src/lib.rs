//! Schema migrations, one file per step. A migration that has landed on `main` is never edited:
//! a change to the schema is a new file, with a `down` that undoes exactly its `up`.

pub use sea_orm_migration::migrator::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_tenants;
mod m20261125_000002_create_providers;
mod m20261125_000003_create_patients;
mod m20261125_000004_create_insurance_info;
mod m20261125_000005_create_medications;
mod m20261125_000006_create_number_sequences;
mod m20261125_000007_create_lab_orders;
mod m20261125_000008_create_imaging_orders;
mod m20261125_000009_create_prescriptions;
mod m20261125_000010_create_surgical_cases;
mod m20261125_000011_create_approval_templates;
mod m20261125_000012_create_approval_requests;
mod m20261125_000013_create_approval_companions;
mod m20261129_000014_number_values_and_imaging_cpt_codes;
mod m20261129_000015_create_order_approval_states;
mod m20261129_000016_create_idempotency_keys;
mod m20261129_000017_create_audit_events;
mod m20261130_000018_list_order_indexes;

/// The source text of this file and of every migration: the tests name their cached,
/// migrated PostgreSQL template after it, so that any change to a migration rebuilds it.
pub const SOURCES: &[&str] = &[
    include_str!("lib.rs"),
    include_str!("m20261125_000001_create_tenants.rs"),
    include_str!("m20261125_000002_create_providers.rs"),
    include_str!("m20261125_000003_create_patients.rs"),
    include_str!("m20261125_000004_create_insurance_info.rs"),
    include_str!("m20261125_000005_create_medications.rs"),
    include_str!("m20261125_000006_create_number_sequences.rs"),
    include_str!("m20261125_000007_create_lab_orders.rs"),
    include_str!("m20261125_000008_create_imaging_orders.rs"),
    include_str!("m20261125_000009_create_prescriptions.rs"),
    include_str!("m20261125_000010_create_surgical_cases.rs"),
    include_str!("m20261125_000011_create_approval_templates.rs"),
    include_str!("m20261125_000012_create_approval_requests.rs"),
    include_str!("m20261125_000013_create_approval_companions.rs"),
    include_str!("m20261129_000014_number_values_and_imaging_cpt_codes.rs"),
    include_str!("m20261129_000015_create_order_approval_states.rs"),
    include_str!("m20261129_000016_create_idempotency_keys.rs"),
    include_str!("m20261129_000017_create_audit_events.rs"),
    include_str!("m20261130_000018_list_order_indexes.rs"),
];

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
            Box::new(m20261125_000005_create_medications::Migration),
            Box::new(m20261125_000006_create_number_sequences::Migration),
            Box::new(m20261125_000007_create_lab_orders::Migration),
            Box::new(m20261125_000008_create_imaging_orders::Migration),
            Box::new(m20261125_000009_create_prescriptions::Migration),
            Box::new(m20261125_000010_create_surgical_cases::Migration),
            Box::new(m20261125_000011_create_approval_templates::Migration),
            Box::new(m20261125_000012_create_approval_requests::Migration),
            Box::new(m20261125_000013_create_approval_companions::Migration),
            Box::new(m20261129_000014_number_values_and_imaging_cpt_codes::Migration),
            Box::new(m20261129_000015_create_order_approval_states::Migration),
            Box::new(m20261129_000016_create_idempotency_keys::Migration),
            Box::new(m20261129_000017_create_audit_events::Migration),
            Box::new(m20261130_000018_list_order_indexes::Migration),
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

/// An index over `columns` of `table` (added with the clinical orders; earlier migrations spell
/// their indexes out).
pub(crate) fn index<T, C, const N: usize>(
    name: &str,
    table: T,
    columns: [C; N],
    unique: bool,
) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIden,
{
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}

/// A foreign key over `(tenant_id, <column>)` to `(tenant_id, id)` of `to`: a row can only
/// point at a row of its own tenant. RESTRICT: the referenced row cannot be deleted under it.
pub(crate) fn tenant_fk<F, C, T>(name: &str, from: F, column: C, to: T) -> ForeignKeyCreateStatement
where
    F: IntoIden,
    C: IntoIden,
    T: IntoIden,
{
    ForeignKey::create()
        .name(name)
        .from(
            from,
            (TenantScoped::TenantId.into_iden(), column.into_iden()),
        )
        .to(to, (TenantScoped::TenantId, TenantScoped::Id))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[derive(DeriveIden)]
pub(crate) enum TenantScoped {
    TenantId,
    Id,
}

/// As [`tenant_fk`], but the row goes with the row it belongs to (history, communications and
/// documents of an approval request).
pub(crate) fn tenant_fk_cascade<F, C, T>(
    name: &str,
    from: F,
    column: C,
    to: T,
) -> ForeignKeyCreateStatement
where
    F: IntoIden,
    C: IntoIden,
    T: IntoIden,
{
    tenant_fk(name, from, column, to)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}
