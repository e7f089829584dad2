//! The proxy's rules, driven through its router with `oneshot` against a mock upstream on
//! loopback: each check in order, each upstream fault, header forwarding, caching, static files.

mod support;

use axum::{body::Body, http::Request};
use closient_mock::{Fault, Route};
use support::*;

#[tokio::test]
async fn a_valid_request_gets_the_checkout_url_from_upstream() {
    let h = harness(&[]).await;
    let answer = call(&h.router, post(checkout_body(2500))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let url = answer.json()["checkout_url"]
        .as_str()
        .expect("a URL")
        .to_owned();
    assert!(
        url.starts_with(&format!("{}/pay/cs_test_", h.mock.origin())),
        "{url}"
    );
    assert!(url.contains('#'), "the fragment is kept: {url}");
    let stats = h.mock.state().stats();
    assert_eq!(stats.checkout_requests, 1);
    assert_eq!(
        stats.sessions[0].amount_cents, 2500,
        "the key was accepted and the body passed on"
    );
}

#[tokio::test]
async fn wrong_method_is_405_in_the_envelope() {
    let h = harness(&[]).await;
    let answer = call(&h.router, get("/api/billing/checkout")).await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.code(), "METHOD_NOT_ALLOWED");
    assert_eq!(answer.header("allow").as_deref(), Some("POST"));
}

#[tokio::test]
async fn cross_site_requests_are_refused_before_anything_else() {
    let h = harness(&[]).await;
    let cross_site = Request::post("/api/billing/checkout")
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "text/plain")
        .body(Body::from("x"))
        .expect("request");
    let foreign_origin = Request::post("/api/billing/checkout")
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .body(Body::from(checkout_body(2500)))
        .expect("request");
    let lookalike = Request::post("/api/billing/checkout")
        .header("origin", "http://127.0.0.1:8081")
        .header("content-type", "application/json")
        .body(Body::from(checkout_body(2500)))
        .expect("request");
    for request in [cross_site, foreign_origin, lookalike] {
        let answer = call(&h.router, request).await;
        answer.assert_refused(403, "FORBIDDEN_ORIGIN");
    }
    let balance = Request::get(format!("/api/billing/balance/{ORG}"))
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .expect("request");
    assert_eq!(call(&h.router, balance).await.status, 403);
    assert_eq!(h.mock.state().stats().checkout_requests, 0);
}

#[tokio::test]
async fn only_json_is_accepted() {
    let h = harness(&[]).await;
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonp",
    ] {
        let mut request = post(checkout_body(2500));
        request
            .headers_mut()
            .insert("content-type", content_type.parse().expect("header"));
        let answer = call(&h.router, request).await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (415, "UNSUPPORTED_MEDIA_TYPE"),
            "{content_type}"
        );
    }
    let mut request = post(checkout_body(2500));
    request.headers_mut().insert(
        "content-type",
        "application/json; charset=utf-8".parse().expect("header"),
    );
    assert_eq!(call(&h.router, request).await.status, 200);
}

#[tokio::test]
async fn bodies_over_16_kib_are_413_whether_declared_or_streamed() {
    let h = harness(&[]).await;
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(20 * 1024));
    let mut declared = post(big.clone());
    declared
        .headers_mut()
        .insert("content-length", big.len().into());
    let streamed = post(big);
    for request in [declared, streamed] {
        let answer = call(&h.router, request).await;
        answer.assert_refused(413, "PAYLOAD_TOO_LARGE");
    }
    assert_eq!(h.mock.state().stats().checkout_requests, 0);
}

#[tokio::test]
async fn not_json_or_not_an_object_is_400() {
    let h = harness(&[]).await;
    for body in ["{not json", "[1,2]", "\"text\"", ""] {
        let answer = call(&h.router, post(body)).await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (400, "BAD_REQUEST"),
            "{body:?}"
        );
    }
}

#[tokio::test]
async fn every_invalid_field_is_listed_and_upstream_is_never_asked() {
    let h = harness(&[]).await;
    let answer = call(&h.router, post(checkout_body(499))).await;
    answer.assert_refused(422, "VALIDATION_ERROR");
    let details = answer.json()["error"]["details"].clone();
    assert_eq!(details[0]["field"], "amount_cents", "{details}");
    assert_eq!(details.as_array().map(Vec::len), Some(1));

    let answer = call(
        &h.router,
        post(r#"{"organization_id":"0OIl","amount_cents":25.5,"success_url":"https://evil.example/","cancel_url":7}"#),
    )
    .await;
    let fields: Vec<String> = answer.json()["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        fields,
        [
            "organization_id",
            "amount_cents",
            "success_url",
            "cancel_url"
        ]
    );
    assert_eq!(h.mock.state().stats().checkout_requests, 0);
}

#[tokio::test]
async fn organizations_outside_the_list_are_forbidden() {
    let h = harness(&["--organization", "22222222222222222222ab"]).await;
    let answer = call(&h.router, post(checkout_body(2500))).await;
    answer.assert_refused(403, "FORBIDDEN");
    let balance = call(&h.router, get(&format!("/api/billing/balance/{ORG}"))).await;
    assert_eq!(balance.status, 403);
    assert_eq!(
        h.mock.state().stats().checkout_requests + h.mock.state().stats().balance_requests,
        0
    );
}

#[tokio::test]
async fn each_client_is_rate_limited_with_retry_after() {
    let h = harness(&["--rate-limit", "2"]).await;
    for _ in 0..2 {
        assert_eq!(call(&h.router, post(checkout_body(2500))).await.status, 200);
    }
    let answer = call(&h.router, post(checkout_body(2500))).await;
    answer.assert_refused(429, "RATE_LIMITED");
    let wait: u64 = answer
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=30).contains(&wait), "{wait}");
    assert_eq!(h.mock.state().stats().checkout_requests, 2);
}

#[tokio::test]
async fn upstream_rate_limits_pass_through_with_their_headers() {
    let h = harness(&[]).await;
    h.mock.state().push_faults(
        Route::Checkout,
        [Fault::RateLimited {
            retry_after_secs: 7,
        }],
    );
    let answer = call(&h.router, post(checkout_body(2500))).await;
    answer.assert_refused(429, "RATE_LIMITED");
    assert_eq!(answer.header("retry-after").as_deref(), Some("7"));
    for name in [
        "ratelimit-policy",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
    ] {
        assert!(answer.header(name).is_some(), "{name} forwarded");
    }
}

#[tokio::test]
async fn upstream_faults_get_the_documented_answers() {
    let h = harness(&[]).await;
    for (fault, status, code) in [
        (Fault::ServerError, 500, "INTERNAL_ERROR"),
        (Fault::Unavailable, 503, "SERVICE_UNAVAILABLE"),
        (Fault::Unauthorized, 502, "UPSTREAM_UNAVAILABLE"),
        (Fault::Drop, 502, "UPSTREAM_UNAVAILABLE"),
        (Fault::Garbage, 502, "UPSTREAM_UNAVAILABLE"),
        (Fault::ForeignUrl, 502, "UPSTREAM_UNAVAILABLE"),
        (Fault::Redirect, 502, "UPSTREAM_UNAVAILABLE"),
        (
            Fault::Slow(std::time::Duration::from_millis(1_500)),
            504,
            "UPSTREAM_TIMEOUT",
        ),
    ] {
        h.mock.state().push_faults(Route::Checkout, [fault.clone()]);
        let answer = call(&h.router, post(checkout_body(2500))).await;
        assert_eq!(
            (answer.status, answer.code()),
            (status, code.to_owned()),
            "{fault:?}: {}",
            answer.body
        );
        assert!(
            !answer.body.contains("evil.example"),
            "a refused URL never reaches the browser"
        );
    }
}

#[tokio::test]
async fn an_upstream_that_is_down_is_502() {
    let h = harness(&[]).await;
    let router = h.router.clone();
    h.mock.shutdown().await;
    let answer = call(&router, post(checkout_body(2500))).await;
    answer.assert_refused(502, "UPSTREAM_UNAVAILABLE");
}

#[tokio::test]
async fn the_balance_is_trimmed_validated_and_cached() {
    let h = harness(&["--organization", ORG]).await;
    let path = format!("/api/billing/balance/{ORG}");
    let first = call(&h.router, get(&path)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        first.json(),
        serde_json::json!({ "balance": "150.00", "currency": "USD" })
    );
    let org = closient_checkout_core::OrganizationId::parse(ORG).expect("valid");
    h.mock.state().set_balance_cents(&org, 20_000);
    assert_eq!(
        call(&h.router, get(&path)).await.json()["balance"],
        "150.00",
        "cached"
    );
    assert_eq!(h.mock.state().stats().balance_requests, 1);
    tokio::time::sleep(checkout_proxy::balance::CACHE_FOR).await;
    assert_eq!(
        call(&h.router, get(&path)).await.json()["balance"],
        "200.00",
        "the cache expires"
    );

    let invalid = call(&h.router, get("/api/billing/balance/0000")).await;
    invalid.assert_refused(422, "VALIDATION_ERROR");
}

/// The `dur` of a `Server-Timing: upstream;dur=<ms>` header, if the answer has one.
fn upstream_ms(answer: &Answer) -> Option<f64> {
    answer
        .header("server-timing")?
        .strip_prefix("upstream;dur=")?
        .parse()
        .ok()
}

#[tokio::test]
async fn relayed_answers_carry_the_upstreams_time_and_no_other_does() {
    let h = harness(&["--organization", ORG]).await;
    h.mock.state().push_faults(
        Route::Checkout,
        [Fault::Slow(std::time::Duration::from_millis(200))],
    );
    let slow = call(&h.router, post(checkout_body(2500))).await;
    assert_eq!(slow.status, 200, "{}", slow.body);
    let took = upstream_ms(&slow).expect("Server-Timing on a relayed answer");
    assert!((200.0..1_000.0).contains(&took), "{took} ms");

    for fault in [Fault::ServerError, Fault::ForeignUrl] {
        h.mock.state().push_faults(Route::Checkout, [fault.clone()]);
        let failed = call(&h.router, post(checkout_body(2500))).await;
        assert!(failed.status >= 500, "{fault:?}: {}", failed.status);
        assert!(
            upstream_ms(&failed).is_some(),
            "{fault:?}: an error relayed"
        );
    }
    let invalid = call(&h.router, post(checkout_body(499))).await;
    assert_eq!(invalid.status, 422);
    assert_eq!(
        invalid.header("server-timing"),
        None,
        "upstream never asked"
    );

    let path = format!("/api/billing/balance/{ORG}");
    let fetched = call(&h.router, get(&path)).await;
    assert_eq!(fetched.status, 200, "{}", fetched.body);
    assert!(
        upstream_ms(&fetched).is_some(),
        "a balance fetched upstream"
    );
    let cached = call(&h.router, get(&path)).await;
    assert_eq!(cached.header("server-timing"), None, "a cached balance");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let h = harness(&[]).await;
    for request in [
        post(checkout_body(2500)),
        get("/healthz"),
        get("/api/nothing"),
    ] {
        let answer = call(&h.router, request).await;
        let csp = answer.header("content-security-policy").expect("CSP");
        assert!(
            csp.contains("connect-src 'self'") && csp.contains("base-uri 'none'"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
        assert_eq!(
            answer.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert!(answer.header("referrer-policy").is_some());
    }
    let missing = call(&h.router, get("/api/nothing")).await;
    missing.assert_refused(404, "NOT_FOUND");
}

const WASM: &str = "app-0123456789abcdef_bg.wasm";
const LOADER: &str = "import init from './app-0123456789abcdef.js'; await init();";

fn index_html() -> String {
    format!("<!doctype html><script type=\"module\">{LOADER}</script>")
}

/// A GET of `path` with `Accept-Encoding: accept` (none when `None`).
fn accepting(path: &str, accept: Option<&str>) -> Request<Body> {
    let mut request = get(path);
    if let Some(accept) = accept {
        request
            .headers_mut()
            .insert("accept-encoding", accept.parse().expect("header"));
    }
    request
}

/// The `Vary` values that name `Accept-Encoding`: exactly one on every static answer.
fn vary_accept_encoding(answer: &Answer) -> usize {
    answer
        .headers
        .get_all("vary")
        .iter()
        .filter(|v| v.as_bytes().eq_ignore_ascii_case(b"accept-encoding"))
        .count()
}

#[tokio::test]
async fn static_files_get_types_compression_cache_headers_and_the_loader_hash() {
    let site = Site::new(
        "plain",
        &[
            ("index.html", index_html().as_bytes()),
            (WASM, &[0u8, 97, 115, 109].repeat(400)),
        ],
    );
    let h = harness(&["--static-dir", site.dir()]).await;

    let index = call(&h.router, get("/?checkout=success&session_id=cs_test_1")).await;
    assert_eq!(index.status, 200);
    assert_eq!(index.header("cache-control").as_deref(), Some("no-cache"));
    let csp = index.header("content-security-policy").expect("CSP");
    let hash = checkout_proxy::static_files::inline_script_hashes(&index.body);
    assert!(
        csp.contains(&format!("'{}'", hash[0])) && csp.contains("'wasm-unsafe-eval'"),
        "{csp}"
    );

    // Without twins: gzip on the fly when accepted, identity otherwise.
    for (accept, encoding) in [
        (Some("gzip"), Some("gzip")),
        (Some("br"), None),
        (None, None),
    ] {
        let wasm = call(&h.router, accepting(&format!("/{WASM}"), accept)).await;
        assert_eq!(wasm.status, 200, "{accept:?}");
        assert_eq!(
            wasm.header("content-type").as_deref(),
            Some("application/wasm")
        );
        assert_eq!(
            wasm.header("cache-control").as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(
            wasm.header("content-encoding").as_deref(),
            encoding,
            "{accept:?}"
        );
        assert_eq!(vary_accept_encoding(&wasm), 1, "{accept:?}");
        if encoding.is_none() {
            assert_eq!(wasm.body.len(), 1600, "{accept:?}");
        }
    }
}

#[tokio::test]
async fn static_files_are_served_as_the_precompressed_twin_the_request_prefers() {
    // Arbitrary bytes stand in for the compressed twins: the proxy never decodes them, and
    // their different lengths show which file answered.
    let plain = [0u8, 97, 115, 109].repeat(400);
    let br = "b".repeat(300);
    let gz = "g".repeat(500);
    let site = Site::new(
        "twins",
        &[
            ("index.html", index_html().as_bytes()),
            ("index.html.br", b"index as br"),
            ("index.html.gz", b"index as gzip"),
            (WASM, &plain),
            (&format!("{WASM}.br"), br.as_bytes()),
            (&format!("{WASM}.gz"), gz.as_bytes()),
        ],
    );
    let h = harness(&["--static-dir", site.dir()]).await;
    let plain = String::from_utf8(plain).expect("ASCII");

    // The highest q-value wins, q=0 refuses; on a tie br, then gzip. `*` is not expanded:
    // identity, which it allows too.
    for (accept, encoding, body) in [
        (Some("br"), Some("br"), &br),
        (Some("gzip"), Some("gzip"), &gz),
        (Some("gzip, deflate, br, zstd"), Some("br"), &br),
        (None, None, &plain),
        (Some("deflate"), None, &plain),
        (Some("br;q=0, gzip"), Some("gzip"), &gz),
        (Some("gzip;q=0.5, br;q=0.1"), Some("gzip"), &gz),
        (Some("gzip;q=0.5, br;q=0.5"), Some("br"), &br),
        (Some("br;q=0, gzip;q=0"), None, &plain),
        (Some("identity, br;q=0.5"), None, &plain),
        (Some("*"), None, &plain),
    ] {
        let wasm = call(&h.router, accepting(&format!("/{WASM}"), accept)).await;
        assert_eq!(wasm.status, 200, "{accept:?}");
        assert_eq!(
            wasm.header("content-encoding").as_deref(),
            encoding,
            "{accept:?}"
        );
        assert!(
            wasm.body == *body,
            "{accept:?}: another file, or encoded again"
        );
        assert_eq!(
            wasm.header("content-length"),
            Some(body.len().to_string()),
            "{accept:?}"
        );
        assert_eq!(
            wasm.header("content-type").as_deref(),
            Some("application/wasm"),
            "{accept:?}"
        );
        assert_eq!(
            wasm.header("cache-control").as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(vary_accept_encoding(&wasm), 1, "{accept:?}");
    }

    let head = Request::head(format!("/{WASM}"))
        .header("accept-encoding", "br")
        .body(Body::empty())
        .expect("request");
    let head = call(&h.router, head).await;
    assert_eq!(head.header("content-encoding").as_deref(), Some("br"));
    assert_eq!(head.header("content-length"), Some(br.len().to_string()));

    // `/` is index.html, twin included; the CSP still holds the plain file's loader hash.
    let index = call(&h.router, accepting("/", Some("gzip, br"))).await;
    assert_eq!(index.status, 200);
    assert_eq!(index.body, "index as br");
    assert_eq!(index.header("content-encoding").as_deref(), Some("br"));
    assert!(
        index
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    assert_eq!(index.header("cache-control").as_deref(), Some("no-cache"));
    assert_eq!(vary_accept_encoding(&index), 1);
    let hash = &checkout_proxy::static_files::inline_script_hashes(&index_html())[0];
    let csp = index.header("content-security-policy").expect("CSP");
    assert!(csp.contains(&format!("'{hash}'")), "{csp}");
}
