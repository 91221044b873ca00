//! SeaORM models of the service, one module per table. Nothing here knows about HTTP or
//! OpenAPI: the API crate maps these rows to its own request and response types.
//!
//! Enumerated values (roles, sexes, priorities, statuses) are stored as strings; the API crate
//! owns their typed form, so a new value is a code change, never a schema migration.

pub mod insurance_info;
pub mod patient;
pub mod provider;
pub mod tenant;
