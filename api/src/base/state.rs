//! The application state every handler can reach: the database pool, the token keys, the
//! clock, and the cache of tenants.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::clock::SharedClock;
use super::metrics::Metrics;
use super::tokens::JwtKeys;

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub jwt: JwtKeys,
    /// Where "now" comes from (the system clock, or a test's).
    pub clock: SharedClock,
    /// Tenants recently read, so that a request does not cost a statement for its tenant.
    pub tenants: TenantCache,
    /// How long a client may take to send a body, and a handler to answer.
    pub limits: Limits,
    /// This instance's Prometheus metrics (`GET /metrics`).
    pub metrics: Metrics,
}

/// Time limits on a request, so that a slow or stuck client cannot hold the service.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Reading a whole body; a client slower than this gets 408.
    pub body_read: Duration,
    /// A handler's whole run; past it the request is abandoned (its transaction rolled back)
    /// and answered 503.
    pub handler: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_read: Duration::from_secs(10),
            handler: Duration::from_secs(30),
        }
    }
}

impl AppState {
    /// The state of a service on `db`, with the system clock and a tenant cache of `ttl`.
    pub fn new(db: DatabaseConnection, jwt: JwtKeys, clock: SharedClock, ttl: Duration) -> Self {
        Self {
            db,
            jwt,
            clock,
            tenants: TenantCache::new(ttl),
            limits: Limits::default(),
            metrics: Metrics::new(),
        }
    }

    /// The same state with other time limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// Tenants read in the last `ttl`. An instance forgets its own entry when it changes the
/// tenant (`PATCH /tenant`); a change made by another instance is seen here within `ttl`.
#[derive(Debug)]
pub struct TenantCache {
    ttl: Duration,
    entries: RwLock<HashMap<Uuid, (Instant, Arc<entity::tenant::Model>)>>,
}

/// Above this many entries the cache is emptied rather than grown (a bound on memory).
const MAX_TENANTS: usize = 10_000;

impl TenantCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// The cached tenant `id`, if it was read less than `ttl` ago.
    pub fn get(&self, id: Uuid) -> Option<Arc<entity::tenant::Model>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&id)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, tenant)| tenant.clone())
    }

    /// Remembers `tenant` as read now.
    pub fn put(&self, tenant: Arc<entity::tenant::Model>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_TENANTS {
            entries.clear();
        }
        entries.insert(tenant.id, (Instant::now(), tenant));
    }

    /// Forgets tenant `id` (after this instance changed it).
    pub fn forget(&self, id: Uuid) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.remove(&id);
    }
}
