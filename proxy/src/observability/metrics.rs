//! The proxy's metrics, in one process-wide registry: counting is a few atomic operations, so
//! it runs whether or not `--metrics-listen` serves them. Every metric is registered at
//! start-up, so `/metrics` describes each one before its first event.
//!
//! Label values come from a fixed set (route templates, status codes, `&'static` limit names),
//! never from a request, so no series can grow without bound and no secret can become a label.

use prometheus_client::{
    encoding::{EncodeLabelSet, prometheus_text},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::{Metric, Registry},
};
use std::{sync::LazyLock, time::Duration};

/// What the `route` label reads for a request no route matched: static files and unknown paths.
pub const FALLBACK_ROUTE: &str = "fallback";

/// The `Content-Type` of `render`'s text.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// Upstream call durations, in seconds: from a fast answer to the longest `--upstream-timeout`.
const UPSTREAM_BUCKETS: [f64; 12] = [
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// The limits this proxy answers 429 for; each is shown from start-up, at 0.
const LIMITS: [&str; 4] = ["checkout", "balance", "in_flight", "upstream"];

/// A metric's name as registered (the encoder adds a counter's `_total`), its type and help.
#[derive(Debug)]
struct Description {
    registered: &'static str,
    kind: &'static str,
    help: &'static str,
}

impl Description {
    fn exposed(&self) -> String {
        match self.kind {
            "counter" => format!("{}_total", self.registered),
            _ => self.registered.to_owned(),
        }
    }
}

const REQUESTS: Description = Description {
    registered: "checkout_proxy_requests",
    kind: "counter",
    help: "Requests answered, by route template and status",
};
const UPSTREAM_DURATION: Description = Description {
    registered: "checkout_proxy_upstream_duration_seconds",
    kind: "histogram",
    help: "Time each call to the Closient API took, by route template, failures included",
};
const RATE_LIMITED: Description = Description {
    registered: "checkout_proxy_rate_limited",
    kind: "counter",
    help: "Requests answered 429, by the limit they ran into",
};
const IDEMPOTENT_REPLAYS: Description = Description {
    registered: "checkout_proxy_idempotent_replays",
    kind: "counter",
    help: "Checkouts answered again from an idempotency record, without an upstream call",
};
const REDIS_UP: Description = Description {
    registered: "checkout_proxy_redis_up",
    kind: "gauge",
    help: "1 while the shared store answers, 0 while it does not; no sample without --redis-url",
};
const REDIS_ERRORS: Description = Description {
    registered: "checkout_proxy_redis_errors",
    kind: "counter",
    help: "Shared store operations that failed or passed their deadline",
};
const DESCRIPTIONS: [&Description; 6] = [
    &REQUESTS,
    &UPSTREAM_DURATION,
    &RATE_LIMITED,
    &IDEMPOTENT_REPLAYS,
    &REDIS_UP,
    &REDIS_ERRORS,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabel {
    limit: &'static str,
}

/// No labels: a family of one series, so that a gauge can have no sample until it is set.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NoLabels {}

type HistogramFamily = Family<RouteLabel, Histogram, fn() -> Histogram>;

#[derive(Debug)]
struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    upstream_duration: HistogramFamily,
    rate_limited: Family<LimitLabel, Counter>,
    idempotent_replays: Counter,
    redis_up: Family<NoLabels, Gauge>,
    redis_errors: Counter,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::default();
    let requests = Family::default();
    let upstream_duration: HistogramFamily =
        Family::new_with_constructor(|| Histogram::new(UPSTREAM_BUCKETS));
    let rate_limited = Family::<LimitLabel, Counter>::default();
    for limit in LIMITS {
        let _ = rate_limited.get_or_create(&LimitLabel { limit });
    }
    let idempotent_replays = Counter::default();
    let redis_up = Family::default();
    let redis_errors = Counter::default();
    register(&mut registry, &REQUESTS, requests.clone());
    register(&mut registry, &UPSTREAM_DURATION, upstream_duration.clone());
    register(&mut registry, &RATE_LIMITED, rate_limited.clone());
    register(
        &mut registry,
        &IDEMPOTENT_REPLAYS,
        idempotent_replays.clone(),
    );
    register(&mut registry, &REDIS_UP, redis_up.clone());
    register(&mut registry, &REDIS_ERRORS, redis_errors.clone());
    Metrics {
        registry,
        requests,
        upstream_duration,
        rate_limited,
        idempotent_replays,
        redis_up,
        redis_errors,
    }
});

fn register(registry: &mut Registry, description: &Description, metric: impl Metric) {
    registry.register(description.registered, description.help, metric);
}

/// Registers every metric now rather than at the first event.
pub fn init() {
    LazyLock::force(&METRICS);
}

/// One request answered. `route` is the matched route template or `FALLBACK_ROUTE`.
pub fn request(route: &str, status: u16) {
    METRICS
        .requests
        .get_or_create(&RequestLabels {
            route: route.to_owned(),
            status,
        })
        .inc();
}

/// One call to the Closient API for the route template `route`, and how long it took.
pub fn upstream_duration(route: &'static str, took: Duration) {
    METRICS
        .upstream_duration
        .get_or_create(&RouteLabel { route })
        .observe(took.as_secs_f64());
}

/// One request answered 429 because of `limit` (`checkout`, `balance`, `in_flight`, `upstream`).
pub fn rate_limited(limit: &'static str) {
    METRICS
        .rate_limited
        .get_or_create(&LimitLabel { limit })
        .inc();
}

/// One checkout answered from its idempotency record.
pub fn idempotent_replay() {
    METRICS.idempotent_replays.inc();
}

/// One shared store operation that failed or passed its deadline.
pub fn redis_error() {
    METRICS.redis_errors.inc();
}

/// Whether the shared store answers. Until the first call the gauge has no sample: a proxy
/// without `--redis-url` exports none, so an alert on `== 0` fires only where Redis is used.
pub fn set_redis_up(up: bool) {
    METRICS
        .redis_up
        .get_or_create(&NoLabels {})
        .set(i64::from(up));
}

/// Every metric in the Prometheus text format (version 0.0.4).
pub fn render() -> String {
    let mut text = String::new();
    // Writing to a `String` cannot fail.
    let _ = prometheus_text::encode(&mut text, &METRICS.registry);
    // The encoder leaves out a family with no series yet; its description is still news to
    // the operator who looks for it, and Prometheus reads a description without samples.
    for description in DESCRIPTIONS {
        let exposed = description.exposed();
        if !text.contains(&format!("# TYPE {exposed} ")) {
            text.push_str(&format!(
                "# HELP {exposed} {}.\n# TYPE {exposed} {}\n",
                description.help, description.kind
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The registry is one per process and unit tests share it: each test reads only series
    /// no other test touches. That every metric is described from start-up is checked through
    /// the binary, in tests/observability.rs.
    #[test]
    fn the_redis_gauge_has_a_sample_only_once_set() {
        let sample = |text: &str| {
            text.lines()
                .find(|line| line.starts_with("checkout_proxy_redis_up "))
                .map(str::to_owned)
        };
        assert_eq!(sample(&render()), None);
        set_redis_up(false);
        assert_eq!(
            sample(&render()).as_deref(),
            Some("checkout_proxy_redis_up 0")
        );
        set_redis_up(true);
        assert_eq!(
            sample(&render()).as_deref(),
            Some("checkout_proxy_redis_up 1")
        );
    }
}
