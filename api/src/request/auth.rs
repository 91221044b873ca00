//! Authentication and roles: the [`Caller`] extractor, whose presence in a handler's signature
//! makes it require a valid token.
//!
//! A caller is a bearer JWT. The tenant comes from the token's `tenant_id` claim and from
//! nowhere else (not the path, not the body): that is what makes another tenant's rows
//! unreachable. The tenant must exist and be active, or the token is refused (401).

use std::collections::BTreeSet;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::problem::ApiError;
use crate::base::clock;
use crate::base::error::{Error, ProblemCode};
use crate::base::state::AppState;

/// A role; the roles of one token add up.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    strum::Display,
    strum::EnumString,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Reads everything of its tenant.
    Viewer,
    /// Creates and changes patients, coverage and orders; drafts approval requests.
    Clinician,
    /// Works approval requests through every transition.
    Coordinator,
    /// Everything, including tenant settings, providers, medications and templates.
    Admin,
}

/// What an operation needs; each maps to the roles that may do it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read anything of the tenant.
    Read,
    /// Create and change patients, coverage and orders.
    WriteClinical,
    /// Tenant settings, providers, medications, templates.
    Admin,
    /// Work approval requests: every transition, communications, the expiry sweep.
    Coordinate,
    /// Add supporting documents to approval requests.
    AddDocuments,
}

impl Permission {
    fn roles(self) -> &'static [Role] {
        match self {
            Self::Read => &[
                Role::Viewer,
                Role::Clinician,
                Role::Coordinator,
                Role::Admin,
            ],
            Self::WriteClinical => &[Role::Clinician, Role::Admin],
            Self::Admin => &[Role::Admin],
            Self::Coordinate => &[Role::Coordinator, Role::Admin],
            Self::AddDocuments => &[Role::Clinician, Role::Coordinator, Role::Admin],
        }
    }
}

/// The authenticated caller: who acts, for which tenant, with which roles. Taking it as a
/// handler argument makes the handler require a valid token.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The `sub` claim.
    pub user: String,
    /// The caller's tenant, as stored (active), possibly from the tenant cache.
    pub tenant: Arc<entity::tenant::Model>,
    /// The tenant's time zone.
    pub zone: chrono_tz::Tz,
    /// The instant the request is served at (microsecond precision), from the state's clock.
    pub now: DateTime<Utc>,
    /// Today in the tenant's time zone: the date every date rule of a read is judged on.
    pub today: NaiveDate,
    /// The known roles of the token.
    pub roles: BTreeSet<Role>,
}

impl Caller {
    /// The tenant's id: the only tenant this caller can see or change.
    pub fn tenant_id(&self) -> Uuid {
        self.tenant.id
    }

    /// Whether the caller's roles grant `permission`.
    pub fn may(&self, permission: Permission) -> bool {
        permission
            .roles()
            .iter()
            .any(|role| self.roles.contains(role))
    }

    /// 403 unless one of the caller's roles grants `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        let allowed = permission.roles();
        if allowed.iter().any(|role| self.roles.contains(role)) {
            return Ok(());
        }
        let names: Vec<String> = allowed.iter().map(ToString::to_string).collect();
        Err(ApiError::Forbidden {
            detail: format!("this operation needs one of the roles {}", names.join(", ")),
        })
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| Error::internal("finding the application state"))?;
            let token = token?;
            let claims = state.jwt.verify(&token)?;
            crate::base::context::set_actor(&claims.sub);
            let tenant = crate::data::tenants::load(&state, claims.tenant_id)
                .await?
                .filter(|tenant| tenant.is_active)
                .ok_or_else(|| {
                    ApiError::unauthorized(
                        ProblemCode::InvalidToken,
                        "the token's tenant does not exist or is inactive",
                    )
                })?;
            let zone = clock::zone(&tenant.time_zone)?;
            let now = clock::now(state.clock.as_ref());
            let roles = claims
                .roles
                .iter()
                .filter_map(|role| role.parse().ok())
                .collect();
            Ok(Caller {
                user: claims.sub,
                tenant,
                zone,
                now,
                today: clock::today(zone, now),
                roles,
            })
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized(
            ProblemCode::MissingToken,
            "send a bearer token in the Authorization header",
        )
    })?;
    let value = value.to_str().map_err(|_| {
        ApiError::unauthorized(
            ProblemCode::InvalidToken,
            "the Authorization header is malformed",
        )
    })?;
    let (scheme, token) = value.split_once(' ').ok_or_else(|| {
        ApiError::unauthorized(
            ProblemCode::InvalidToken,
            "the Authorization header must be `Bearer <token>`",
        )
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            ProblemCode::InvalidToken,
            "the Authorization header must be `Bearer <token>`",
        ));
    }
    Ok(token.trim().to_owned())
}
