//! The approval domain, once: the request's values and state machine (pure, unit-tested), the
//! rules every part asks (holding a grant, expedited, the coverage that applies), filling a
//! request from an order, the computed fields of orders, writing requests (one transaction per
//! step, its history row inside it), and the expiry sweep.

pub mod coverage;
pub mod fields;
pub mod order_state;
pub mod policy;
pub mod prefill;
pub mod read_model;
pub mod service;
pub mod state;
pub mod sweep;
pub mod values;
