//! The data layer: connecting, tenant-scoped queries, versioned writes, the mapping of database
//! errors, and the tenants (cached). It knows no HTTP type.

pub mod audit;
pub mod constraints;
pub mod db;
pub mod idempotency;
pub mod tenants;
