//! Configuration, from flags and environment variables (listed in the README and
//! `.env.example`). Every setting has a default, so `approvals` runs on a fresh machine.

use std::path::PathBuf;

use super::telemetry::LogFormat;

/// The database used when `DATABASE_URL` is not set: an SQLite file in the working directory,
/// created if missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://approvals.db?mode=rwc";

/// The HS256 key used when neither `JWT_SECRET` nor a public key is configured. It is public
/// (it is in the source), so `serve` warns loudly whenever it is in use; it exists so that
/// `approvals serve` and `approvals token` agree on a fresh machine with no configuration.
pub const DEVELOPMENT_JWT_SECRET: &str = "approvals-development-key-do-not-use-in-production";

/// Largest JSON body accepted, in bytes (larger answers 413).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Settings every subcommand shares.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Database URL: `sqlite://FILE?mode=rwc` or `postgres://USER@HOST:PORT/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
    /// Log filter, e.g. `info`, `debug` or `api=debug,info`.
    #[arg(long, env = "LOG_LEVEL", default_value = "info", global = true)]
    pub log_level: String,
    /// Log line format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

/// How tokens are signed and checked.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct JwtArgs {
    /// HS256 shared secret (at least 32 bytes). Without it and without a public key, a
    /// development key is used.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// PEM file with an RSA public key: tokens signed RS256 by an identity provider are accepted.
    #[arg(long, env = "JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,
    /// PEM file with the matching RSA private key: lets `approvals token` sign RS256 tokens.
    #[arg(long, env = "JWT_PRIVATE_KEY_FILE")]
    pub jwt_private_key_file: Option<PathBuf>,
    /// Required `iss` claim.
    #[arg(long, env = "JWT_ISSUER", default_value = "approvals")]
    pub jwt_issuer: String,
    /// Required `aud` claim.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "approvals-api")]
    pub jwt_audience: String,
}

/// `approvals serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:8080")]
    pub bind_addr: String,
    /// Worker threads (default: one per core).
    #[arg(long, env = "WORKERS")]
    pub workers: Option<usize>,
    /// Seconds between runs of the expiry sweep inside the service (0: never; then run
    /// `approvals expire-approvals` from a scheduler).
    #[arg(long, env = "EXPIRY_SWEEP_INTERVAL_SECONDS", default_value_t = 300)]
    pub expiry_sweep_interval_seconds: u64,
    /// How long, in milliseconds, an instance reuses a tenant it read (0: read it on every
    /// request). A change through this instance is seen at once; through another, within this.
    #[arg(long, env = "TENANT_CACHE_TTL_MS", default_value_t = 2000)]
    pub tenant_cache_ttl_ms: u64,
    /// Seconds a client may take to send its request headers (then the connection is closed).
    #[arg(long, env = "HEADER_TIMEOUT_SECONDS", default_value_t = 5)]
    pub header_timeout_seconds: u64,
    /// Seconds a client may take to send a whole body (then 408).
    #[arg(long, env = "BODY_TIMEOUT_SECONDS", default_value_t = 10)]
    pub body_timeout_seconds: u64,
    /// Seconds a request may run (then it is abandoned, its transaction rolled back, and 503).
    #[arg(long, env = "REQUEST_TIMEOUT_SECONDS", default_value_t = 30)]
    pub request_timeout_seconds: u64,
    /// Open connections per worker; past it new connections wait to be accepted.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 1000)]
    pub max_connections: usize,
    #[command(flatten)]
    pub jwt: JwtArgs,
}
