//! Lists: the pagination envelope, `limit`/`offset`, `sort`, and comma-separated filters
//! (README.md, "How the API behaves").

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryOrder, QuerySelect,
    Select,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::ApiError;
use crate::base::error::ProblemCode;

/// Default page size.
pub const DEFAULT_LIMIT: u64 = 50;
/// Largest page size.
pub const MAX_LIMIT: u64 = 200;
/// Largest offset (deeper pages are better reached with filters).
pub const MAX_OFFSET: u64 = 1_000_000_000;
/// The order of a list that names no `sort`, unless the list says otherwise.
pub const DEFAULT_SORT: &str = "-created_at";

/// Paging and sorting parameters every list takes.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u64>,
    /// Items to skip (default 0).
    // `crate::openapi` publishes its maximum, MAX_OFFSET.
    #[param(minimum = 0, example = 0)]
    pub offset: Option<u64>,
    /// A sort key ascending, or the key prefixed with `-` descending.
    // `crate::openapi` publishes each list's keys and default, read from its handler's fields.
    pub sort: Option<String>,
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Items matching the filters, over all pages.
    #[schema(example = 1)]
    pub total: u64,
    #[schema(example = 50)]
    pub limit: u64,
    #[schema(example = 0)]
    pub offset: u64,
}

impl ListParams {
    fn limit(&self) -> Result<u64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(limit @ 1..=MAX_LIMIT) => Ok(limit),
            Some(_) => Err(ApiError::bad_request(
                ProblemCode::InvalidQuery,
                format!("limit must be from 1 to {MAX_LIMIT}"),
            )),
        }
    }

    /// Orders `query` by `sort` (one of `fields`, or [`DEFAULT_SORT`]), then by id so
    /// that pages never overlap; runs the count and the page; maps each row with `view`.
    pub async fn fetch<E, C, V>(
        &self,
        db: &C,
        query: Select<E>,
        fields: &[(&str, E::Column)],
        id: E::Column,
        view: impl Fn(E::Model) -> V,
    ) -> Result<Page<V>, ApiError>
    where
        E: EntityTrait,
        E::Model: Sync,
        C: ConnectionTrait,
    {
        self.fetch_sorted(db, query, fields, DEFAULT_SORT, id, view)
            .await
    }

    /// As [`Self::fetch`], with another default order.
    pub async fn fetch_sorted<E, C, V>(
        &self,
        db: &C,
        query: Select<E>,
        fields: &[(&str, E::Column)],
        default_sort: &str,
        id: E::Column,
        view: impl Fn(E::Model) -> V,
    ) -> Result<Page<V>, ApiError>
    where
        E: EntityTrait,
        E::Model: Sync,
        C: ConnectionTrait,
    {
        let plan = self.plan(fields, default_sort)?;
        let total = query.clone().count(db).await?;
        let items = plan.order(query, id).all(db).await?;
        Ok(Page {
            items: items.into_iter().map(view).collect(),
            total,
            limit: plan.limit,
            offset: plan.offset,
        })
    }

    /// The page asked for: `limit` and `offset` checked, `sort` resolved to one of `fields`
    /// (`default_sort` when absent).
    pub fn plan<C: ColumnTrait>(
        &self,
        fields: &[(&str, C)],
        default_sort: &str,
    ) -> Result<Plan<C>, ApiError> {
        let limit = self.limit()?;
        let offset = self.offset.unwrap_or(0);
        if offset > MAX_OFFSET {
            return Err(ApiError::bad_request(
                ProblemCode::InvalidQuery,
                format!("offset must be from 0 to {MAX_OFFSET}"),
            ));
        }
        let sort = self.sort.as_deref().unwrap_or(default_sort);
        let (name, order) = match sort.strip_prefix('-') {
            Some(name) => (name, Order::Desc),
            None => (sort, Order::Asc),
        };
        let column = fields
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, column)| *column)
            .ok_or_else(|| {
                let names: Vec<&str> = fields.iter().map(|(field, _)| *field).collect();
                ApiError::bad_request(
                    ProblemCode::InvalidQuery,
                    format!(
                        "sort must be one of {} (prefix - for descending)",
                        names.join(", ")
                    ),
                )
            })?;
        Ok(Plan {
            limit,
            offset,
            column,
            order,
        })
    }
}

/// A resolved page: its size, its offset and its order.
#[derive(Debug, Clone)]
pub struct Plan<C> {
    pub limit: u64,
    pub offset: u64,
    pub column: C,
    pub order: Order,
}

impl<C: ColumnTrait> Plan<C> {
    /// `query` ordered by the sort column, then by `id` (so that pages never overlap), and cut
    /// to the page.
    pub fn order<Q: QueryOrder + QuerySelect>(&self, query: Q, id: C) -> Q {
        query
            .order_by(self.column, self.order.clone())
            .order_by(id, self.order.clone())
            .limit(self.limit)
            .offset(self.offset)
    }
}

/// Splits a comma-separated filter of free text (MRNs, resource types) into its values, kept as
/// sent: an empty one matches nothing, as any other value no row has.
pub fn texts(raw: Option<&str>) -> Vec<String> {
    raw.map(|raw| {
        raw.split(',')
            .map(|value| value.trim().to_owned())
            .collect()
    })
    .unwrap_or_default()
}

/// Splits a comma-separated filter of known values (enum names) into its values, each parsed with `parse`; 400 naming the
/// parameter when one does not parse.
pub fn values<T>(
    param: &str,
    raw: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, ApiError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .map(|value| {
            if value.is_empty() {
                return Err(ApiError::bad_request(
                    ProblemCode::InvalidQuery,
                    format!(
                        "{param}: an empty value is not accepted (leave {param} out for every value)"
                    ),
                ));
            }
            parse(value).ok_or_else(|| {
                ApiError::bad_request(
                    ProblemCode::InvalidQuery,
                    format!("{param}: {value:?} is not an accepted value"),
                )
            })
        })
        .collect()
}

/// `column` contains `needle`, ignoring case, on SQLite and PostgreSQL alike (`%` and `_` in the
/// needle match themselves).
pub fn contains_ci<C: ColumnTrait>(column: C, needle: &str) -> sea_orm::sea_query::SimpleExpr {
    let escaped = needle
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Expr::expr(Func::lower(Expr::col(column)))
        .like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}
