//! The base layer: configuration, errors, time (the clock, a tenant's zone and today), tokens,
//! metrics and the application state. It imports nothing from the layers above it.

pub mod clock;
pub mod config;
pub mod context;
pub mod error;
pub mod metrics;
pub mod state;
pub mod telemetry;
pub mod tokens;
