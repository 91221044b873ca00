//! Authentication and roles (API.md, "Authentication and roles").
//!
//! A caller is a bearer JWT. The tenant comes from the token's `tenant_id` claim and from
//! nowhere else (not the path, not the body): that is what makes another tenant's rows
//! unreachable. The tenant must exist and be active, or the token is refused (401).

use std::collections::BTreeSet;
use std::fs;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use anyhow::Context;
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::config::{DEVELOPMENT_JWT_SECRET, JwtArgs};
use crate::error::ApiError;
use crate::startup::AppState;

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

/// The claims of a token of this service.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The acting user.
    pub sub: String,
    /// The tenant's id.
    pub tenant_id: Uuid,
    /// Role names; unknown names are ignored.
    pub roles: Vec<String>,
    pub exp: i64,
    pub iat: i64,
    pub iss: String,
    pub aud: String,
}

/// Keys and rules for signing and checking tokens.
pub struct JwtKeys {
    decoding: Vec<(Algorithm, DecodingKey)>,
    /// None when only a public key is configured: tokens come from an identity provider.
    encoding: Option<(Algorithm, EncodingKey)>,
    issuer: String,
    audience: String,
    development: bool,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field(
                "algorithms",
                &self.decoding.iter().map(|(a, _)| a).collect::<Vec<_>>(),
            )
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("development", &self.development)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    /// Builds the keys from configuration. HS256 with `JWT_SECRET`; RS256 verification with
    /// `JWT_PUBLIC_KEY_FILE` (both can be on at once); with neither, the development key.
    pub fn from_args(args: &JwtArgs) -> anyhow::Result<Self> {
        let mut decoding = Vec::new();
        let mut encoding = None;
        let mut development = false;
        match &args.jwt_secret {
            Some(secret) if secret.len() < 32 => {
                anyhow::bail!("JWT_SECRET must be at least 32 bytes long")
            }
            Some(secret) => {
                decoding.push((
                    Algorithm::HS256,
                    DecodingKey::from_secret(secret.as_bytes()),
                ));
                encoding = Some((
                    Algorithm::HS256,
                    EncodingKey::from_secret(secret.as_bytes()),
                ));
            }
            None => {}
        }
        if let Some(path) = &args.jwt_public_key_file {
            let pem = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let key = DecodingKey::from_rsa_pem(&pem)
                .with_context(|| format!("{} is not an RSA public key in PEM", path.display()))?;
            decoding.push((Algorithm::RS256, key));
        }
        if let Some(path) = &args.jwt_private_key_file {
            let pem = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let key = EncodingKey::from_rsa_pem(&pem)
                .with_context(|| format!("{} is not an RSA private key in PEM", path.display()))?;
            encoding = Some((Algorithm::RS256, key));
        }
        if decoding.is_empty() {
            development = true;
            let secret = DEVELOPMENT_JWT_SECRET.as_bytes();
            decoding.push((Algorithm::HS256, DecodingKey::from_secret(secret)));
            encoding = Some((Algorithm::HS256, EncodingKey::from_secret(secret)));
        }
        Ok(Self {
            decoding,
            encoding,
            issuer: args.jwt_issuer.clone(),
            audience: args.jwt_audience.clone(),
            development,
        })
    }

    /// Whether the public development key is in use.
    pub fn is_development(&self) -> bool {
        self.development
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Signs `claims` with the configured signing key.
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        let Some((algorithm, key)) = &self.encoding else {
            anyhow::bail!(
                "only a public key is configured, so this process cannot sign tokens; set JWT_SECRET or JWT_PRIVATE_KEY_FILE"
            );
        };
        Ok(jsonwebtoken::encode(&Header::new(*algorithm), claims, key)?)
    }

    /// Checks a token: algorithm among the configured ones (never `none`), signature, `exp`,
    /// `iss`, `aud`, and the presence of `sub` and `iat`.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let invalid = |detail: &str| ApiError::unauthorized("invalid_token", detail);
        // `alg: none` does not even parse as a header here.
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| invalid("the token is malformed or uses an unsupported algorithm"))?;
        let (algorithm, key) = self
            .decoding
            .iter()
            .find(|(algorithm, _)| *algorithm == header.alg)
            .ok_or_else(|| invalid("the token's signing algorithm is not accepted"))?;
        let mut validation = Validation::new(*algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 30;
        jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|error| match error.kind() {
                ErrorKind::ExpiredSignature => {
                    ApiError::unauthorized("token_expired", "the token has expired")
                }
                ErrorKind::InvalidSignature => invalid("the token's signature is not valid"),
                ErrorKind::InvalidIssuer => invalid("the token was issued by an unknown issuer"),
                ErrorKind::InvalidAudience => invalid("the token is meant for another audience"),
                ErrorKind::MissingRequiredClaim(claim) => {
                    invalid(&format!("the token lacks the {claim} claim"))
                }
                _ => invalid("the token is malformed"),
            })
    }
}

/// The authenticated caller: who acts, for which tenant, with which roles. Taking it as a
/// handler argument makes the handler require a valid token.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The `sub` claim.
    pub user: String,
    /// The caller's tenant, as stored (active).
    pub tenant: entity::tenant::Model,
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
            let state = state.ok_or(ApiError::Internal)?;
            let token = token?;
            let claims = state.jwt.verify(&token)?;
            let tenant = entity::tenant::Entity::find_by_id(claims.tenant_id)
                .one(&state.db)
                .await?
                .filter(|tenant| tenant.is_active)
                .ok_or_else(|| {
                    ApiError::unauthorized(
                        "invalid_token",
                        "the token's tenant does not exist or is inactive",
                    )
                })?;
            let roles = claims
                .roles
                .iter()
                .filter_map(|role| role.parse().ok())
                .collect();
            Ok(Caller {
                user: claims.sub,
                tenant,
                roles,
            })
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized(
            "missing_token",
            "send a bearer token in the Authorization header",
        )
    })?;
    let value = value.to_str().map_err(|_| {
        ApiError::unauthorized("invalid_token", "the Authorization header is malformed")
    })?;
    let (scheme, token) = value.split_once(' ').ok_or_else(|| {
        ApiError::unauthorized(
            "invalid_token",
            "the Authorization header must be `Bearer <token>`",
        )
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            "invalid_token",
            "the Authorization header must be `Bearer <token>`",
        ));
    }
    Ok(token.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(name)
    }

    fn claims() -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: "u".into(),
            tenant_id: Uuid::nil(),
            roles: vec!["ADMIN".into()],
            exp: now + 60,
            iat: now,
            iss: "approvals".into(),
            aud: "approvals-api".into(),
        }
    }

    fn args() -> JwtArgs {
        JwtArgs {
            jwt_issuer: "approvals".into(),
            jwt_audience: "approvals-api".into(),
            ..JwtArgs::default()
        }
    }

    #[test]
    fn rs256_keys_sign_and_verify() {
        let keys = JwtKeys::from_args(&JwtArgs {
            jwt_public_key_file: Some(fixture("jwt-rs256-public.pem")),
            jwt_private_key_file: Some(fixture("jwt-rs256-private.pem")),
            ..args()
        })
        .expect("keys");
        assert!(!keys.is_development());
        let token = keys.sign(&claims()).expect("signs");
        assert_eq!(
            jsonwebtoken::decode_header(&token).expect("header").alg,
            Algorithm::RS256
        );
        assert_eq!(keys.verify(&token).expect("verifies").sub, "u");
    }

    #[test]
    fn a_public_key_alone_cannot_sign() {
        let keys = JwtKeys::from_args(&JwtArgs {
            jwt_public_key_file: Some(fixture("jwt-rs256-public.pem")),
            ..args()
        })
        .expect("keys");
        assert!(keys.sign(&claims()).is_err());
    }

    #[test]
    fn short_secrets_and_unconfigured_keys() {
        assert!(
            JwtKeys::from_args(&JwtArgs {
                jwt_secret: Some("short".into()),
                ..args()
            })
            .is_err()
        );
        let development = JwtKeys::from_args(&args()).expect("keys");
        assert!(development.is_development());
        let token = development.sign(&claims()).expect("signs");
        assert!(development.verify(&token).is_ok());
    }
}
