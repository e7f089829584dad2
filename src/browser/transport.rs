//! The HTTP calls to the proxy, behind a small interface so tests can observe and script them,
//! and the reading of their answers into core's types.

use super::json;
use closient_checkout_core::{
    ApiError, BalanceResponse, CheckoutResponse, ErrorEnvelope, idempotency::KEY_HEADER,
};
use gloo_net::http::Request;
use std::{future::Future, pin::Pin};
use wasm_bindgen::prelude::*;
use web_sys::AbortController;

#[wasm_bindgen]
extern "C" {
    /// Absent outside a secure context (a page over plain http off loopback): then `Err`.
    #[wasm_bindgen(catch, js_namespace = crypto, js_name = randomUUID)]
    fn random_uuid() -> Result<String, JsValue>;
}

/// A new `Idempotency-Key` for one click, or `None` where the browser cannot make one: the
/// request then goes without it, as before keys existed.
pub fn new_idempotency_key() -> Option<String> {
    random_uuid().ok()
}

pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// No answer came back, so there is no status to go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportError {
    Network,
    Timeout,
}

/// An answer as it came over the wire: what a `Transport` returns and tests script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    pub retry_after: Option<String>,
    pub text: String,
}

/// An answer to a checkout request with its body read into core's types as far as it could be.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: ReplyBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReplyBody {
    Checkout(CheckoutResponse),
    Error(ApiError),
    /// Not JSON, or JSON of neither shape.
    Unreadable,
}

/// Posts JSON to, and reads JSON from, the proxy.
pub trait Transport {
    /// `key` is the click's `Idempotency-Key`, the same for each of its retries.
    fn post_json(
        &self,
        url: &str,
        body: String,
        key: Option<&str>,
    ) -> LocalFuture<Result<HttpReply, TransportError>>;
    fn get_json(&self, url: &str) -> LocalFuture<Result<HttpReply, TransportError>>;
}

/// The browser's `fetch`, aborted after `timeout_ms`, with the tenant token as a bearer token
/// when the page gave one.
#[derive(Debug, Clone)]
pub struct FetchTransport {
    pub timeout_ms: u32,
    pub token: Option<String>,
}

impl Transport for FetchTransport {
    fn post_json(
        &self,
        url: &str,
        body: String,
        key: Option<&str>,
    ) -> LocalFuture<Result<HttpReply, TransportError>> {
        let post = (body, key.map(str::to_owned));
        Box::pin(fetch(self.clone(), url.to_owned(), Some(post)))
    }

    fn get_json(&self, url: &str) -> LocalFuture<Result<HttpReply, TransportError>> {
        Box::pin(fetch(self.clone(), url.to_owned(), None))
    }
}

/// Sends a GET, or a POST of a body with its idempotency key, asking for JSON, with an abort
/// signal that fires after `timeout_ms`.
async fn fetch(
    transport: FetchTransport,
    url: String,
    post: Option<(String, Option<String>)>,
) -> Result<HttpReply, TransportError> {
    let controller = AbortController::new().map_err(|_| TransportError::Network)?;
    let signal = controller.signal();
    // Built here rather than with gloo-net's `RequestBuilder`, whose query-string merging
    // (a `Url` parsed and written back) the widget never uses.
    let init = web_sys::RequestInit::new();
    let headers = web_sys::Headers::new().map_err(|_| TransportError::Network)?;
    let header = |name: &str, value: &str| {
        headers
            .set(name, value)
            .map_err(|_| TransportError::Network)
    };
    header("Accept", "application/json")?;
    if let Some(token) = &transport.token {
        header("Authorization", &format!("Bearer {token}"))?;
    }
    if let Some((body, key)) = post {
        header("Content-Type", "application/json")?;
        if let Some(key) = key {
            header(KEY_HEADER, &key)?;
        }
        init.set_method("POST");
        init.set_body(&body.into());
    }
    init.set_headers(&headers);
    init.set_signal(Some(&signal));
    let request = web_sys::Request::new_with_str_and_init(&url, &init)
        .map(Request::from)
        .map_err(|_| TransportError::Network)?;
    let abort = controller.clone();
    let timer = super::timer::Timeout::start(transport.timeout_ms, move || abort.abort());
    let response = request.send().await;
    let timed_out = signal.aborted();
    drop(timer);
    let response = response.map_err(|_| {
        if timed_out {
            TransportError::Timeout
        } else {
            TransportError::Network
        }
    })?;
    Ok(HttpReply {
        status: response.status(),
        retry_after: response.headers().get("Retry-After"),
        text: response.text().await.map_err(|_| TransportError::Network)?,
    })
}

/// Reads an answer to a checkout request: the success shape or the error envelope.
pub fn read_checkout_reply(reply: HttpReply) -> Reply {
    let body = if (200..300).contains(&reply.status) {
        json::from_str(&reply.text).map(ReplyBody::Checkout)
    } else {
        json::from_str(&reply.text).map(|envelope: ErrorEnvelope| ReplyBody::Error(envelope.error))
    };
    Reply {
        status: reply.status,
        retry_after: reply.retry_after,
        body: body.unwrap_or(ReplyBody::Unreadable),
    }
}

/// Reads a balance answer; anything else is `None`.
pub fn read_balance(reply: &HttpReply) -> Option<BalanceResponse> {
    if (200..300).contains(&reply.status) {
        json::from_str(&reply.text)
    } else {
        None
    }
}
