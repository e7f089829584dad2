//! The HTTP calls to the proxy, behind a small interface so tests can observe and script them.

use crate::outcome::{Reply, ReplyBody, TransportError};
use closient_checkout_core::{BalanceResponse, CheckoutResponse, ErrorEnvelope};
use gloo_net::http::Request;
use serde::de::DeserializeOwned;
use std::{future::Future, pin::Pin};

pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// An answer as it came over the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    pub retry_after: Option<String>,
    pub text: String,
}

/// Posts JSON to, and reads JSON from, the proxy.
pub trait Transport {
    fn post_json(&self, url: &str, body: String) -> LocalFuture<Result<HttpReply, TransportError>>;
    fn get_json(&self, url: &str) -> LocalFuture<Result<HttpReply, TransportError>>;
}

/// The browser's `fetch`, aborted after `timeout_ms`.
#[derive(Debug, Clone, Copy)]
pub struct FetchTransport {
    pub timeout_ms: u32,
}

impl Transport for FetchTransport {
    fn post_json(&self, url: &str, body: String) -> LocalFuture<Result<HttpReply, TransportError>> {
        let url = url.to_owned();
        Box::pin(fetch(self.timeout_ms, move |signal| {
            Request::post(&url)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .abort_signal(Some(signal))
                .body(body)
        }))
    }

    fn get_json(&self, url: &str) -> LocalFuture<Result<HttpReply, TransportError>> {
        let url = url.to_owned();
        Box::pin(fetch(self.timeout_ms, move |signal| {
            Request::get(&url)
                .header("Accept", "application/json")
                .abort_signal(Some(signal))
                .build()
        }))
    }
}

/// Sends the request `build` makes with an abort signal that fires after `timeout_ms`.
async fn fetch(
    timeout_ms: u32,
    build: impl FnOnce(&web_sys::AbortSignal) -> Result<Request, gloo_net::Error>,
) -> Result<HttpReply, TransportError> {
    let controller = web_sys::AbortController::new().map_err(|_| TransportError::Network)?;
    let request = build(&controller.signal()).map_err(|_| TransportError::Network)?;
    let abort = controller.clone();
    let timer = crate::timer::Timeout::start(timeout_ms, move || abort.abort());
    let response = request.send().await;
    let timed_out = controller.signal().aborted();
    drop(timer);
    let response = response.map_err(|_| {
        if timed_out {
            TransportError::Timeout
        } else {
            TransportError::Network
        }
    })?;
    let status = response.status();
    let retry_after = response.headers().get("Retry-After");
    let text = response.text().await.map_err(|_| TransportError::Network)?;
    Ok(HttpReply {
        status,
        retry_after,
        text,
    })
}

/// Reads an answer to a checkout request: the success shape or the error envelope.
pub fn read_checkout_reply(reply: HttpReply) -> Reply {
    let body = if (200..300).contains(&reply.status) {
        parse_json::<CheckoutResponse>(&reply.text)
            .map_or(ReplyBody::Unreadable, ReplyBody::Checkout)
    } else {
        parse_json::<ErrorEnvelope>(&reply.text)
            .map_or(ReplyBody::Unreadable, |e| ReplyBody::Error(e.error))
    };
    Reply {
        status: reply.status,
        retry_after: reply.retry_after,
        body,
    }
}

/// Reads a balance answer; anything else is `None`.
pub fn read_balance(reply: &HttpReply) -> Option<BalanceResponse> {
    (200..300)
        .contains(&reply.status)
        .then(|| parse_json(&reply.text))
        .flatten()
}

/// Serializes with the browser's JSON, keeping `serde_json` out of the wasm.
pub fn to_json<T: serde::Serialize>(value: &T) -> Option<String> {
    let value = serde_wasm_bindgen::to_value(value).ok()?;
    js_sys::JSON::stringify(&value).ok()?.as_string()
}

pub fn parse_json<T: DeserializeOwned>(text: &str) -> Option<T> {
    let value = js_sys::JSON::parse(text).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}
