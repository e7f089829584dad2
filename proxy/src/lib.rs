//! The same-origin proxy of Closient Checkout: it checks a checkout request with the rules of
//! `closient-checkout-core`, attaches the Closient API key (which never reaches a browser),
//! calls the API once, and answers with a checkout URL that passed the allowlist.

pub mod balance;
pub mod checkout;
pub mod client_ip;
pub mod config;
pub mod error;
pub mod origin_guard;
pub mod rate_limit;
pub mod secret;
pub mod static_files;
pub mod tenant;
pub mod upstream;

use axum::{
    BoxError, Json, Router,
    error_handling::HandleErrorLayer,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::Response,
    routing::{get, post},
};
use config::Config;
use error::AppError;
use std::{sync::Arc, time::Instant};
use tower::ServiceBuilder;

/// Requests handled at once before new ones are refused with 503.
const MAX_CONCURRENT_REQUESTS: usize = 512;

/// What every handler shares. Cloned per request; the parts are behind `Arc`.
#[derive(Debug, Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub upstream: upstream::Upstream,
    pub limiter: Arc<rate_limit::RateLimiter>,
    pub balance_limiter: Arc<rate_limit::RateLimiter>,
    pub balances: Arc<balance::BalanceCache>,
    csp: Arc<HeaderValue>,
}

impl AppState {
    pub fn new(config: Config) -> Result<Self, String> {
        let upstream = upstream::Upstream::new(
            &config.upstream,
            config.api_key.clone(),
            config.upstream_timeout,
        )?;
        let csp = static_files::content_security_policy(
            config.static_dir.as_deref(),
            &config.frame_ancestors,
            &config.connect_origins,
        )
        .map_err(|e| format!("cannot read index.html for its script hashes: {e}"))?;
        let csp = HeaderValue::from_str(&csp)
            .map_err(|_| "--frame-ancestors has characters a header cannot carry")?;
        Ok(Self {
            limiter: Arc::new(rate_limit::RateLimiter::new(config.rate_limit)),
            balance_limiter: Arc::new(rate_limit::RateLimiter::new(config.balance_rate_limit)),
            config: Arc::new(config),
            upstream,
            balances: Arc::default(),
            csp: Arc::new(csp),
        })
    }
}

/// The whole service; tests call it with `oneshot` and no socket.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/api/billing/checkout", post(checkout::create_checkout))
        .route(
            "/api/billing/balance/{organization_id}",
            get(balance::balance),
        )
        .route(
            "/healthz",
            get(|| async { Json(serde_json::json!({ "status": "ok" })) }),
        );
    router = match &state.config.static_dir {
        Some(dir) => router.fallback_service(static_files::serve_dir(dir)),
        None => router.fallback(|| async { AppError::for_status(StatusCode::NOT_FOUND) }),
    };
    let request_timeout = state.config.request_timeout;
    router
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn(log_request))
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    security_headers,
                ))
                .layer(middleware::from_fn(error::envelope_plain_errors))
                .layer(middleware::from_fn(static_files::cache_headers))
                // Skips answers that already carry a Content-Encoding: the precompressed twins.
                .layer(tower_http::compression::CompressionLayer::new())
                .layer(HandleErrorLayer::new(|_: BoxError| async {
                    StatusCode::SERVICE_UNAVAILABLE
                }))
                .layer(tower::load_shed::LoadShedLayer::new())
                .layer(tower::limit::ConcurrencyLimitLayer::new(
                    MAX_CONCURRENT_REQUESTS,
                ))
                .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                    StatusCode::GATEWAY_TIMEOUT,
                    request_timeout,
                )),
        )
        .with_state(state)
}

/// One line per request: method, path (never the query or headers), status and latency.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

async fn security_headers(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, (*state.csp).clone());
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin-allow-popups"),
    );
    response
}
