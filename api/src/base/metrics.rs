//! The service's Prometheus metrics (`GET /metrics`, documented in `docs/operations.md`): HTTP
//! requests by route pattern, method and status; the database pool; approval requests by tenant
//! and status. Each instance of the service has a registry of its own (no global state), so
//! several applications in one process (the tests) never mix their numbers.
//!
//! Labels never hold a concrete path, a query string or an id: routes are the matched patterns
//! (`/api/v1/lab-orders/{id}`), methods are the known ones (`OTHER` for any other), so the
//! number of series stays bounded whatever clients send.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4";

/// How long the counts of approval requests are reused before a scrape queries them again.
pub const APPROVAL_COUNTS_TTL: Duration = Duration::from_secs(10);

/// The route label of a request that matched no route (a 404 or 405).
pub const NO_ROUTE: &str = "(no route)";

/// Upper bounds of the request-duration buckets, in seconds (the handler limit is 30 s).
const DURATION_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Methods kept as they are in the `method` label; any other is `OTHER`.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// One instance's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    durations: HistogramVec,
    pool_connections: IntGaugeVec,
    pool_max: IntGauge,
    approval_requests: IntGaugeVec,
    /// When the approval counts were last queried (None: never, or the last query failed).
    counted_at: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric of the service.
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by route pattern, method and status.",
            ),
            &["method", "route", "status"],
        )
        .expect("a valid metric");
        let durations = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from receiving a request to its answer, by route pattern, method and status.",
            )
            .buckets(DURATION_BUCKETS.to_vec()),
            &["method", "route", "status"],
        )
        .expect("a valid metric");
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Connections of the database pool: in_use (lent to a request) or idle.",
            ),
            &["state"],
        )
        .expect("a valid metric");
        let pool_max = IntGauge::new(
            "db_pool_max_connections",
            "The most connections the database pool opens.",
        )
        .expect("a valid metric");
        let approval_requests = IntGaugeVec::new(
            Opts::new(
                "approval_requests",
                "Approval requests by tenant code and status (counted at most every 10 seconds).",
            ),
            &["tenant", "status"],
        )
        .expect("a valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(durations.clone()),
            Box::new(pool_connections.clone()),
            Box::new(pool_max.clone()),
            Box::new(approval_requests.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric names are unique");
        }
        Self {
            registry,
            requests,
            durations,
            pool_connections,
            pool_max,
            approval_requests,
            counted_at: Mutex::new(None),
        }
    }

    /// Records one answered request: `route` is the matched pattern (or [`NO_ROUTE`]), never
    /// the concrete path.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let method = METHODS
            .iter()
            .find(|known| **known == method)
            .copied()
            .unwrap_or("OTHER");
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.durations
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// The pool as it is now.
    pub fn set_pool(&self, in_use: u64, idle: u64, max: u64) {
        let gauge = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        self.pool_connections
            .with_label_values(&["in_use"])
            .set(gauge(in_use));
        self.pool_connections
            .with_label_values(&["idle"])
            .set(gauge(idle));
        self.pool_max.set(gauge(max));
    }

    /// Whether the approval counts are due for a new query; when they are, they count as
    /// queried now (a concurrent scrape reuses the current ones meanwhile).
    pub fn approval_counts_due(&self) -> bool {
        let mut counted_at = self.counted_at.lock().unwrap_or_else(|e| e.into_inner());
        if counted_at.is_some_and(|at| at.elapsed() < APPROVAL_COUNTS_TTL) {
            return false;
        }
        *counted_at = Some(Instant::now());
        true
    }

    /// Replaces the approval counts with `counts` (tenant code, status, count); every status of
    /// `statuses` shows for every tenant, 0 when it has no such request.
    pub fn set_approval_counts(
        &self,
        tenants: &[String],
        statuses: &[&str],
        counts: &[(String, String, i64)],
    ) {
        self.approval_requests.reset();
        for tenant in tenants {
            for status in statuses {
                self.approval_requests
                    .with_label_values(&[tenant.as_str(), status])
                    .set(0);
            }
        }
        for (tenant, status, count) in counts {
            self.approval_requests
                .with_label_values(&[tenant.as_str(), status.as_str()])
                .set(*count);
        }
    }

    /// After a failed query: the next scrape tries again.
    pub fn approval_counts_failed(&self) {
        *self.counted_at.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Every metric in the text exposition format ([`CONTENT_TYPE`]).
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        String::from_utf8(buffer).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_share_one_label() {
        let metrics = Metrics::new();
        metrics.observe_request("BREW", "/x", 404, Duration::from_millis(3));
        metrics.observe_request("GET", "/x", 200, Duration::from_millis(3));
        let text = metrics.render().expect("renders");
        assert!(text.contains(r#"http_requests_total{method="OTHER",route="/x",status="404"} 1"#));
        assert!(text.contains(r#"http_requests_total{method="GET",route="/x",status="200"} 1"#));
        assert!(!text.contains("BREW"));
    }

    #[test]
    fn approval_counts_are_reused_for_a_while() {
        let metrics = Metrics::new();
        assert!(metrics.approval_counts_due());
        assert!(!metrics.approval_counts_due());
        metrics.approval_counts_failed();
        assert!(metrics.approval_counts_due());
        metrics.set_approval_counts(
            &["GH".to_owned()],
            &["DRAFT", "SUBMITTED"],
            &[("GH".to_owned(), "SUBMITTED".to_owned(), 3)],
        );
        let text = metrics.render().expect("renders");
        assert!(text.contains(r#"approval_requests{status="DRAFT",tenant="GH"} 0"#));
        assert!(text.contains(r#"approval_requests{status="SUBMITTED",tenant="GH"} 3"#));
    }
}
