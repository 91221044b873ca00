//! The approval domain, once: the state machine (pure, unit-tested), the service that applies
//! it (one transaction per step, its history row written inside it), filling a request from an
//! order, and the expiry sweep.

pub mod computed;
pub mod fields;
pub mod prefill;
pub mod service;
pub mod state;
pub mod sweep;
