//! Bearer tokens: signing (for `approvals token` and the tests) and checking (every request).
//! HS256 with a shared secret, RS256 with an identity provider's public key, or a public
//! development key when nothing is configured. Nothing here knows HTTP: a failed check is a
//! [`TokenError`] that the request layer answers as 401.

use std::fs;

use anyhow::Context;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::config::{DEVELOPMENT_JWT_SECRET, JwtArgs};

/// Why a token was refused. The message is safe to show to the client: it names what is wrong
/// with the token, never a key or an internal detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The token's `exp` has passed.
    #[error("the token has expired")]
    Expired,
    /// Anything else: malformed, badly signed, wrong issuer or audience, missing claims.
    #[error("{0}")]
    Invalid(String),
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
    /// Not before: a token is refused until this instant (less the leeway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub iss: String,
    /// One audience, or several (RFC 7519 allows both); ours must be among them.
    pub aud: Audience,
}

/// The `aud` claim: a string or a list of strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl From<&str> for Audience {
    fn from(audience: &str) -> Self {
        Self::One(audience.to_owned())
    }
}

/// Seconds of clock difference tolerated between the token's issuer and this service, for
/// `exp`, `nbf` and `iat`.
pub const LEEWAY_SECONDS: u64 = 30;

/// The longest `sub` (the acting user) this service records.
pub const MAX_SUB_CHARS: usize = 200;

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
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let invalid = |detail: &str| TokenError::Invalid(detail.to_owned());
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
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|error| match error.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::ImmatureSignature => invalid("the token is not valid yet (nbf)"),
                // An `exp` that is present but not a valid future instant (a negative number, say)
                // is an expired token, not a missing claim.
                ErrorKind::MissingRequiredClaim(claim)
                    if claim == "exp" && has_claim(token, "exp") =>
                {
                    TokenError::Expired
                }
                ErrorKind::InvalidSignature => invalid("the token's signature is not valid"),
                ErrorKind::InvalidIssuer => invalid("the token was issued by an unknown issuer"),
                ErrorKind::InvalidAudience => invalid("the token is meant for another audience"),
                ErrorKind::MissingRequiredClaim(claim) => {
                    invalid(&format!("the token lacks the {claim} claim"))
                }
                _ => invalid("the token is malformed"),
            })?;
        // The user is recorded with every change: a name the records can hold, printable.
        let sub_chars = claims.sub.chars().count();
        if sub_chars == 0 || sub_chars > MAX_SUB_CHARS || claims.sub.chars().any(char::is_control) {
            return Err(invalid(&format!(
                "the token's sub must be 1 to {MAX_SUB_CHARS} characters, none of them control characters"
            )));
        }
        Ok(claims)
    }
}

/// Whether the (unverified) payload of `token` has `claim`: to tell a claim that is missing
/// from one that is present but unusable.
fn has_claim(token: &str, claim: &str) -> bool {
    use base64::Engine;
    token
        .split('.')
        .nth(1)
        .and_then(|payload| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .is_some_and(|claims| claims.get(claim).is_some_and(|value| !value.is_null()))
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
            nbf: None,
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
