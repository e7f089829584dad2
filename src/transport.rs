//! The HTTP call to the proxy, behind a small interface so tests can observe and script it.

use crate::outcome::{Reply, ReplyBody, TransportError};
use closient_checkout_core::{CheckoutResponse, ErrorEnvelope};
use serde::de::DeserializeOwned;
use std::{future::Future, pin::Pin};

pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// Posts a JSON body and reads the answer.
pub trait Transport {
    fn post_json(&self, url: &str, body: String) -> LocalFuture<Result<Reply, TransportError>>;
}

/// The browser's `fetch`, aborted after `timeout_ms`.
#[derive(Debug, Clone, Copy)]
pub struct FetchTransport {
    pub timeout_ms: u32,
}

impl Transport for FetchTransport {
    fn post_json(&self, url: &str, body: String) -> LocalFuture<Result<Reply, TransportError>> {
        let url = url.to_owned();
        let timeout_ms = self.timeout_ms;
        Box::pin(async move {
            let controller =
                web_sys::AbortController::new().map_err(|_| TransportError::Network)?;
            let abort = controller.clone();
            let timer = crate::timer::Timeout::start(timeout_ms, move || abort.abort());
            let request = gloo_net::http::Request::post(&url)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .abort_signal(Some(&controller.signal()))
                .body(body)
                .map_err(|_| TransportError::Network)?;
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
            Ok(Reply {
                status,
                retry_after,
                body: read_body(status, &text),
            })
        })
    }
}

/// Reads a body as the proxy's success shape or its error envelope.
pub fn read_body(status: u16, text: &str) -> ReplyBody {
    if (200..300).contains(&status) {
        parse_json::<CheckoutResponse>(text).map_or(ReplyBody::Unreadable, ReplyBody::Checkout)
    } else {
        parse_json::<ErrorEnvelope>(text)
            .map_or(ReplyBody::Unreadable, |e| ReplyBody::Error(e.error))
    }
}

/// Serializes with the browser's JSON, keeping `serde_json` out of the wasm.
pub fn to_json<T: serde::Serialize>(value: &T) -> Option<String> {
    let value = serde_wasm_bindgen::to_value(value).ok()?;
    js_sys::JSON::stringify(&value).ok()?.as_string()
}

fn parse_json<T: DeserializeOwned>(text: &str) -> Option<T> {
    let value = js_sys::JSON::parse(text).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}
