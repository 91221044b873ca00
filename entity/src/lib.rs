//! SeaORM models of the service, one module per table. Nothing here knows about HTTP or
//! OpenAPI: the API crate maps these rows to its own request and response types.
//!
//! Enumerated values (roles, sexes, priorities, statuses) are stored as strings; the API crate
//! owns their typed form, so a new value is a code change, never a schema migration.

pub mod approval_communication;
pub mod approval_document;
pub mod approval_request;
pub mod approval_status_history;
pub mod approval_template;
pub mod audit_event;
pub mod idempotency_key;
pub mod imaging_order;
pub mod insurance_info;
pub mod lab_order;
pub mod medication;
pub mod number_sequence;
pub mod order_approval_state;
pub mod patient;
pub mod prescription;
pub mod provider;
pub mod surgical_case;
pub mod tenant;
