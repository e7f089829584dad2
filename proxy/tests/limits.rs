//! What keeps one client, or one misbehaving upstream, from taking the proxy or its key's quota
//! down, through the router: a capacity each for the API, static files and `/healthz`, a
//! checkout's slot taken only once its body is in, a cap on each client's API requests in
//! flight, rate limits keyed by the client a trusted reverse proxy saw, a bounded upstream
//! answer, deadlines of their own for a request body and for the request, and answers that are
//! never stored.

mod support;

use axum::{
    body::{Body, Bytes},
    http::Request,
};
use closient_mock::{Fault, Route};
use futures_util::{StreamExt, stream};
use std::time::{Duration, Instant};
use support::*;

fn forwarded_for(mut request: Request<Body>, client: &str) -> Request<Body> {
    request
        .headers_mut()
        .insert("x-forwarded-for", client.parse().expect("header"));
    request
}

/// Waits until the mock has seen `count` checkout requests.
async fn until_upstream_has(h: &Harness, count: u64) {
    let started = Instant::now();
    while h.mock.state().stats().checkout_requests < count {
        assert!(started.elapsed() < Duration::from_secs(5), "never reached");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn the_api_static_files_and_healthz_each_have_their_own_capacity() {
    let site = Site::new(
        "capacity",
        &[("index.html", b"<!doctype html><p>widget</p>")],
    );
    let h = harness(&[
        "--max-concurrent-requests",
        "2",
        "--organization",
        ORG,
        "--upstream-timeout",
        "5s",
        "--static-dir",
        site.dir(),
    ])
    .await;
    h.mock.state().push_faults(
        Route::Checkout,
        [
            Fault::Slow(Duration::from_millis(1_500)),
            Fault::Slow(Duration::from_millis(1_500)),
        ],
    );
    let in_flight: Vec<_> = (0..2)
        .map(|_| {
            let router = h.router.clone();
            tokio::spawn(async move { call(&router, post(checkout_body(2500))).await })
        })
        .collect();
    until_upstream_has(&h, 2).await;

    let balance = call(&h.router, get(&format!("/api/billing/balance/{ORG}"))).await;
    assert_eq!(
        (balance.status, balance.code().as_str()),
        (503, "SERVICE_UNAVAILABLE"),
        "two checkouts in flight take both of the API's slots"
    );
    let page = call(&h.router, get("/index.html")).await;
    assert_eq!(page.status, 200, "the page has slots of its own");
    let health = call(&h.router, get("/healthz")).await;
    assert_eq!(health.status, 200, "a busy proxy still answers its probe");
    for request in in_flight {
        assert_eq!(request.await.expect("joined").status, 200);
    }
    let balance = call(&h.router, get(&format!("/api/billing/balance/{ORG}"))).await;
    assert_eq!(balance.status, 200, "the slots are free again");
}

/// A checkout from `client` (behind the harness's peer, trusted here) whose body never ends.
fn stalled_checkout(client: &str) -> Request<Body> {
    forwarded_for(stalled_request(), client)
}

/// Clients forwarded by 203.0.113.0/24, whose stalled bodies are waited for far longer than a
/// test takes.
const STALLS_FOR_LONG: &[&str] = &[
    "--trusted-proxy",
    "203.0.113.0/24",
    "--body-read-timeout",
    "1m",
    "--upstream-timeout",
    "30s",
];

/// A checkout whose body starts and then stalls.
fn stalled_request() -> Request<Body> {
    Request::post("/api/billing/checkout")
        .header("content-type", "application/json")
        .body(stalled_body())
        .expect("request")
}

#[tokio::test]
async fn a_checkout_takes_an_api_slot_only_once_its_body_is_in() {
    let h = harness(&[STALLS_FOR_LONG, &["--max-concurrent-requests", "1"]].concat()).await;
    let stalled: Vec<_> = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
        .into_iter()
        .map(|client| {
            let router = h.router.clone();
            tokio::spawn(async move { call(&router, stalled_checkout(client)).await })
        })
        .collect();
    // Three bodies on their way and one slot: a whole checkout is still served.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let answer = call(
        &h.router,
        forwarded_for(post(checkout_body(2500)), "198.51.100.9"),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    for request in &stalled {
        assert!(!request.is_finished(), "the stalled bodies are still read");
    }
    stalled.iter().for_each(tokio::task::JoinHandle::abort);
}

fn checkout_with_origin(origin: &str, client: &str) -> Request<Body> {
    let mut request = forwarded_for(post(checkout_body(2500)), client);
    request
        .headers_mut()
        .insert("origin", origin.parse().expect("header"));
    request
}

#[tokio::test]
async fn a_client_has_a_few_api_requests_in_flight_at_most_counted_before_the_body() {
    api_requests_per_client_are_capped(
        &[],
        checkout_proxy::per_client::MAX_API_REQUESTS_PER_CLIENT.get(),
    )
    .await;
}

#[tokio::test]
async fn the_cap_on_a_clients_api_requests_in_flight_is_a_flag() {
    api_requests_per_client_are_capped(&["--max-api-requests-per-client", "3"], 3).await;
}

/// `cap` requests of one client stall in their bodies; the next is refused before its body.
async fn api_requests_per_client_are_capped(flags: &[&str], cap: usize) {
    let h = harness(&[STALLS_FOR_LONG, flags].concat()).await;
    let stalled: Vec<_> = (0..cap)
        .map(|_| {
            let router = h.router.clone();
            tokio::spawn(async move { call(&router, stalled_checkout("198.51.100.1")).await })
        })
        .collect();
    // Until the stalled ones are all in, the client's next request is answered 403.
    let started = Instant::now();
    loop {
        let foreign = checkout_with_origin("https://evil.example", "198.51.100.1");
        if call(&h.router, foreign).await.status == 429 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never capped");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Refused before its body is read: a body that never ends is answered at once.
    let refused = call(&h.router, stalled_checkout("198.51.100.1")).await;
    refused.assert_refused(429, "RATE_LIMITED");
    assert_eq!(refused.header("retry-after").as_deref(), Some("1"));
    let other = call(
        &h.router,
        forwarded_for(post(checkout_body(2500)), "198.51.100.2"),
    )
    .await;
    assert_eq!(other.status, 200, "other clients are counted apart");
    stalled.iter().for_each(tokio::task::JoinHandle::abort);
    // Aborted, the requests give their count back.
    let started = Instant::now();
    loop {
        let answer = call(
            &h.router,
            forwarded_for(post(checkout_body(2500)), "198.51.100.1"),
        )
        .await;
        if answer.status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{}",
            answer.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_body_gets_two_seconds_by_default_well_within_the_proxys_own_deadline() {
    // The proxy's own deadline is 6 s here: a longer body deadline would be answered 504.
    let h = harness(&[]).await;
    let request = stalled_request();
    let answer = call(&h.router, request).await;
    answer.assert_refused(408, "BAD_REQUEST");
}

#[tokio::test]
async fn a_forged_forwarded_for_from_an_untrusted_peer_gets_no_fresh_bucket() {
    // The harness's peer, 203.0.113.9, is not on loopback: the alias trusts only loopback.
    let h = harness(&["--rate-limit", "2", "--trust-forwarded-for"]).await;
    let statuses: Vec<u16> = futures_statuses(
        &h,
        ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
            .map(|client| forwarded_for(post(checkout_body(2500)), client)),
    )
    .await;
    assert_eq!(statuses, [200, 200, 429]);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket() {
    let h = harness(&["--rate-limit", "1", "--trusted-proxy", "203.0.113.0/24"]).await;
    let statuses = futures_statuses(
        &h,
        [
            "198.51.100.1",
            "198.51.100.2",
            // The client wrote its own entry on the left; only the proxy's is believed.
            "6.6.6.6, 198.51.100.1",
            "2001:db8:1:2::1",
            // The same /64: the same subscriber.
            "[2001:db8:1:2::99]:4711",
        ]
        .map(|client| forwarded_for(post(checkout_body(2500)), client)),
    )
    .await;
    assert_eq!(statuses, [200, 200, 429, 200, 429]);
}

async fn futures_statuses<const N: usize>(h: &Harness, requests: [Request<Body>; N]) -> Vec<u16> {
    let mut statuses = Vec::new();
    for request in requests {
        statuses.push(call(&h.router, request).await.status);
    }
    statuses
}

#[tokio::test]
async fn an_upstream_answer_over_64_kib_is_502_however_well_formed() {
    let h = harness(&[]).await;
    h.mock
        .state()
        .push_faults(Route::Checkout, [Fault::Oversized]);
    let answer = call(&h.router, post(checkout_body(2500))).await;
    answer.assert_refused(502, "UPSTREAM_UNAVAILABLE");
}

#[tokio::test]
async fn a_body_that_fails_to_arrive_is_400_not_413() {
    let h = harness(&[]).await;
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(b"{\"organization_id\":")),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset",
        )),
    ];
    let request = Request::post("/api/billing/checkout")
        .header("content-type", "application/json")
        .body(Body::from_stream(stream::iter(chunks)))
        .expect("request");
    let answer = call(&h.router, request).await;
    answer.assert_refused(400, "BAD_REQUEST");
}

/// A body that sends its first bytes and then nothing, for ever.
fn stalled_body() -> Body {
    let first = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"{"))]);
    Body::from_stream(first.chain(stream::pending()))
}

#[tokio::test]
async fn a_body_sent_too_slowly_is_cut_off_by_its_own_deadline() {
    let h = harness(&["--body-read-timeout", "300ms"]).await;
    let request = stalled_request();
    let started = Instant::now();
    let answer = call(&h.router, request).await;
    answer.assert_refused(408, "BAD_REQUEST");
    // Well before the proxy's own deadline, 6 s here.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_proxys_own_deadline_is_worded_as_its_own() {
    // 500 ms for the upstream, so 5.5 s for the request; the body would take a minute.
    let h = harness(&["--upstream-timeout", "500ms", "--body-read-timeout", "1m"]).await;
    let request = stalled_request();
    let answer = call(&h.router, request).await;
    answer.assert_refused(504, "UPSTREAM_TIMEOUT");
    let message = answer.json()["error"]["message"].clone();
    assert_eq!(
        message, "The checkout service took too long with this request.",
        "not the billing service's timeout"
    );

    h.mock
        .state()
        .push_faults(Route::Checkout, [Fault::Slow(Duration::from_secs(2))]);
    let upstream = call(&h.router, post(checkout_body(2500))).await;
    assert_eq!(
        upstream.json()["error"]["message"],
        "The billing service did not answer in time."
    );
}

#[tokio::test]
async fn api_answers_are_never_stored() {
    let h = harness(&[]).await;
    h.mock
        .state()
        .push_faults(Route::Checkout, [Fault::ServerError]);
    for request in [
        post(checkout_body(2500)),
        post(checkout_body(2500)),
        post(checkout_body(1)),
        get("/api/billing/checkout"),
        get(&format!("/api/billing/balance/{ORG}")),
        get("/api/nothing"),
    ] {
        let path = request.uri().path().to_owned();
        let answer = call(&h.router, request).await;
        assert_eq!(
            answer.header("cache-control").as_deref(),
            Some("no-store"),
            "{path} {}",
            answer.status
        );
    }
}

#[tokio::test]
async fn an_upstream_403_and_every_passed_on_error_are_logged() {
    let captured = Captured::default();
    let _guard = captured.trace();
    let h = harness(&[]).await;
    h.mock
        .state()
        .push_faults(Route::Checkout, [Fault::Forbidden, Fault::Unavailable]);
    let forbidden = call(&h.router, post(checkout_body(2500))).await;
    forbidden.assert_refused(403, "FORBIDDEN");
    let unavailable = call(&h.router, post(checkout_body(2500))).await;
    assert_eq!(unavailable.status, 503);

    let logs = captured.text();
    let line = |needle: &str| {
        logs.lines()
            .find(|line| line.contains(needle))
            .map(str::to_owned)
    };
    let refused = line("upstream refused the proxy's API key for this request (403)")
        .unwrap_or_else(|| panic!("the 403 is logged: {logs}"));
    assert!(refused.contains("ERROR"), "{refused}");
    let passed_on = line("upstream answered an error").unwrap_or_else(|| panic!("{logs}"));
    assert!(
        passed_on.contains("503") && passed_on.contains("SERVICE_UNAVAILABLE"),
        "{passed_on}"
    );
    assert!(!logs.contains(KEY));
}

#[tokio::test]
async fn a_407_from_the_upstream_proxy_is_502_logged_as_an_error_without_its_credentials() {
    let captured = Captured::default();
    let _guard = captured.trace();
    // A forward proxy that wants other credentials than the ones it is given.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let proxy = listener.local_addr().expect("bound");
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request).await;
            let _ = stream
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                      Proxy-Authenticate: Basic realm=\"egress\"\r\n\
                      Content-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
        }
    });
    let url = format!("http://egress-user:egress-password@{proxy}");
    let h = harness(&["--upstream-proxy", &url]).await;
    let answer = call(&h.router, post(checkout_body(2500))).await;
    answer.assert_refused(502, "UPSTREAM_UNAVAILABLE");
    assert_eq!(answer.header("proxy-authenticate"), None);
    let logs = captured.text();
    let line = logs
        .lines()
        .find(|line| line.contains("(407)"))
        .unwrap_or_else(|| panic!("the 407 is logged: {logs}"));
    assert!(line.contains("ERROR"), "{line}");
    assert!(!logs.contains("egress-password") && !answer.body.contains("egress"));
    assert!(!logs.contains(KEY));
}
