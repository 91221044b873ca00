//! The four order kinds as one family of endpoints: what each kind is ([`OrderResource`], one
//! implementation per kind in the child modules), the handler bodies written once over it
//! (list, create, get, change, delete, with the computed approval fields), and the macro that
//! writes each kind's handler shells, which utoipa needs as named functions with literal paths.

pub mod imaging;
pub mod lab;
mod macros;
pub mod prescriptions;
pub mod shells;
pub mod surgical;

use actix_web::HttpResponse;
use chrono::NaiveDate;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, EntityTrait, IdenStatic, IntoActiveModel,
    JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
    TransactionTrait,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{created, location, ok};
use crate::base::clock::day_start;
use crate::base::error::Error;
use crate::base::state::AppState;
use crate::data::db::{
    TenantOwned, delete_versioned, find_in_tenant, insert_audited, reference, save_patch, scoped,
};
use crate::data::tenants::zone_for_write;
use crate::domain::approval::fields::{ApprovalFields, OrderApprovalStatus};
use crate::domain::approval::read_model::{self, Scope};
use crate::domain::orders::numbering::{day_number, day_number_value, next_number, tenant_number};
use crate::domain::orders::{Lifecycle, OrderKind, immutable, service_date};
use crate::http::views::PatientSummary;
use crate::request::auth::{Caller, Permission};
use crate::request::extract::{IfMatch, ValidJson};
use crate::request::list::{DEFAULT_SORT, ListParams, Page, values};
use crate::request::problem::ApiError;
use entity::order_approval_state as state;
use entity::patient;

/// Registers the handlers of every kind.
pub fn configure(config: &mut ServiceConfig) {
    shells::configure(config);
}

/// An order table: its rows have a status, and its active models can be built and saved.
pub trait OrderEntity:
    TenantOwned<
        Model: Clone
                   + Send
                   + Sync
                   + IntoActiveModel<Self::ActiveModel>
                   + sea_orm::FromQueryResult
                   + OrderRow,
        ActiveModel: ActiveModelTrait<Entity = Self> + ActiveModelBehavior + Default + Send,
    >
{
}

impl<E> OrderEntity for E where
    E: TenantOwned<
            Model: Clone
                       + Send
                       + Sync
                       + IntoActiveModel<E::ActiveModel>
                       + sea_orm::FromQueryResult
                       + OrderRow,
            ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Default + Send,
        >
{
}

/// The rows, active models, columns and queries of kind `R`.
pub type Row<R> = <<R as OrderResource>::Entity as EntityTrait>::Model;
pub type Active<R> = <<R as OrderResource>::Entity as EntityTrait>::ActiveModel;
pub type Column<R> = <<R as OrderResource>::Entity as EntityTrait>::Column;
pub type Rows<R> = Select<<R as OrderResource>::Entity>;

/// What a kind's `merge` writes to: the row (kept current for the answer) and the changes to
/// save, with the request's [`Context`].
#[derive(Debug)]
pub struct Target<'a, R: OrderResource + ?Sized> {
    pub at: Context<'a>,
    pub model: &'a mut Row<R>,
    pub changes: &'a mut Active<R>,
}

/// Column `name` of kind `R` (every order table has `patient_id`, `status`, `created_at`).
fn column<R: OrderResource>(name: &str) -> Result<Column<R>, Error> {
    name.parse()
        .map_err(|_| Error::internal("naming an order column"))
}

/// What a kind's `build` and `merge` may use beside the body: the state, the tenant, its time
/// zone and today.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub state: &'a AppState,
    pub tenant_id: Uuid,
    pub zone: chrono_tz::Tz,
    pub today: NaiveDate,
}

impl<'a> Context<'a> {
    fn of(state: &'a AppState, caller: &Caller) -> Self {
        Self {
            state,
            tenant_id: caller.tenant_id(),
            zone: caller.zone,
            today: caller.today,
        }
    }
}

/// The status and patient of an order row, whatever its kind.
pub trait OrderRow {
    fn status(&self) -> &str;
    fn status_mut(&mut self) -> &mut String;
    fn patient_id(&self) -> Uuid;
}

/// What every order's merge patch carries: `patient_id` (never changes) and `status`.
pub trait OrderPatch {
    type Status;
    fn patient_id(&self) -> &Option<Option<Uuid>>;
    fn status(&self) -> Option<Option<Self::Status>>;
}

/// [`OrderRow`] for each kind's row, written once.
macro_rules! order_rows {
    ($($model:path),+) => {$(
        impl OrderRow for $model {
            fn status(&self) -> &str {
                &self.status
            }
            fn status_mut(&mut self) -> &mut String {
                &mut self.status
            }
            fn patient_id(&self) -> Uuid {
                self.patient_id
            }
        }
    )+};
}

order_rows!(
    entity::lab_order::Model,
    entity::imaging_order::Model,
    entity::prescription::Model,
    entity::surgical_case::Model
);

/// Checks that the patient and the provider a new order names are rows of the tenant (422 on
/// the field otherwise).
pub async fn check_people(
    state: &AppState,
    tenant_id: Uuid,
    patient_id: Uuid,
    provider: (&'static str, Uuid),
) -> Result<(), Error> {
    reference::<entity::patient::Entity, _>(&state.db, tenant_id, "patient_id", patient_id).await?;
    reference::<entity::provider::Entity, _>(&state.db, tenant_id, provider.0, provider.1).await?;
    Ok(())
}

/// One order kind as an HTTP resource: its table, its status lifecycle, its views and bodies,
/// its own filters and sort fields, and how a body becomes a row.
pub trait OrderResource: 'static {
    /// The kind (its table, number prefix and resource name are `KIND.info()`).
    const KIND: OrderKind;
    type Entity: OrderEntity;
    type Status: Lifecycle;
    /// The client's view of an order with its computed fields.
    type View: Serialize + From<(Row<Self>, ApprovalFields, PatientSummary)>;
    type Create: DeserializeOwned + Validate + utoipa::ToSchema + 'static;
    type Update: DeserializeOwned
        + Validate
        + utoipa::ToSchema
        + OrderPatch<Status = Self::Status>
        + 'static;
    type Filter: DeserializeOwned + utoipa::IntoParams + 'static;
}

/// What each kind does with its own fields: sorting, filtering, building a row and merging a
/// patch. One implementation per kind, in the child modules.
pub trait OrderKindRules: OrderResource {
    /// The fields a list sorts on beside the number, `status`, `created_at` and `updated_at`.
    const SORT_FIELDS: &'static [(&'static str, <Self::Entity as EntityTrait>::Column)];
    /// The column `from`/`to` filter on.
    const DATE: DateFilter<<Self::Entity as EntityTrait>::Column>;

    /// The kind's own list filters.
    fn filter(query: Rows<Self>, filter: &Self::Filter) -> Result<Rows<Self>, ApiError>;
    /// The day a per-day number counts in (surgical cases), or None for a tenant-wide number.
    fn number_day(_body: &Self::Create, _zone: chrono_tz::Tz) -> Option<String> {
        None
    }
    /// Checks a creation body beyond its shape (codes, references to rows of the tenant: see
    /// [`check_people`]) and makes the new row's own fields; the generic body sets those every
    /// order has (id, tenant, number, status, instants, version).
    fn build(
        at: &Context<'_>,
        body: Self::Create,
    ) -> impl Future<Output = Result<Active<Self>, Error>>;
    /// Merges the rest of a patch into the row and the changes to save, checking what it
    /// refers to.
    fn merge(
        target: Target<'_, Self>,
        patch: Self::Update,
    ) -> impl Future<Output = Result<(), Error>>;
}

/// Filters every order list takes.
#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderFilter {
    /// Orders of this patient.
    pub patient_id: Option<Uuid>,
    /// One or several statuses, comma-separated.
    // Its items are the kind's status enum: `crate::openapi` names it for each kind.
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false, min_items = 1)]
    pub status: Option<String>,
    /// Service date on or after this day (the tenant's time zone).
    pub from: Option<NaiveDate>,
    /// Service date on or before this day (the tenant's time zone). A `to` before `from`
    /// matches nothing.
    pub to: Option<NaiveDate>,
}

/// The column a date range applies to.
#[derive(Debug, Clone, Copy)]
pub enum DateFilter<C> {
    /// An instant: the range covers whole days of the tenant's time zone.
    Instant(C),
    /// A calendar date.
    Date(C),
}

impl OrderFilter {
    /// Applies the common filters of kind `R`.
    fn apply<R: OrderKindRules>(
        &self,
        mut query: Select<R::Entity>,
        zone: chrono_tz::Tz,
    ) -> Result<Select<R::Entity>, ApiError> {
        if let Some(patient_id) = self.patient_id {
            query = query.filter(column::<R>("patient_id")?.eq(patient_id));
        }
        let wanted = values("status", self.status.as_deref(), |v| {
            v.parse::<R::Status>().ok().map(|s| s.as_ref().to_owned())
        })?;
        if !wanted.is_empty() {
            query = query.filter(column::<R>("status")?.is_in(wanted));
        }
        // An inverted range (`from` after `to`) matches nothing: an empty page, like any other
        // filter that no order meets.
        match R::DATE {
            DateFilter::Instant(column) => {
                if let Some(from) = self.from {
                    query = query.filter(column.gte(day_start(zone, from)));
                }
                if let Some(to) = self.to.and_then(|to| to.succ_opt()) {
                    query = query.filter(column.lt(day_start(zone, to)));
                }
            }
            DateFilter::Date(column) => {
                if let Some(from) = self.from {
                    query = query.filter(column.gte(from));
                }
                if let Some(to) = self.to {
                    query = query.filter(column.lte(to));
                }
            }
        }
        Ok(query)
    }
}

/// Filters on the computed fields, for every order list.
#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApprovalFilter {
    /// One or several `approval_status` values, comma-separated.
    #[param(value_type = Option<Vec<OrderApprovalStatus>>, style = Form, explode = false, min_items = 1)]
    pub approval_status: Option<String>,
    pub requires_approval: Option<bool>,
}

impl ApprovalFilter {
    /// The filters as a condition on the read model's rows of kind `kind` in the tenant (an
    /// index range of `(tenant, kind, approval_status|requires_approval, …)`); `None` without a
    /// filter.
    fn condition(
        &self,
        tenant_id: Uuid,
        kind: OrderKind,
    ) -> Result<Option<sea_orm::Condition>, ApiError> {
        let statuses = values("approval_status", self.approval_status.as_deref(), |v| {
            v.parse::<OrderApprovalStatus>().ok()
        })?;
        if statuses.is_empty() && self.requires_approval.is_none() {
            return Ok(None);
        }
        let mut condition = sea_orm::Condition::all()
            .add(state::Column::TenantId.eq(tenant_id))
            .add(state::Column::Kind.eq(kind.as_ref()));
        if !statuses.is_empty() {
            condition = condition.add(
                state::Column::ApprovalStatus.is_in(statuses.iter().map(AsRef::<str>::as_ref)),
            );
        }
        if let Some(requires) = self.requires_approval {
            condition = condition.add(state::Column::RequiresApproval.eq(requires));
        }
        Ok(Some(condition))
    }
}

/// The join of kind `R`'s table with its rows of the read model.
fn with_state<R: OrderResource>() -> sea_orm::RelationDef {
    R::Entity::belongs_to(state::Entity)
        .from(R::Entity::id_column())
        .to(state::Column::OrderId)
        .into()
}

/// The view of an order with its read-model row and its patient.
fn view<R: OrderKindRules>(
    model: Row<R>,
    row: Option<&state::Model>,
    patient: Option<&patient::Model>,
) -> Result<R::View, Error> {
    let row = row.ok_or_else(|| Error::internal("reading an order's approval state"))?;
    let patient = patient.ok_or_else(|| Error::internal("reading an order's patient"))?;
    Ok(R::View::from((
        model,
        ApprovalFields::of(row),
        PatientSummary::from(patient),
    )))
}

/// The patient of an order just written, for its view.
async fn patient_of<C: sea_orm::ConnectionTrait>(
    db: &C,
    tenant_id: Uuid,
    patient_id: Uuid,
) -> Result<patient::Model, ApiError> {
    Ok(find_in_tenant::<patient::Entity, _>(db, tenant_id, patient_id).await?)
}

/// `GET /{orders}`: the common filters, the kind's own, the computed-field filters (on the
/// read model, before paging), then the page with its rows of the read model. Three statements:
/// the probe for rows whose recheck date has come, the count (the order table alone, the read
/// model alone, or the order table's rows among the read model's matches), the page (in the sort key's index order, joined with the
/// read model for its 50 rows only).
pub async fn list<R: OrderKindRules>(
    caller: &Caller,
    state: &AppState,
    page: &ListParams,
    common: &OrderFilter,
    filter: &R::Filter,
    approval: &ApprovalFilter,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    read_model::refresh_stale(&state.db, caller.tenant_id(), caller.today, caller.now).await?;
    let tenant_id = caller.tenant_id();
    let base = scoped::<R::Entity>(tenant_id);
    let query = R::filter(common.apply::<R>(base.clone(), caller.zone)?, filter)?;
    let backend = state.db.get_database_backend();
    let filters_orders = query.build(backend).sql != base.build(backend).sql;
    let approval = approval.condition(tenant_id, R::KIND)?;
    let plan = page.plan(&sort_fields::<R>()?, DEFAULT_SORT)?;
    // The computed-field filters read the read model's index `(tenant, kind, approval_status |
    // requires_approval, order_created_at, order_id)`. Every order has exactly one row there
    // (written in the order's own transactions), so: without another filter the count is the
    // read model's alone (an index-only count, no order table); in the default order (the
    // creation instant, which the row keeps) the page is read from that index in order, 50
    // entries for 50 orders; otherwise the order table's rows are those whose id is among the
    // matches.
    let created_order = plan.column.as_str() == "created_at";
    let (total, page_query) = match approval {
        Some(condition) => {
            let total = if filters_orders {
                let ids = sea_orm::sea_query::Query::select()
                    .column(state::Column::OrderId)
                    .from(state::Entity)
                    .cond_where(condition.clone())
                    .to_owned();
                query
                    .clone()
                    .filter(R::Entity::id_column().in_subquery(ids))
                    .count(&state.db)
                    .await?
            } else {
                state::Entity::find()
                    .filter(condition.clone())
                    .count(&state.db)
                    .await?
            };
            let joined = query
                .join(JoinType::InnerJoin, with_state::<R>())
                .filter(condition);
            let ordered = if created_order {
                joined
                    .order_by(state::Column::OrderCreatedAt, plan.order.clone())
                    .order_by(state::Column::OrderId, plan.order.clone())
                    .limit(plan.limit)
                    .offset(plan.offset)
            } else {
                plan.order(joined, R::Entity::id_column())
            };
            (total, ordered)
        }
        None => {
            let total = query.clone().count(&state.db).await?;
            let ordered = plan
                .order(query, R::Entity::id_column())
                .join(JoinType::InnerJoin, with_state::<R>());
            (total, ordered)
        }
    };
    let rows = page_query
        .select_also(state::Entity)
        .find_also(state::Entity, patient::Entity)
        .all(&state.db)
        .await?;
    let items = rows
        .into_iter()
        .map(|(model, row, patient)| view::<R>(model, row.as_ref(), patient.as_ref()))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        total,
        limit: plan.limit,
        offset: plan.offset,
    }))
}

/// What a list of kind `R` sorts on: the number (by its counter's value), the kind's own
/// fields, then what every order sorts on.
fn sort_fields<R: OrderKindRules>() -> Result<Vec<(&'static str, Column<R>)>, Error> {
    let mut fields = vec![(R::KIND.info().number_column, column::<R>("number_value")?)];
    fields.extend_from_slice(R::SORT_FIELDS);
    for name in ["status", "created_at", "updated_at"] {
        fields.push((name, column::<R>(name)?));
    }
    Ok(fields)
}

/// The sort keys of a list of kind `R`, in the order its `400` names them.
pub fn sort_keys<R: OrderKindRules>() -> Vec<&'static str> {
    sort_fields::<R>()
        .map(|fields| fields.into_iter().map(|(name, _)| name).collect())
        .unwrap_or_default()
}

/// `POST /{orders}`: checks, then the number and the row in one transaction (see
/// [`next_number`]).
pub async fn create<R: OrderKindRules>(
    caller: &Caller,
    state: &AppState,
    body: ValidJson<R::Create>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let body = body.parse()?;
    let tenant_id = caller.tenant_id();
    let prefix = R::KIND.info().number_prefix;
    let day = R::number_day(&body, caller.zone);
    let mut row = R::build(&Context::of(state, caller), body).await?;
    let txn = state.db.begin().await?;
    let counter = next_number(&txn, tenant_id, prefix, day.as_deref().unwrap_or("")).await?;
    let (number, number_value) = match &day {
        Some(day) => (
            day_number(prefix, day, counter),
            day_number_value(day, counter),
        ),
        None => (tenant_number(prefix, &caller.tenant.code, counter), counter),
    };
    // The zone as committed (a change of it waits for this transaction, or this one for it):
    // the stored service date is never the old zone's.
    let zone = zone_for_write(&txn, tenant_id).await?;
    if zone != caller.zone {
        restate_service_date::<R>(&mut row, zone)?;
    }
    let now = caller.now;
    let id = Uuid::now_v7();
    for (column, value) in [
        (R::Entity::id_column(), id.into()),
        (R::Entity::tenant_column(), tenant_id.into()),
        (column::<R>(R::KIND.info().number_column)?, number.into()),
        (column::<R>("number_value")?, number_value.into()),
        (column::<R>("status")?, R::Status::INITIAL.as_ref().into()),
        (column::<R>("created_at")?, now.into()),
        (R::Entity::updated_at_column(), now.into()),
        (R::Entity::version_column(), 1.into()),
    ] {
        row.try_set(column, value)?;
    }
    let model = insert_audited(&txn, tenant_id, now, row).await?;
    let patient = patient_of(&txn, tenant_id, model.patient_id()).await?;
    let rows = read_model::refresh_in(
        &txn,
        tenant_id,
        zone,
        now,
        Scope::Orders(vec![(R::KIND, id)]),
    )
    .await?;
    txn.commit().await?;
    let version = R::Entity::version_of(&model);
    let view = view::<R>(model, rows.first(), Some(&patient))?;
    Ok(created(
        location(R::KIND.info().resource, id),
        version,
        &view,
    ))
}

/// `GET /{orders}/{id}`.
pub async fn get<R: OrderKindRules>(
    caller: &Caller,
    state: &AppState,
    id: Uuid,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    // The order, its read-model row and its patient in one statement.
    let (model, row, patient) = scoped::<R::Entity>(caller.tenant_id())
        .filter(R::Entity::id_column().eq(id))
        .join(JoinType::LeftJoin, with_state::<R>())
        .select_also(state::Entity)
        .find_also(state::Entity, patient::Entity)
        .one(&state.db)
        .await?
        .ok_or(Error::not_found(R::KIND.info().noun))?;
    let version = R::Entity::version_of(&model);
    // A row whose recheck date has come (or a missing one) is recomputed first.
    let row = match row {
        Some(row) if row.recheck_on.is_none_or(|day| day > caller.today) => row,
        _ => read_model::current_rows(
            &state.db,
            caller.tenant_id(),
            R::KIND,
            &[id],
            caller.today,
            caller.now,
        )
        .await?
        .remove(&id)
        .ok_or_else(|| Error::internal("recomputing an order's approval state"))?,
    };
    let patient = match patient {
        Some(patient) => patient,
        None => patient_of(&state.db, caller.tenant_id(), row.patient_id).await?,
    };
    Ok(ok(version, &view::<R>(model, Some(&row), Some(&patient))?))
}

/// `PATCH /{orders}/{id}`: a stale `If-Match` (412), a changed `patient_id` (422) and a closed
/// order (409) are refused first; then the status moves along the lifecycle and the kind merges
/// the rest; the row is saved as a compare-and-set on its version.
pub async fn update<R: OrderKindRules>(
    caller: &Caller,
    state: &AppState,
    id: Uuid,
    if_match: IfMatch,
    patch: ValidJson<R::Update>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let tenant_id = caller.tenant_id();
    let mut model = find_in_tenant::<R::Entity, _>(&state.db, tenant_id, id).await?;
    let before = model.clone();
    let patch = patch.parse()?;
    let with_if_match = if_match.check(R::Entity::version_of(&model))?;
    let sent = patch.patient_id().map(sea_orm::Value::from);
    immutable(
        "patient_id",
        &sent,
        &sea_orm::ModelTrait::get(&model, column::<R>("patient_id")?),
    )?;
    let status = R::Status::parse_stored(model.status())?;
    status.ensure_open()?;
    let mut changes = <Active<R> as Default>::default();
    if let Some(next) = status.next(patch.status())? {
        *model.status_mut() = next.as_ref().to_owned();
        changes.try_set(column::<R>("status")?, next.as_ref().to_owned().into())?;
    }
    let target = Target {
        at: Context::of(state, caller),
        model: &mut model,
        changes: &mut changes,
    };
    R::merge(target, patch).await?;
    let txn = state.db.begin().await?;
    save_patch(
        &txn,
        tenant_id,
        &before,
        &mut model,
        with_if_match,
        caller.now,
        changes,
    )
    .await?;
    let rows = read_model::refresh(
        &txn,
        tenant_id,
        caller.now,
        Scope::Orders(vec![(R::KIND, id)]),
    )
    .await?;
    let patient = patient_of(&txn, tenant_id, model.patient_id()).await?;
    txn.commit().await?;
    let version = R::Entity::version_of(&model);
    Ok(ok(
        version,
        &view::<R>(model, rows.first(), Some(&patient))?,
    ))
}

/// `DELETE /{orders}/{id}`: the order and its read-model row in one transaction; refused with
/// 409 `order_in_use` while approval requests refer to the order.
pub async fn delete<R: OrderKindRules>(
    caller: &Caller,
    state: &AppState,
    id: Uuid,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let tenant_id = caller.tenant_id();
    let model = find_in_tenant::<R::Entity, _>(&state.db, tenant_id, id).await?;
    let version = R::Entity::version_of(&model);
    let with_if_match = if_match.check(version)?;
    let txn = state.db.begin().await?;
    read_model::remove(&txn, tenant_id, id).await?;
    delete_versioned::<R::Entity, _>(&txn, tenant_id, &model, caller.now, with_if_match).await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sets the service date of a new row from its service instant in `zone`.
fn restate_service_date<R: OrderResource>(
    row: &mut Active<R>,
    zone: chrono_tz::Tz,
) -> Result<(), Error> {
    let Some(instant) = R::KIND.info().service_instant_column else {
        return Ok(());
    };
    let at = match row.get(column::<R>(instant)?) {
        sea_orm::ActiveValue::Set(sea_orm::Value::ChronoDateTimeUtc(at))
        | sea_orm::ActiveValue::Unchanged(sea_orm::Value::ChronoDateTimeUtc(at)) => at,
        _ => None,
    };
    row.try_set(column::<R>("service_date")?, service_date(zone, at).into())?;
    Ok(())
}
