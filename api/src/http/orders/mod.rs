//! The four order kinds as one family of endpoints: what each kind is ([`OrderResource`], one
//! implementation per kind in the child modules), the handler bodies written once over it
//! (list, create, get, change, delete, with the computed approval fields), and the macro that
//! writes each kind's handler shells, which utoipa needs as named functions with literal paths.

pub mod imaging;
pub mod lab;
pub mod prescriptions;
pub mod surgical;

use std::collections::HashMap;

use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDate, Utc};
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
use crate::data::db::{TenantOwned, find_in_tenant, save_patch, scoped};
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
    lab::configure(config);
    imaging::configure(config);
    prescriptions::configure(config);
    surgical::configure(config);
}

/// What a new order is made with, beside its body.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// The order's number, allocated in the inserting transaction.
    pub number: String,
    /// The tenant's time zone and today.
    pub zone: chrono_tz::Tz,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
}

/// One order kind as an HTTP resource: its table, its status lifecycle, its views and bodies,
/// its own filters and sort fields, and how a body becomes a row.
pub trait OrderResource: 'static {
    /// The kind (its table, number prefix and resource name are `KIND.info()`).
    const KIND: OrderKind;
    type Entity: TenantOwned<Model = Self::Model, ActiveModel = Self::Active>;
    type Model: Clone + Send + Sync + IntoActiveModel<Self::Active> + sea_orm::FromQueryResult;
    type Active: ActiveModelTrait<Entity = Self::Entity> + ActiveModelBehavior + Default + Send;
    type Status: Lifecycle;
    type View: Serialize;
    type Create: DeserializeOwned + Validate + 'static;
    type Update: DeserializeOwned + Validate + 'static;
    type Filter: DeserializeOwned + 'static;

    /// The fields a list sorts on, and their columns.
    const SORT_FIELDS: &'static [(&'static str, <Self::Entity as EntityTrait>::Column)];
    const PATIENT: <Self::Entity as EntityTrait>::Column;
    const STATUS: <Self::Entity as EntityTrait>::Column;
    /// The column `from`/`to` filter on.
    const DATE: DateFilter<<Self::Entity as EntityTrait>::Column>;

    /// The client's view of an order with its computed fields.
    fn view(model: Self::Model, approval: ApprovalFields) -> Self::View;
    fn status(model: &Self::Model) -> &str;
    fn status_mut(model: &mut Self::Model) -> &mut String;
    /// A prescription's recorded prior authorization.
    fn recorded(_model: &Self::Model) -> Option<Recorded> {
        None
    }
    /// The kind's own list filters.
    fn filter(
        query: Select<Self::Entity>,
        filter: &Self::Filter,
    ) -> Result<Select<Self::Entity>, ApiError>;
    /// Checks a creation body beyond its shape: codes, references to rows of the tenant.
    fn check_create(
        state: &AppState,
        tenant_id: Uuid,
        body: &Self::Create,
    ) -> impl Future<Output = Result<(), Error>>;
    /// The day a per-day number counts in (surgical cases), or None for a tenant-wide number.
    fn number_day(_body: &Self::Create, _zone: chrono_tz::Tz) -> Option<String> {
        None
    }
    /// The new row.
    fn build(body: Self::Create, new: NewOrder) -> Result<Self::Active, Error>;
    /// `patient_id` of a merge patch (it never changes).
    fn patch_patient(patch: &Self::Update) -> &Option<Option<Uuid>>;
    /// `status` of a merge patch.
    fn patch_status(patch: &Self::Update) -> Option<Option<Self::Status>>;
    /// Merges the rest of a patch into `model` and `changes`, checking what it refers to.
    fn merge(
        state: &AppState,
        tenant_id: Uuid,
        zone: chrono_tz::Tz,
        model: &mut Self::Model,
        changes: &mut Self::Active,
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
    fn apply<R: OrderResource>(
        &self,
        mut query: Select<R::Entity>,
        zone: chrono_tz::Tz,
    ) -> Result<Select<R::Entity>, ApiError> {
        if let Some(patient_id) = self.patient_id {
            query = query.filter(R::PATIENT.eq(patient_id));
        }
        let wanted = values("status", self.status.as_deref(), |v| {
            v.parse::<R::Status>().ok().map(|s| s.as_ref().to_owned())
        })?;
        if !wanted.is_empty() {
            query = query.filter(R::STATUS.is_in(wanted));
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
async fn decorate<R: OrderResource>(
    state: &AppState,
    caller: &Caller,
    models: Vec<R::Model>,
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
            Ok(R::view(model, computed))
        })
        .collect()
}

async fn decorate_one<R: OrderResource>(
    state: &AppState,
    caller: &Caller,
    model: R::Model,
) -> Result<R::View, ApiError> {
    decorate::<R>(state, caller, vec![model])
        .await?
        .pop()
        .ok_or_else(|| Error::internal("computing an order's approval fields").into())
}

/// `GET /{orders}`: the common filters, the kind's own, the computed-field filters (before
/// paging), then the page decorated with its computed fields.
pub async fn list<R: OrderResource>(
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
    let page = page
        .fetch(
            &state.db,
            query,
            R::SORT_FIELDS,
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
pub async fn create<R: OrderResource>(
    caller: &Caller,
    state: &AppState,
    body: R::Create,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteClinical)?;
    let tenant_id = caller.tenant_id();
    R::check_create(state, tenant_id, &body).await?;
    let prefix = R::KIND.info().number_prefix;
    let day = R::number_day(&body, caller.zone);
    let txn = state.db.begin().await?;
    let counter = next_number(&txn, tenant_id, prefix, day.as_deref().unwrap_or("")).await?;
    let number = match &day {
        Some(day) => day_number(prefix, day, counter),
        None => tenant_number(prefix, &caller.tenant.code, counter),
    };
    let new = NewOrder {
        id: Uuid::now_v7(),
        tenant_id,
        number,
        zone: caller.zone,
        today: caller.today,
        now: caller.now,
    };
    let model = R::build(body, new)?.insert(&txn).await?;
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
pub async fn get<R: OrderResource>(
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
pub async fn update<R: OrderResource>(
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
    immutable("patient_id", R::patch_patient(&patch))?;
    let status = R::Status::parse_stored(R::status(&model))?;
    status.ensure_open()?;
    let mut changes = <R::Active as Default>::default();
    if let Some(next) = status.next(R::patch_status(&patch))? {
        *R::status_mut(&mut model) = next.as_ref().to_owned();
        changes.set(R::STATUS, next.as_ref().to_owned().into());
    }
    R::merge(
        state,
        tenant_id,
        caller.zone,
        &mut model,
        &mut changes,
        patch,
    )
    .await?;
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

/// Writes each kind's handler shells: the named functions with literal paths and documents that
/// utoipa reads, each calling the generic body above, and the kind's `configure`. The kind's
/// module imports `actix_web::{delete, get, patch, post}`: utoipa recognises the route
/// attributes by those names.
#[macro_export]
macro_rules! order_handlers {
    (
        resource: $resource:ident,
        tag: $tag:literal,
        collection: $collection:literal,
        item: $item:literal,
        id: $id_doc:literal,
        view: $view:ident,
        create_body: $create_body:ident,
        update_body: $update_body:ident,
        filter: $filter:ident,
        page_doc: $page_doc:literal,
        new_doc: $new_doc:literal,
        one_doc: $one_doc:literal,
        updated_doc: $updated_doc:literal,
        $(#[$list_meta:meta])* list: $list:ident,
        $(#[$create_meta:meta])* create: $create:ident,
        $(#[$get_meta:meta])* get: $get:ident,
        $(#[$update_meta:meta])* update: $update:ident,
        $(#[$delete_meta:meta])* delete: $delete:ident $(,)?
    ) => {
        pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
            config
                .service($list)
                .service($create)
                .service($get)
                .service($update)
                .service($delete);
        }

        $(#[$list_meta])*
        #[utoipa::path(
            tag = $tag,
            params(ListParams, OrderFilter, $filter, ApprovalFilter),
            responses(
                (status = 200, description = $page_doc, body = Page<$view>),
                ListProblems
            )
        )]
        #[get($collection)]
        pub async fn $list(
            caller: Caller,
            state: actix_web::web::Data<AppState>,
            page: Query<ListParams>,
            common: Query<OrderFilter>,
            filter: Query<$filter>,
            approval: Query<ApprovalFilter>,
        ) -> Result<actix_web::HttpResponse, ApiError> {
            $crate::http::orders::list::<$resource>(&caller, &state, &page, &common, &filter, &approval).await
        }

        $(#[$create_meta])*
        #[utoipa::path(
            tag = $tag,
            request_body = $create_body,
            responses(
                (status = 201, description = $new_doc, body = $view,
                    headers(("Location" = String), ("ETag" = String))),
                CreateProblems
            )
        )]
        #[post($collection)]
        pub async fn $create(
            caller: Caller,
            state: actix_web::web::Data<AppState>,
            ValidJson(body): ValidJson<$create_body>,
        ) -> Result<actix_web::HttpResponse, ApiError> {
            $crate::http::orders::create::<$resource>(&caller, &state, body).await
        }

        $(#[$get_meta])*
        #[utoipa::path(
            tag = $tag,
            params(("id" = Uuid, Path, description = $id_doc)),
            responses(
                (status = 200, description = $one_doc, body = $view, headers(("ETag" = String))),
                ReadProblems
            )
        )]
        #[get($item)]
        pub async fn $get(
            caller: Caller,
            state: actix_web::web::Data<AppState>,
            id: actix_web::web::Path<Uuid>,
        ) -> Result<actix_web::HttpResponse, ApiError> {
            $crate::http::orders::get::<$resource>(&caller, &state, *id).await
        }

        $(#[$update_meta])*
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = Uuid, Path, description = $id_doc),
                ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
            ),
            request_body(content = $update_body, content_type = "application/merge-patch+json"),
            responses(
                (status = 200, description = $updated_doc, body = $view, headers(("ETag" = String))),
                UpdateProblems
            )
        )]
        #[patch($item)]
        pub async fn $update(
            caller: Caller,
            state: actix_web::web::Data<AppState>,
            id: actix_web::web::Path<Uuid>,
            if_match: IfMatch,
            ValidJson(patch): ValidJson<$update_body>,
        ) -> Result<actix_web::HttpResponse, ApiError> {
            $crate::http::orders::update::<$resource>(&caller, &state, *id, if_match, patch).await
        }

        $(#[$delete_meta])*
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = Uuid, Path, description = $id_doc),
                ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
            ),
            responses(
                (status = 204, description = "Deleted."),
                DeleteProblems
            )
        )]
        #[delete($item)]
        pub async fn $delete(
            caller: Caller,
            state: actix_web::web::Data<AppState>,
            id: actix_web::web::Path<Uuid>,
            if_match: IfMatch,
        ) -> Result<actix_web::HttpResponse, ApiError> {
            $crate::http::delete_one::<<$resource as $crate::http::orders::OrderResource>::Entity>(
                &caller,
                &state,
                Permission::WriteClinical,
                *id,
                if_match,
            )
            .await
        }
    };
}
