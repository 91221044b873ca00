//! The insurance-approval service for hospitals: a multi-tenant JSON REST API through which
//! clinicians, insurance desks and integrators get payer prior approval for clinical orders.
//!
//! `main.rs` only parses the command line; everything it runs lives here so that the tests
//! build exactly the same application ([`startup::build_app`]).

pub mod approval;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod list;
pub mod openapi;
pub mod orders;
pub mod routes;
pub mod startup;
pub mod telemetry;
pub mod validate;
