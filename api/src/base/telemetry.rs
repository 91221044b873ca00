//! Structured logs with `tracing`, to standard error.
//!
//! What is logged about a request is its id, method, route *pattern* (never the concrete path or
//! query string, which could carry a patient's name or MRN as a filter), status and latency.
//! Handlers never log request or response bodies.

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Installs the global subscriber. `level` is an `EnvFilter` directive such as `info` or
/// `api=debug,info`; an invalid one falls back to `info`.
pub fn init(level: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(level)
        .unwrap_or_else(|_| EnvFilter::new("info"))
        // SQL statements are not patient data, but their volume drowns the access log.
        .add_directive("sqlx=warn".parse().expect("a valid directive"))
        .add_directive("sea_orm_migration=warn".parse().expect("a valid directive"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    // A second call (tests) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
