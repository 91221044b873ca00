//! The audit trail: every create, change, transition and delete of a tenant's resources is
//! recorded in the transaction of the write, with who made it (see [`crate::base::context`]),
//! when, and which fields moved from what to what. Rows are only ever inserted.
//!
//! The generic helpers of [`super::db`] ([`super::db::insert_audited`],
//! [`super::db::save_patch`], [`super::db::delete_versioned`]) record their writes here, so a
//! resource written through them is audited without its handler doing anything.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue, ConnectionTrait, DatabaseConnection,
    EntityTrait, IdenStatic, IntoActiveModel, Iterable, ModelTrait, TransactionTrait,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::base::context;
use crate::base::error::Error;

/// What happened to the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::AsRefStr, strum::Display)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    Create,
    Update,
    Transition,
    Delete,
}

/// Columns that are bookkeeping, not content: never listed as changes.
const BOOKKEEPING: [&str; 5] = ["id", "tenant_id", "created_at", "updated_at", "version"];

/// Inserts `row` and records its creation, in one transaction: for the rows that are not
/// versioned resources (a request's communications and documents), which
/// [`super::db::insert_audited`] does not take. `id` reads the new row's id.
pub async fn insert_created<A>(
    db: &DatabaseConnection,
    tenant_id: Uuid,
    at: DateTime<Utc>,
    resource_type: &str,
    row: A,
    id: fn(&<A::Entity as EntityTrait>::Model) -> Uuid,
) -> Result<<A::Entity as EntityTrait>::Model, Error>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let txn = db.begin().await?;
    let model = row.insert(&txn).await?;
    record(
        &txn,
        tenant_id,
        at,
        Action::Create,
        resource_type,
        id(&model),
        created(&model),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Records one event, unless it is an update that changed nothing.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    tenant_id: Uuid,
    at: DateTime<Utc>,
    action: Action,
    resource_type: &str,
    resource_id: Uuid,
    changes: Map<String, Value>,
) -> Result<(), Error> {
    if changes.is_empty() && matches!(action, Action::Update) {
        return Ok(());
    }
    let row = entity::audit_event::ActiveModel {
        id: ActiveValue::Set(Uuid::now_v7()),
        tenant_id: ActiveValue::Set(tenant_id),
        occurred_at: ActiveValue::Set(at),
        actor: ActiveValue::Set(context::actor()),
        action: ActiveValue::Set(action.to_string()),
        resource_type: ActiveValue::Set(resource_type.to_owned()),
        resource_id: ActiveValue::Set(resource_id),
        changes: ActiveValue::Set(Value::Object(changes).to_string()),
        request_id: ActiveValue::Set(context::request_id()),
    };
    entity::audit_event::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

fn json_of(value: &sea_orm::Value) -> Value {
    use sea_orm::Value as V;
    match value {
        V::ChronoDate(Some(day)) => return json!(day.to_string()),
        V::ChronoDateTimeUtc(Some(instant)) => {
            return json!(instant.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
        }
        _ => {}
    }
    let json = sea_orm::sea_query::value::sea_value_to_json_value(value);
    // JSON columns stored as text (lists of codes) read better as the lists they hold.
    match &json {
        Value::String(text) if text.starts_with('[') || text.starts_with('{') => {
            serde_json::from_str(text).unwrap_or(json)
        }
        _ => json,
    }
}

fn content_columns<E: EntityTrait>() -> impl Iterator<Item = E::Column> {
    E::Column::iter().filter(|column| !BOOKKEEPING.contains(&column.as_str()))
}

/// Every field of a new row that holds a value, as `{from: null, to: value}`.
pub fn created<M: ModelTrait>(model: &M) -> Map<String, Value> {
    content_columns::<M::Entity>()
        .filter_map(|column| {
            let to = json_of(&model.get(column));
            (!to.is_null()).then(|| (column.as_str().to_owned(), json!({"from": null, "to": to})))
        })
        .collect()
}

/// The fields `changes` sets to another value than `before` has.
pub fn changed<A: ActiveModelTrait>(
    before: &<A::Entity as EntityTrait>::Model,
    changes: &A,
) -> Map<String, Value> {
    content_columns::<A::Entity>()
        .filter_map(|column| {
            let ActiveValue::Set(after) = changes.get(column) else {
                return None;
            };
            let from = json_of(&before.get(column));
            let to = json_of(&after);
            (from != to).then(|| (column.as_str().to_owned(), json!({"from": from, "to": to})))
        })
        .collect()
}

/// Every field of a deleted row that held a value, as `{from: value, to: null}`.
pub fn deleted<M: ModelTrait>(model: &M) -> Map<String, Value> {
    content_columns::<M::Entity>()
        .filter_map(|column| {
            let from = json_of(&model.get(column));
            (!from.is_null()).then(|| {
                (
                    column.as_str().to_owned(),
                    json!({"from": from, "to": null}),
                )
            })
        })
        .collect()
}
