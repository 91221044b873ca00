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

use std::collections::HashMap;

use actix_web::HttpResponse;
use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    Select, TransactionTrait,
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
use crate::data::db::{TenantOwned, find_in_tenant, reference, save_patch, scoped};
use crate::domain::approval::computed::{APPROVAL_STATUSES, KindSql};
use crate::domain::approval::fields::{ApprovalFields, Recorded, compute};
use crate::domain::orders::numbering::{day_number, next_number, tenant_number};
use crate::domain::orders::{Lifecycle, OrderKind, immutable};
use crate::request::auth::{Caller, Permission};
use crate::request::extract::IfMatch;
use crate::request::list::{ListParams, Page, values};
use crate::request::problem::ApiError;

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

/// The status of an order row, whatever its kind.
pub trait OrderRow {
    fn status(&self) -> &str;
    fn status_mut(&mut self) -> &mut String;
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
    type View: Serialize + From<(Row<Self>, ApprovalFields)>;
    type Create: DeserializeOwned + Validate + 'static;
    type Update: DeserializeOwned + Validate + OrderPatch<Status = Self::Status> + 'static;
    type Filter: DeserializeOwned + 'static;
}

/// What each kind does with its own fields: sorting, filtering, building a row and merging a
/// patch. One implementation per kind, in the child modules.
pub trait OrderKindRules: OrderResource {
    /// The fields a list sorts on beside the number, `status`, `created_at` and `updated_at`.
    const SORT_FIELDS: &'static [(&'static str, <Self::Entity as EntityTrait>::Column)];
    /// The column `from`/`to` filter on.
    const DATE: DateFilter<<Self::Entity as EntityTrait>::Column>;

    /// A prescription's recorded prior authorization.
    fn recorded(_model: &Row<Self>) -> Option<Recorded> {
        None
    }
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
    pub status: Option<String>,
    /// Service date on or after this day (the tenant's time zone).
    #[param(example = "2026-11-01")]
    pub from: Option<NaiveDate>,
    /// Service date on or before this day (the tenant's time zone).
    #[param(example = "2026-11-30")]
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
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(ApiError::bad_request(
                crate::base::error::ProblemCode::InvalidQuery,
                "from must not be after to",
            ));
        }
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
    #[param(example = "APPROVAL_REQUIRED,PRIOR_AUTH_REQUIRED")]
    pub approval_status: Option<String>,
    pub requires_approval: Option<bool>,
}

impl ApprovalFilter {
    /// Adds the filters to `query` (before pagination, so `total` counts the matches).
    fn apply<E: EntityTrait>(
        &self,
        mut query: Select<E>,
        kind: OrderKind,
        backend: sea_orm::DatabaseBackend,
        today: NaiveDate,
    ) -> Result<Select<E>, ApiError> {
        let sql = KindSql::new(kind, backend, today);
        let statuses = values("approval_status", self.approval_status.as_deref(), |v| {
            APPROVAL_STATUSES.iter().find(|s| **s == v).copied()
        })?;
        if !statuses.is_empty() {
            query = query.filter(Expr::cust(sql.status_in(&statuses)));
        }
        match self.requires_approval {
            Some(true) => query = query.filter(Expr::cust(sql.requires_approval())),
            Some(false) => {
                query = query.filter(Expr::cust(format!("NOT {}", sql.requires_approval())))
            }
            None => {}
        }
        Ok(query)
    }
}

/// Views of orders of kind `R` with their computed fields, at a fixed number of queries.
async fn decorate<R: OrderKindRules>(
    state: &AppState,
    caller: &Caller,
    models: Vec<Row<R>>,
) -> Result<Vec<R::View>, ApiError> {
    let ids: Vec<Uuid> = models.iter().map(R::Entity::id_of).collect();
    let recorded: HashMap<Uuid, Recorded> = models
        .iter()
        .filter_map(|m| R::recorded(m).map(|r| (R::Entity::id_of(m), r)))
        .collect();
    let mut fields = compute(
        &state.db,
        caller.tenant_id(),
        R::KIND,
        caller.today,
        &ids,
        |id| recorded.get(&id).cloned(),
    )
    .await?;
    models
        .into_iter()
        .map(|model| {
            let computed = fields
                .remove(&R::Entity::id_of(&model))
                .ok_or_else(|| Error::internal("computing an order's approval fields"))?;
            Ok(R::View::from((model, computed)))
        })
        .collect()
}

async fn decorate_one<R: OrderKindRules>(
    state: &AppState,
    caller: &Caller,
    model: Row<R>,
) -> Result<R::View, ApiError> {
    decorate::<R>(state, caller, vec![model])
        .await?
        .pop()
        .ok_or_else(|| Error::internal("computing an order's approval fields").into())
}

/// `GET /{orders}`: the common filters, the kind's own, the computed-field filters (before
/// paging), then the page decorated with its computed fields.
pub async fn list<R: OrderKindRules>(
    caller: &Caller,
    state: &AppState,
    page: &ListParams,
    common: &OrderFilter,
    filter: &R::Filter,
    approval: &ApprovalFilter,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Read)?;
    let query = common.apply::<R>(scoped::<R::Entity>(caller.tenant_id()), caller.zone)?;
    let query = R::filter(query, filter)?;
    let query = approval.apply(
        query,
        R::KIND,
        state.db.get_database_backend(),
        caller.today,
    )?;
    // The number, the kind's own fields, then what every order sorts on.
    let number = R::KIND.info().number_column;
    let mut sort_fields = vec![(number, column::<R>(number)?)];
    sort_fields.extend_from_slice(R::SORT_FIELDS);
    for name in ["status", "created_at", "updated_at"] {
        sort_fields.push((name, column::<R>(name)?));
    }
    let page = page
        .fetch(
            &state.db,
            query,
            &sort_fields,
            R::Entity::id_column(),
            |m| m,
        )
        .await?;
    let items = decorate::<R>(state, caller, page.items).await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// `POST /{orders}`: checks, then the number and the row in one transaction (see
/// [`next_number`]).
pub async fn create<R: OrderKindRules>(
    caller: &Caller,
    state: &AppState,
    body: R::Create,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let tenant_id = caller.tenant_id();
    let prefix = R::KIND.info().number_prefix;
    let day = R::number_day(&body, caller.zone);
    let mut row = R::build(&Context::of(state, caller), body).await?;
    let txn = state.db.begin().await?;
    let counter = next_number(&txn, tenant_id, prefix, day.as_deref().unwrap_or("")).await?;
    let number = match &day {
        Some(day) => day_number(prefix, day, counter),
        None => tenant_number(prefix, &caller.tenant.code, counter),
    };
    let now = caller.now;
    for (column, value) in [
        (R::Entity::id_column(), Uuid::now_v7().into()),
        (R::Entity::tenant_column(), tenant_id.into()),
        (column::<R>(R::KIND.info().number_column)?, number.into()),
        (column::<R>("status")?, R::Status::INITIAL.as_ref().into()),
        (column::<R>("created_at")?, now.into()),
        (R::Entity::updated_at_column(), now.into()),
        (R::Entity::version_column(), 1.into()),
    ] {
        row.try_set(column, value)?;
    }
    let model = row.insert(&txn).await?;
    txn.commit().await?;
    let id = R::Entity::id_of(&model);
    let version = R::Entity::version_of(&model);
    let view = decorate_one::<R>(state, caller, model).await?;
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
    let model = find_in_tenant::<R::Entity, _>(&state.db, caller.tenant_id(), id).await?;
    let version = R::Entity::version_of(&model);
    Ok(ok(version, &decorate_one::<R>(state, caller, model).await?))
}

/// `PATCH /{orders}/{id}`: a stale `If-Match` (412), a changed `patient_id` (422) and a closed
/// order (409) are refused first; then the status moves along the lifecycle and the kind merges
/// the rest; the row is saved as a compare-and-set on its version.
pub async fn update<R: OrderKindRules>(
    caller: &Caller,
    state: &AppState,
    id: Uuid,
    if_match: IfMatch,
    patch: R::Update,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let tenant_id = caller.tenant_id();
    let mut model = find_in_tenant::<R::Entity, _>(&state.db, tenant_id, id).await?;
    let with_if_match = if_match.check(R::Entity::version_of(&model))?;
    immutable("patient_id", patch.patient_id())?;
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
    save_patch(
        &state.db,
        tenant_id,
        &mut model,
        with_if_match,
        caller.now,
        changes,
    )
    .await?;
    let version = R::Entity::version_of(&model);
    Ok(ok(version, &decorate_one::<R>(state, caller, model).await?))
}
