//! The domain layer: orders and approvals, their rules and their writes. It knows no HTTP
//! type: functions take plain values and return [`crate::base::error::Error`], which the HTTP
//! edge turns into problem answers.

pub mod approval;
pub mod labels;
pub mod orders;
pub mod validate;
