//! The insurance-approval service for hospitals: a multi-tenant JSON REST API through which
//! clinicians, insurance desks and integrators get payer prior approval for clinical orders.
//!
//! Layers, each importing only from those before it (a test holds this):
//! [`base`] → [`data`] → [`request`] → [`domain`] (which knows no HTTP) → [`http`] →
//! [`openapi`], [`startup`], [`cli`]. `docs/architecture.md` draws the picture.
//! `main.rs` only parses the command line; everything it runs lives here so that the tests
//! build exactly the same application ([`startup::build_app`]).

pub mod base;
pub mod cli;
pub mod data;
pub mod domain;
pub mod http;
mod layering;
pub mod openapi;
pub mod request;
pub mod seed;
pub mod startup;
