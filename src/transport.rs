//! The HTTP calls to the proxy, behind a small interface so tests can observe and script them.

use crate::{
    json,
    outcome::{Reply, ReplyBody, TransportError},
};
use closient_checkout_core::{
    ApiError, BalanceResponse, CheckoutRequest, CheckoutResponse, ErrorCode, FieldError, Money,
    field,
};
use std::{future::Future, pin::Pin};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Request, RequestInit, Response};

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
        Box::pin(fetch(self.timeout_ms, url.to_owned(), Some(body)))
    }

    fn get_json(&self, url: &str) -> LocalFuture<Result<HttpReply, TransportError>> {
        Box::pin(fetch(self.timeout_ms, url.to_owned(), None))
    }
}

/// A GET, or a POST of `body`, that asks for JSON.
fn json_request(url: &str, body: Option<&str>, signal: &AbortSignal) -> Option<Request> {
    let mut headers = json::Writer::default().string("Accept", "application/json");
    let init = RequestInit::new();
    if let Some(body) = body {
        headers = headers.string("Content-Type", "application/json");
        init.set_method("POST");
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers.into_object());
    init.set_signal(Some(signal));
    Request::new_with_str_and_init(url, &init).ok()
}

/// Sends the request with an abort signal that fires after `timeout_ms`.
async fn fetch(
    timeout_ms: u32,
    url: String,
    body: Option<String>,
) -> Result<HttpReply, TransportError> {
    let window = web_sys::window().ok_or(TransportError::Network)?;
    let controller = AbortController::new().map_err(|_| TransportError::Network)?;
    let request =
        json_request(&url, body.as_deref(), &controller.signal()).ok_or(TransportError::Network)?;
    let abort = controller.clone();
    let timer = crate::timer::Timeout::start(timeout_ms, move || abort.abort());
    let response = JsFuture::from(window.fetch_with_request(&request)).await;
    let timed_out = controller.signal().aborted();
    drop(timer);
    let response: Response = response
        .map_err(|_| {
            if timed_out {
                TransportError::Timeout
            } else {
                TransportError::Network
            }
        })?
        .unchecked_into();
    let status = response.status();
    let retry_after = response.headers().get("Retry-After").ok().flatten();
    let text = response.text().map_err(|_| TransportError::Network)?;
    let text = JsFuture::from(text)
        .await
        .ok()
        .and_then(|text| text.as_string())
        .ok_or(TransportError::Network)?;
    Ok(HttpReply {
        status,
        retry_after,
        text,
    })
}

/// Reads an answer to a checkout request: the success shape or the error envelope.
pub fn read_checkout_reply(reply: HttpReply) -> Reply {
    let success = (200..300).contains(&reply.status);
    let body = json::parse(&reply.text).and_then(|json| {
        if success {
            let checkout_url = json::string(&json, "checkout_url")?;
            Some(ReplyBody::Checkout(CheckoutResponse { checkout_url }))
        } else {
            read_error(&json).map(ReplyBody::Error)
        }
    });
    Reply {
        status: reply.status,
        retry_after: reply.retry_after,
        body: body.unwrap_or(ReplyBody::Unreadable),
    }
}

/// `{"error": {code, message, status, details}}`, as core's `ErrorEnvelope` reads it.
fn read_error(envelope: &JsValue) -> Option<ApiError> {
    let error = json::get(envelope, "error")?;
    Some(ApiError {
        code: ErrorCode::parse(&json::string(&error, "code")?),
        message: json::string(&error, "message")?,
        status: u16::try_from(json::integer(&error, "status")?).ok()?,
        details: read_details(&error),
    })
}

/// Field errors, or `None` for any other shape of `details`: the same leniency as core's
/// `lenient_details`, which never fails the envelope over them.
fn read_details(error: &JsValue) -> Option<Vec<FieldError>> {
    let details: js_sys::Array = json::get(error, "details")?.dyn_into().ok()?;
    details
        .iter()
        .map(|item| {
            Some(FieldError {
                field: json::string(&item, "field")?,
                message: json::string(&item, "message")?,
            })
        })
        .collect()
}

/// Reads a balance answer; anything else is `None`.
pub fn read_balance(reply: &HttpReply) -> Option<BalanceResponse> {
    if !(200..300).contains(&reply.status) {
        return None;
    }
    let json = json::parse(&reply.text)?;
    Some(BalanceResponse {
        balance: Money::parse(&json::string(&json, "balance")?).ok()?,
        currency: json::string(&json, "currency")?,
    })
}

/// The checkout request as upstream takes it, keys in the order of core's serde derive.
pub fn checkout_body(request: &CheckoutRequest) -> Option<String> {
    json::Writer::default()
        .string(field::ORGANIZATION_ID, request.organization_id.as_str())
        .unsigned(field::AMOUNT_CENTS, request.amount_cents.cents())?
        .string(field::SUCCESS_URL, &request.success_url)
        .string(field::CANCEL_URL, &request.cancel_url)
        .finish()
}
