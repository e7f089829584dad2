//! The same-origin proxy of Closient Checkout: it checks a checkout request with the rules of
//! `closient-checkout-core`, attaches the Closient API key (which never reaches a browser),
//! calls the API once, and answers with a checkout URL that passed the allowlist.

pub mod balance;
pub mod checkout;
pub mod client_ip;
pub mod config;
pub mod error;
mod json;
pub mod observability;
pub mod origin_guard;
pub mod per_client;
pub mod rate_limit;
mod recent;
pub mod secret;
pub mod server;
pub mod shared;
pub mod static_files;
pub mod tenant;
pub mod upstream;

use axum::{
    BoxError, Json, Router,
    error_handling::HandleErrorLayer,
    extract::{ConnectInfo, Request},
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use client_ip::ClientKey;
use config::Config;
use error::AppError;
use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::Semaphore;
use tower::{
    ServiceBuilder,
    layer::util::{Identity, Stack},
    limit::GlobalConcurrencyLimitLayer,
    load_shed::LoadShedLayer,
};

/// What every handler shares. Cloned per request, a dozen times with the service stack: the
/// parts are behind `Arc`, so a clone allocates nothing.
#[derive(Debug, Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub upstream: Arc<upstream::Upstream>,
    /// Rate limits, idempotency records and the upstream's Retry-After: in Redis with
    /// `--redis-url`, else in this process.
    pub shared: Arc<shared::SharedState>,
    pub balances: Arc<balance::BalanceCache>,
    /// The API's capacity: a balance read holds a slot for the whole request, a checkout only
    /// once its body is in.
    pub api_slots: Arc<Semaphore>,
    /// API requests each client has in flight, counted before a body is read.
    pub api_requests_per_client: per_client::PerClient,
    csp: Arc<HeaderValue>,
}

impl AppState {
    pub fn new(config: Config) -> Result<Self, String> {
        let upstream = Arc::new(upstream::Upstream::new(&config)?);
        let csp = static_files::content_security_policy(
            config.flags.static_dir.as_deref(),
            &config.flags.frame_ancestors,
            &config.flags.connect_origins,
        )
        .map_err(|e| {
            let page = config
                .flags
                .static_dir
                .as_deref()
                .map(|dir| dir.join("index.html"));
            let page = page
                .as_deref()
                .unwrap_or(std::path::Path::new("index.html"));
            format!("cannot read {} for its script hashes: {e}", page.display())
        })?;
        let csp = HeaderValue::from_str(&csp)
            .map_err(|_| "--frame-ancestors has characters a header cannot carry")?;
        Ok(Self {
            api_slots: Arc::new(Semaphore::new(config.flags.max_concurrent_requests.get())),
            shared: Arc::new(shared::SharedState::new(&config)?),
            api_requests_per_client: per_client::PerClient::new(
                config.flags.max_api_requests_per_client.get(),
            ),
            config: Arc::new(config),
            upstream,
            balances: Arc::default(),
            csp: Arc::new(csp),
        })
    }
}

impl AppState {
    /// Takes one of `client`'s requests for `limit`, or answers 429.
    pub async fn rate_limit(&self, limit: error::Limit, client: ClientKey) -> Result<(), AppError> {
        self.shared
            .rate_limit(limit, client)
            .await
            .map_err(|wait| AppError::RateLimited { wait, limit })
    }

    /// `call`, the upstream call for `route`, timed in its metric, unless the upstream's last
    /// 429 asked for a pause that has not passed (then 429 with the time left, and no call). A
    /// 429 it answers with a `Retry-After` holds off every request, on every replica sharing
    /// Redis, that long.
    pub async fn call_upstream<T>(
        &self,
        route: &'static str,
        call: impl Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        if let Some(wait) = self.shared.upstream_wait().await {
            return Err(AppError::RateLimited {
                wait,
                limit: error::Limit::Upstream,
            });
        }
        let called = Instant::now();
        let answer = call.await;
        observability::metrics::upstream_duration(route, called.elapsed());
        if let Err(AppError::Relayed(relayed)) = &answer
            && relayed.0.status == StatusCode::TOO_MANY_REQUESTS.as_u16()
            && let Some(wait) = retry_after(&relayed.1)
        {
            self.shared.hold_upstream(wait).await;
        }
        answer
    }
}

/// A `Retry-After` in seconds or as a date, as a wait from now.
fn retry_after(headers: &axum::http::HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    closient_checkout_core::parse_retry_after(value, now)
        .filter(|&secs| secs > 0)
        .map(Duration::from_secs)
}

/// Requests `/healthz` answers at once: probes come a few a second at most, and a flood of
/// them cannot take the slots of the page or the API.
pub const HEALTHZ_SLOTS: usize = 64;

/// The whole service; tests call it with `oneshot` and no socket.
///
/// Static files, `/healthz` and the API each have their own slots, so no route can starve
/// another. A request that finds none free is answered 503 at once.
pub fn app(state: AppState) -> Router {
    let balance = Router::new()
        .route(balance::ROUTE, get(balance::balance))
        .layer(capacity(state.api_slots.clone()));
    // The checkout takes its slot itself, once its body is read (see `checkout`).
    let api = Router::new()
        .route(checkout::ROUTE, post(checkout::create_checkout))
        .merge(balance);
    // Debug builds only, and only when asked: lets the tests show that a panic in a handler
    // is answered in the envelope and leaks nothing. Release builds have no such route.
    #[cfg(debug_assertions)]
    let api = if !state.config.debug_panic_route {
        api
    } else {
        api.route(
            "/api/debug/panic",
            get(panic_on_purpose).layer(capacity(state.api_slots.clone())),
        )
    };
    let api = api.route_layer(middleware::from_fn_with_state(
        state.clone(),
        per_client_api_cap,
    ));
    let files = Arc::new(Semaphore::new(
        state.config.flags.max_concurrent_requests.get(),
    ));
    let site = match &state.config.flags.static_dir {
        Some(dir) => Router::new().fallback_service(
            ServiceBuilder::new()
                .layer(capacity(files))
                .service(static_files::service(dir)),
        ),
        None => Router::new().fallback(|| async { AppError::Status(StatusCode::NOT_FOUND) }),
    };
    let deadline = middleware::from_fn_with_state(state.config.request_timeout(), request_deadline);
    Router::new()
        .route(
            "/healthz",
            get(|| async { Json(serde_json::json!({ "status": "ok" })) })
                .layer(capacity(Arc::new(Semaphore::new(HEALTHZ_SLOTS)))),
        )
        .merge(api.merge(site).layer(deadline))
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    observability::observe,
                ))
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    security_headers,
                ))
                .layer(middleware::from_fn(error::envelope_plain_errors))
                .layer(middleware::from_fn(static_files::cache_headers))
                // Skips answers that already carry a Content-Encoding: the precompressed twins.
                .layer(tower_http::compression::CompressionLayer::new())
                // A panic costs its request only; the hook installed in main logs it.
                .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                    |_panic: Box<dyn std::any::Any + Send>| {
                        AppError::Status(StatusCode::INTERNAL_SERVER_ERROR).into_response()
                    },
                )),
        )
        .with_state(state)
}

type Busy = fn(BoxError) -> std::future::Ready<StatusCode>;

type Capacity = ServiceBuilder<
    Stack<
        GlobalConcurrencyLimitLayer,
        Stack<LoadShedLayer, Stack<HandleErrorLayer<Busy, ()>, Identity>>,
    >,
>;

/// `slots` as the capacity of what it wraps. One semaphore whatever the layer is cloned into:
/// `Router::layer` wraps each route apart.
fn capacity(slots: Arc<Semaphore>) -> Capacity {
    let busy: Busy = |_| std::future::ready(StatusCode::SERVICE_UNAVAILABLE);
    ServiceBuilder::new()
        .layer(HandleErrorLayer::new(busy))
        .layer(LoadShedLayer::new())
        .layer(GlobalConcurrencyLimitLayer::with_semaphore(slots))
}

/// Middleware on the API routes: a client with `--max-api-requests-per-client` requests in
/// flight is answered 429 before anything of this one is read, its body included. Slow bodies
/// from one client hold that many connections' worth of work at most.
async fn per_client_api_cap(
    axum::extract::State(state): axum::extract::State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let client = ClientKey::from(
        state
            .config
            .trusted_proxies
            .client_ip(peer, request.headers()),
    );
    let Some(_held) = state.api_requests_per_client.try_hold(client) else {
        return AppError::RateLimited {
            wait: Duration::from_secs(1),
            limit: error::Limit::InFlight,
        }
        .into_response();
    };
    next.run(request).await
}

#[cfg(debug_assertions)]
async fn panic_on_purpose() -> StatusCode {
    panic!("the panic route was asked for")
}

/// The proxy's own deadline for a request, longer than the upstream's, so that an upstream
/// timeout is answered as such and this one only when the proxy itself was slow.
async fn request_deadline(
    axum::extract::State(deadline): axum::extract::State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                ?deadline,
                "request took longer than the proxy's own deadline"
            );
            AppError::ProxyDeadline.into_response()
        }
    }
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
