//! Database access shared by every resource: connecting, the tenant-scoped query helpers, the
//! versioned (compare-and-set) writes, and the one mapping from database errors to [`Error`]s.
//!
//! Every read and write of a tenant-owned row goes through [`scoped`] (or the helpers built on
//! it), which adds `tenant_id = <caller's tenant>`; forgetting the tenant filter would take
//! writing a query by hand.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectOptions, ConnectionTrait, Database,
    DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, QueryFilter, Select,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::audit::{self, Action};
use super::constraints;
use crate::base::error::{Error, ProblemCode};

/// Opens a pool on `url`. SQLite files get WAL journaling so that readers never wait for a
/// writer; every SQLite connection enforces foreign keys (sqlx's default, relied upon).
pub async fn connect(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        options.max_connections(8).min_connections(1);
    } else {
        options.max_connections(16);
    }
    let db = Database::connect(options).await?;
    if url.starts_with("sqlite:") && !url.contains(":memory:") && !url.contains("mode=memory") {
        db.execute_unprepared("PRAGMA journal_mode = WAL").await?;
    }
    Ok(db)
}

/// A table whose rows belong to a tenant, with the columns the generic helpers need.
pub trait TenantOwned: EntityTrait {
    /// The resource's name in messages ("patient").
    const NAME: &'static str;
    fn id_column() -> Self::Column;
    fn tenant_column() -> Self::Column;
    fn version_column() -> Self::Column;
    /// The version of a row (its `ETag`).
    fn version_of(model: &Self::Model) -> i32;
    /// The id of a row.
    fn id_of(model: &Self::Model) -> Uuid;
    fn updated_at_column() -> Self::Column;
    /// Records on `model` what a successful [`save_patch`] wrote: the instant and the next version.
    fn touch(model: &mut Self::Model, at: DateTime<Utc>);
    /// What deleting a row answers while other rows still refer to it.
    fn referenced() -> constraints::Constraint;
}

/// Every row of `E` that belongs to `tenant_id`, and no other.
pub fn scoped<E: TenantOwned>(tenant_id: Uuid) -> Select<E> {
    E::find().filter(E::tenant_column().eq(tenant_id))
}

/// One row of the caller's tenant, or 404 (also when the id exists in another tenant: the
/// answer must not tell the two apart).
pub async fn find_in_tenant<E: TenantOwned, C: ConnectionTrait>(
    db: &C,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<E::Model, Error> {
    scoped::<E>(tenant_id)
        .filter(E::id_column().eq(id))
        .one(db)
        .await?
        .ok_or(Error::not_found(E::NAME))
}

/// Writes `changes` to row `id` as a compare-and-set on its version: the row must still be at
/// `version`, and it moves to `version + 1` in the same statement. A writer that lost the race
/// gets 412 when it sent `If-Match`, else 409.
pub async fn update_versioned<E, A, C>(
    db: &C,
    tenant_id: Uuid,
    id: Uuid,
    version: i32,
    if_match: bool,
    changes: A,
) -> Result<(), Error>
where
    E: TenantOwned,
    A: ActiveModelTrait<Entity = E>,
    C: ConnectionTrait,
{
    let result = E::update_many()
        .set(changes)
        .col_expr(E::version_column(), Expr::value(version + 1))
        .filter(E::tenant_column().eq(tenant_id))
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(version))
        .exec(db)
        .await?;
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(lost_race(if_match))
    }
}

/// Inserts a new row of the tenant and records its creation in the audit trail, in one
/// transaction (a savepoint when `db` is one already).
pub async fn insert_audited<A, C>(
    db: &C,
    tenant_id: Uuid,
    at: DateTime<Utc>,
    row: A,
) -> Result<<A::Entity as EntityTrait>::Model, Error>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    A::Entity: TenantOwned,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db.begin().await?;
    let model = row.insert(&txn).await?;
    audit::record(
        &txn,
        tenant_id,
        at,
        Action::Create,
        &resource_type::<A::Entity>(),
        <A::Entity as TenantOwned>::id_of(&model),
        audit::created(&model),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Writes a merge patch of a row: `changes` and `updated_at` = `at`, as the compare-and-set of
/// [`update_versioned`] on the version `before` was read at, with the fields that changed from
/// `before` in the audit trail, in one transaction (a savepoint when `db` is one already). On
/// success `model` (the row with the patch merged) carries the new instant and version.
pub async fn save_patch<E, A, C>(
    db: &C,
    tenant_id: Uuid,
    before: &E::Model,
    model: &mut E::Model,
    if_match: bool,
    at: DateTime<Utc>,
    mut changes: A,
) -> Result<(), Error>
where
    E: TenantOwned,
    A: ActiveModelTrait<Entity = E>,
    C: ConnectionTrait + TransactionTrait,
{
    let changed = audit::changed(before, &changes);
    changes.set(E::updated_at_column(), at.into());
    let (id, version) = (E::id_of(before), E::version_of(before));
    let txn = db.begin().await?;
    update_versioned(&txn, tenant_id, id, version, if_match, changes).await?;
    let resource = resource_type::<E>();
    audit::record(&txn, tenant_id, at, Action::Update, &resource, id, changed).await?;
    txn.commit().await?;
    E::touch(model, at);
    Ok(())
}

/// Deletes `model` if it is still at its version (see [`update_versioned`]), with its last
/// values in the audit trail. When other rows still refer to it, the answer is the referring
/// constraint's 409 (SQLite names no constraint for a foreign key: then it is `E`'s own "still
/// referred to" answer).
pub async fn delete_versioned<E: TenantOwned, C: ConnectionTrait + TransactionTrait>(
    db: &C,
    tenant_id: Uuid,
    model: &E::Model,
    at: DateTime<Utc>,
    if_match: bool,
) -> Result<(), Error> {
    let (id, version) = (E::id_of(model), E::version_of(model));
    let txn = db.begin().await?;
    let result = E::delete_many()
        .filter(E::tenant_column().eq(tenant_id))
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(version))
        .exec(&txn)
        .await
        .map_err(|error| constraints::classify(error, E::referenced()))?;
    if result.rows_affected != 1 {
        return Err(lost_race(if_match));
    }
    let resource = resource_type::<E>();
    audit::record(
        &txn,
        tenant_id,
        at,
        Action::Delete,
        &resource,
        id,
        audit::deleted(model),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The name of `E` in the audit trail: `lab_order`, `insurance_coverage`…
pub fn resource_type<E: TenantOwned>() -> String {
    E::NAME.replace(' ', "_")
}

fn lost_race(if_match: bool) -> Error {
    if if_match {
        Error::StaleVersion { current: None }
    } else {
        Error::conflict(
            ProblemCode::EditConflict,
            "another request changed this resource at the same time; fetch it and try again",
        )
    }
}

/// Implements [`TenantOwned`] for a table module of the `entity` crate with `id`, `tenant_id`
/// and `version` columns.
macro_rules! tenant_owned {
    ($($module:ident => $name:literal, $referenced:ident;)+) => {$(
        impl TenantOwned for entity::$module::Entity {
            const NAME: &'static str = $name;
            fn id_column() -> Self::Column {
                entity::$module::Column::Id
            }
            fn tenant_column() -> Self::Column {
                entity::$module::Column::TenantId
            }
            fn version_column() -> Self::Column {
                entity::$module::Column::Version
            }
            fn version_of(model: &Self::Model) -> i32 {
                model.version
            }
            fn id_of(model: &Self::Model) -> Uuid {
                model.id
            }
            fn updated_at_column() -> Self::Column {
                entity::$module::Column::UpdatedAt
            }
            fn touch(model: &mut Self::Model, at: DateTime<Utc>) {
                model.updated_at = at;
                model.version += 1;
            }
            fn referenced() -> constraints::Constraint {
                constraints::Constraint::$referenced
            }
        }
    )+};
}

tenant_owned! {
    provider => "provider", ProviderReferenced;
    patient => "patient", PatientReferenced;
    insurance_info => "insurance coverage", CoverageReferenced;
    medication => "medication", MedicationReferenced;
    lab_order => "lab order", OrderReferenced;
    imaging_order => "imaging order", OrderReferenced;
    prescription => "prescription", OrderReferenced;
    surgical_case => "surgical case", OrderReferenced;
    approval_request => "approval request", RequestReferenced;
    approval_template => "approval template", TemplateReferenced;
}

/// The tenant row itself: the one row of `tenants` that "belongs" to a tenant is its own, so
/// the versioned helpers serve `PATCH /tenant` too.
impl TenantOwned for entity::tenant::Entity {
    const NAME: &'static str = "tenant";
    fn id_column() -> Self::Column {
        entity::tenant::Column::Id
    }
    fn tenant_column() -> Self::Column {
        entity::tenant::Column::Id
    }
    fn version_column() -> Self::Column {
        entity::tenant::Column::Version
    }
    fn version_of(model: &Self::Model) -> i32 {
        model.version
    }
    fn id_of(model: &Self::Model) -> Uuid {
        model.id
    }
    fn updated_at_column() -> Self::Column {
        entity::tenant::Column::UpdatedAt
    }
    fn touch(model: &mut Self::Model, at: DateTime<Utc>) {
        model.updated_at = at;
        model.version += 1;
    }
    fn referenced() -> constraints::Constraint {
        constraints::Constraint::Unnamed
    }
}

/// The row `id` of the caller's tenant that a request refers to in `field`; a 422 on that field
/// when the tenant has no such row (another tenant's row included).
pub async fn reference<E: TenantOwned, C: ConnectionTrait>(
    db: &C,
    tenant_id: Uuid,
    field: &'static str,
    id: Uuid,
) -> Result<E::Model, Error> {
    scoped::<E>(tenant_id)
        .filter(E::id_column().eq(id))
        .one(db)
        .await?
        .ok_or_else(|| {
            Error::invalid(
                field,
                "unknown_reference",
                format!("no {} with this id", E::NAME),
            )
        })
}

impl From<DbErr> for Error {
    fn from(error: DbErr) -> Self {
        constraints::classify(error, constraints::Constraint::Unnamed)
    }
}
