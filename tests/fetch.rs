//! The real `fetch` transport against a stand-in for the browser's `fetch`: the request it
//! sends, and how it reads answers, failures and its own timeout.
#![cfg(target_arch = "wasm32")]

use closient_checkout::browser::{
    json,
    transport::{
        FetchTransport, HttpReply, ReplyBody, Transport, TransportError, read_balance,
        read_checkout_reply,
    },
};
use closient_checkout_core::{CheckoutResponse, ErrorCode, api::fixtures, parse_retry_after};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Replaces `window.fetch` for one test; `behaviour` is the body of an async JS function of
/// `request` that records into `window.__seen` and answers.
struct FakeFetch {
    original: JsValue,
}

impl FakeFetch {
    fn install(behaviour: &str) -> Self {
        let window = web_sys::window().expect("window");
        let original = js_sys::Reflect::get(&window, &"fetch".into()).expect("fetch");
        let fake = js_sys::Function::new_with_args(
            "request",
            &format!(
                "return (async () => {{ window.__seen = {{ url: request.url, method: request.method, \
                 type: request.headers.get('content-type'), authorization: request.headers.get('authorization') ?? '', key: request.headers.get('idempotency-key') ?? '', body: await request.clone().text() }}; {behaviour} }})();"
            ),
        );
        js_sys::Reflect::set(&window, &"fetch".into(), &fake).expect("set fetch");
        Self { original }
    }

    fn seen(&self, key: &str) -> String {
        let window = web_sys::window().expect("window");
        let seen = js_sys::Reflect::get(&window, &"__seen".into()).expect("seen");
        js_sys::Reflect::get(&seen, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    }
}

impl Drop for FakeFetch {
    fn drop(&mut self) {
        let window = web_sys::window().expect("window");
        let _ = js_sys::Reflect::set(&window, &"fetch".into(), &self.original);
    }
}

const TRANSPORT: FetchTransport = FetchTransport {
    timeout_ms: 2_000,
    token: None,
};

#[wasm_bindgen_test]
async fn posts_the_body_verbatim_as_json_and_reads_the_url() {
    let fake = FakeFetch::install(
        "return new Response('{\"checkout_url\":\"https://checkout.stripe.com/c/pay/cs_test_1#f\"}', \
         { status: 200, headers: { 'Content-Type': 'application/json' } });",
    );
    let reply = TRANSPORT
        .post_json(
            "/api/billing/checkout",
            r#"{"a":"{CHECKOUT_SESSION_ID}"}"#.into(),
            Some("0b7f3c1e-9d2a-4c55-8e7b-2f1a6d9c4e30"),
        )
        .await;
    let reply = reply.expect("an answer");
    assert_eq!(fake.seen("key"), "0b7f3c1e-9d2a-4c55-8e7b-2f1a6d9c4e30");
    assert_eq!(fake.seen("method"), "POST");
    assert!(fake.seen("url").ends_with("/api/billing/checkout"));
    assert_eq!(fake.seen("type"), "application/json");
    assert_eq!(fake.seen("body"), r#"{"a":"{CHECKOUT_SESSION_ID}"}"#);
    assert_eq!(reply.status, 200);
    assert_eq!(
        read_checkout_reply(reply).body,
        ReplyBody::Checkout(CheckoutResponse {
            checkout_url: "https://checkout.stripe.com/c/pay/cs_test_1#f".into()
        })
    );
}

#[wasm_bindgen_test]
async fn the_tenant_token_goes_as_a_bearer_token_on_both_routes() {
    let fake = FakeFetch::install("return new Response('{}', { status: 200 });");
    let transport = FetchTransport {
        timeout_ms: 2_000,
        token: Some("t0k.e.n".into()),
    };
    transport
        .post_json("/x", "{}".into(), None)
        .await
        .expect("an answer");
    assert_eq!(fake.seen("authorization"), "Bearer t0k.e.n");
    assert_eq!(fake.seen("key"), "", "no key, no header");
    transport.get_json("/y").await.expect("an answer");
    assert_eq!(fake.seen("authorization"), "Bearer t0k.e.n");
    assert_eq!(fake.seen("method"), "GET");
    TRANSPORT.get_json("/y").await.expect("an answer");
    assert_eq!(fake.seen("authorization"), "", "no token, no header");
}

#[wasm_bindgen_test]
async fn reads_the_error_envelope_and_retry_after() {
    let _fake = FakeFetch::install(
        "return new Response('{\"error\":{\"code\":\"RATE_LIMITED\",\"message\":\"slow\",\"status\":429,\"details\":null}}', \
         { status: 429, headers: { 'Retry-After': '7' } });",
    );
    let reply = TRANSPORT
        .post_json("/x", "{}".into(), None)
        .await
        .expect("an answer");
    assert_eq!(reply.retry_after.as_deref(), Some("7"));
    match read_checkout_reply(reply).body {
        ReplyBody::Error(error) => assert_eq!(error.code, ErrorCode::RateLimited),
        other => panic!("expected the envelope, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn garbage_is_unreadable_not_a_crash() {
    let _fake =
        FakeFetch::install("return new Response('<html>Bad gateway</html>', { status: 502 });");
    let reply = TRANSPORT
        .post_json("/x", "{}".into(), None)
        .await
        .expect("an answer");
    assert_eq!(reply.status, 502);
    assert_eq!(read_checkout_reply(reply).body, ReplyBody::Unreadable);
    let _fake =
        FakeFetch::install("return new Response('{\"checkout_url\": 5}', { status: 200 });");
    let reply = TRANSPORT
        .post_json("/x", "{}".into(), None)
        .await
        .expect("an answer");
    assert_eq!(read_checkout_reply(reply).body, ReplyBody::Unreadable);
}

#[wasm_bindgen_test]
async fn a_refused_connection_is_a_network_failure() {
    let _fake = FakeFetch::install("throw new TypeError('Failed to fetch');");
    assert_eq!(
        TRANSPORT.post_json("/x", "{}".into(), None).await,
        Err(TransportError::Network)
    );
}

#[wasm_bindgen_test]
async fn a_silent_server_is_aborted_at_the_timeout() {
    let _fake = FakeFetch::install(
        "return await new Promise((_, reject) => request.signal.addEventListener('abort', \
         () => reject(new DOMException('aborted', 'AbortError'))));",
    );
    let started = js_sys::Date::now();
    let reply = FetchTransport {
        timeout_ms: 100,
        token: None,
    }
    .post_json("/x", "{}".into(), None)
    .await;
    assert_eq!(reply, Err(TransportError::Timeout));
    assert!(js_sys::Date::now() - started < 1_500.0);
    let _ = JsValue::NULL.dyn_ref::<js_sys::Object>();
}

fn answer(status: u16, text: &str) -> HttpReply {
    HttpReply {
        status,
        retry_after: None,
        text: text.to_owned(),
    }
}

/// Core's fixtures: every error body reads as the proxy's and the mock's serde_json reads it,
/// lenient `details` and unreadable envelopes included.
#[wasm_bindgen_test]
fn every_envelope_fixture_reads_as_core_reads_it() {
    for case in fixtures::ENVELOPES {
        let expected = match case.expected {
            Some(error) => ReplyBody::Error(error.to_api_error()),
            None => ReplyBody::Unreadable,
        };
        assert_eq!(
            read_checkout_reply(answer(error_status(case), case.body)).body,
            expected,
            "{}",
            case.body
        );
    }
}

fn error_status(case: &fixtures::EnvelopeCase) -> u16 {
    case.expected.map_or(502, |error| error.status)
}

#[wasm_bindgen_test]
fn every_balance_fixture_reads_as_core_reads_it() {
    for (body, expected) in fixtures::BALANCES {
        assert_eq!(
            read_balance(&answer(200, body)).map(|b| b.balance),
            *expected,
            "{body}"
        );
    }
    let (readable, _) = fixtures::BALANCES[0];
    assert_eq!(
        read_balance(&answer(503, readable)),
        None,
        "not on an error status"
    );
}

/// Core's date reader on wasm, where the standard clock would panic: the caller's time only.
#[wasm_bindgen_test]
fn retry_after_dates_are_read_by_core_in_the_browser() {
    // 1994-11-06T08:49:37Z is 784111777.
    let date = "Sun, 06 Nov 1994 08:49:37 GMT";
    assert_eq!(parse_retry_after(date, 784_111_772), Some(5));
    assert_eq!(
        parse_retry_after(date, 900_000_000),
        Some(0),
        "a past date is now"
    );
    for bad in ["", "soon", "Sun, 06 Nov 1994 08:49:37 CET"] {
        assert_eq!(parse_retry_after(bad, 0), None, "{bad:?}");
    }
}

#[wasm_bindgen_test]
fn the_checkout_body_is_the_upstream_body_core_defines() {
    assert_eq!(
        json::to_string(&fixtures::checkout_request()).as_deref(),
        Some(fixtures::CHECKOUT_REQUEST_BODY)
    );
}
