//! Every route of the mock under one router, with a log line per request.

use crate::state::{BASE_PATH, MockState};
use crate::{admin, api, dashboard, hosted_page};
use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use closient_checkout_server_common::log_value::clipped;
use closient_checkout_server_common::serve::CloseUnanswered;

/// Every route of the mock. The `drop` fault needs the server of `start`: served by anything
/// else, its response is a bare 500.
pub fn router(state: MockState) -> Router {
    let bench = state.bench();
    let router = Router::new()
        .nest(BASE_PATH, api::routes(state.clone()))
        .merge(hosted_page::routes(state.clone()))
        .merge(admin::routes(state.clone()))
        .merge(dashboard::routes(state));
    // A benchmark's thousands of calls a second would be as many log lines.
    if bench {
        router
    } else {
        router.layer(middleware::from_fn(log_request))
    }
}

/// One line per request. Only the method, path and status: headers carry the API key.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = clipped(request.uri().path()).to_owned();
    let response = next.run(request).await;
    if response.extensions().get::<CloseUnanswered>().is_some() {
        tracing::info!("{method} {path} dropped");
    } else {
        tracing::info!("{method} {path} {}", response.status().as_u16());
    }
    response
}
