//! What a write records about the request it belongs to: the request's id and the
//! authenticated user, carried as a task-local through the request's future. The request
//! middleware opens the scope; authenticating the caller names the user; the audit trail reads
//! both. A write outside any request (the expiry sweep, the command line) is `system`'s.

use std::future::Future;
use std::sync::Mutex;

tokio::task_local! {
    static CONTEXT: Context;
}

struct Context {
    request_id: String,
    actor: Mutex<Option<String>>,
}

/// The actor of writes made outside a request.
pub const SYSTEM: &str = "system";

/// Runs `future` as the request `request_id`.
pub async fn scope<F: Future>(request_id: String, future: F) -> F::Output {
    CONTEXT
        .scope(
            Context {
                request_id,
                actor: Mutex::new(None),
            },
            future,
        )
        .await
}

/// Names the authenticated user of the current request.
pub fn set_actor(user: &str) {
    let _ = CONTEXT.try_with(|context| {
        *context.actor.lock().unwrap_or_else(|e| e.into_inner()) = Some(user.to_owned());
    });
}

/// The user the current write is made for: the request's authenticated user, else `system`.
pub fn actor() -> String {
    CONTEXT
        .try_with(|context| {
            context
                .actor
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| SYSTEM.to_owned())
}

/// The current request's id, if a request is being served.
pub fn request_id() -> Option<String> {
    CONTEXT.try_with(|context| context.request_id.clone()).ok()
}
