//! The approval domain, once: the request's values and state machine (pure, unit-tested), the
//! rules every part asks (holding a grant, expedited, the coverage that applies), filling a
//! request from an order, the computed fields of orders, writing requests (one transaction per
//! step, its history row inside it), and the expiry sweep.

pub mod computed;
pub mod coverage;
pub mod fields;
pub mod policy;
pub mod prefill;
pub mod service;
pub mod state;
pub mod sweep;
pub mod values;
