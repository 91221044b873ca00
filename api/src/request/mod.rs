//! Request plumbing: reading bodies, query strings and headers in the API's own error shape,
//! authentication and roles, lists (paging, sorting, filters), and the problem answers.

pub mod auth;
pub mod extract;
pub mod idempotency;
pub mod list;
pub mod problem;
pub mod strict;
