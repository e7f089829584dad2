//! Tenant binding through the router: tokens on both routes, each refusal with its answer and
//! none of them reaching the upstream; `--organization` alone; neither (no balances); and the
//! balance route's own rate limit, error cache and single upstream call per organization.

mod support;

use axum::{body::Body, http::Request};
use base64::Engine;
use closient_checkout_server_common::tenant_token::{self, Audience, Claims};
use closient_mock::{Fault, Route};
use std::time::Duration;
use support::*;

const SECRET: &str = "tenant-secret-current-0123456789abcdef";
const PREVIOUS: &str = "tenant-secret-previous-0123456789abcdef";
const OTHER: &str = "22222222222222222222ab";

fn token(claims: &Claims) -> String {
    signed(SECRET, claims)
}

/// A proxy with a tenant secret (and a previous one) in front of a fresh mock.
async fn tenant_harness(extra: &[&str]) -> Harness {
    harness_env(
        extra,
        &[
            (tenant_token::SECRET_VAR, SECRET),
            (tenant_token::PREVIOUS_SECRET_VAR, PREVIOUS),
        ],
    )
    .await
}

fn with_token(mut request: Request<Body>, token: &str) -> Request<Body> {
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    request
}

fn balance_path(organization: &str) -> String {
    format!("/api/billing/balance/{organization}")
}

fn checkout_for(organization: &str, amount_cents: u64) -> String {
    checkout_body(amount_cents).replace(ORG, organization)
}

/// Both routes with `authorization` (none when `None`).
fn both_routes(authorization: Option<&str>) -> [Request<Body>; 2] {
    let mut requests = [post(checkout_body(2500)), get(&balance_path(ORG))];
    if let Some(value) = authorization {
        for request in &mut requests {
            request
                .headers_mut()
                .insert("authorization", value.parse().expect("header"));
        }
    }
    requests
}

fn upstream_calls(h: &Harness) -> u64 {
    let stats = h.mock.state().stats();
    stats.checkout_requests + stats.balance_requests
}

fn base64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A token with any header, signed with HMAC-SHA256 over the secret whatever the header says.
fn forged(header: &str, claims: &Claims) -> String {
    let header = base64url(header.as_bytes());
    let payload = base64url(&serde_json::to_vec(claims).expect("claims"));
    let signature = token(claims)
        .rsplit('.')
        .next()
        .expect("a signature")
        .to_owned();
    format!("{header}.{payload}.{signature}")
}

#[tokio::test]
async fn a_valid_token_opens_both_routes() {
    let h = tenant_harness(&[]).await;
    let token = token(&claims());
    for request in both_routes(Some(&format!("Bearer {token}"))) {
        let answer = call(&h.router, request).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    // The scheme is case-insensitive, and `aud` may list several origins.
    let several = Claims {
        aud: Audience::Many(vec![
            "https://elsewhere.example".to_owned(),
            PAGE.to_owned(),
        ]),
        ..claims()
    };
    let answer = call(
        &h.router,
        both_routes(Some(&format!("bearer {}", self::token(&several))))
            .into_iter()
            .next()
            .expect("checkout"),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let stats = h.mock.state().stats();
    assert_eq!((stats.checkout_requests, stats.balance_requests), (2, 1));
}

#[tokio::test]
async fn every_bad_token_is_401_with_a_bearer_challenge_and_reaches_no_upstream() {
    let h = tenant_harness(&[]).await;
    let valid = claims();
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &valid,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("HS512 token");
    let unsigned = format!(
        "{}.{}.",
        base64url(br#"{"alg":"none","typ":"JWT"}"#),
        base64url(&serde_json::to_vec(&valid).expect("claims"))
    );
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("another scheme", Some(format!("Basic {}", token(&valid)))),
        ("an empty bearer", Some("Bearer ".to_owned())),
        ("not a JWT", Some("Bearer not-a-token".to_owned())),
        (
            "another secret",
            Some(format!(
                "Bearer {}",
                signed("some-other-secret-0123456789abcdef", &valid)
            )),
        ),
        (
            "a changed payload",
            Some(format!("Bearer {}", {
                let mut parts: Vec<String> = token(&valid).split('.').map(str::to_owned).collect();
                parts[1] = base64url(
                    &serde_json::to_vec(&Claims {
                        sub: OTHER.to_owned(),
                        ..valid.clone()
                    })
                    .expect("claims"),
                );
                parts.join(".")
            })),
        ),
        ("the none algorithm", Some(format!("Bearer {unsigned}"))),
        (
            "none, with a signature",
            Some(format!(
                "Bearer {}",
                forged(r#"{"alg":"none","typ":"JWT"}"#, &valid)
            )),
        ),
        ("HS512", Some(format!("Bearer {hs512}"))),
        (
            "expired an hour ago",
            Some(format!(
                "Bearer {}",
                token(&Claims {
                    iat: now() - 4000,
                    exp: now() - 3600,
                    ..valid.clone()
                })
            )),
        ),
        (
            "for another proxy",
            Some(format!(
                "Bearer {}",
                token(&Claims {
                    aud: Audience::One("https://other-proxy.example".to_owned()),
                    ..valid.clone()
                })
            )),
        ),
        (
            "living over an hour",
            Some(format!(
                "Bearer {}",
                token(&Claims {
                    exp: valid.iat + 3601,
                    ..valid.clone()
                })
            )),
        ),
        (
            "issued tomorrow",
            Some(format!(
                "Bearer {}",
                token(&Claims {
                    iat: now() + 86_400,
                    exp: now() + 86_400 + 900,
                    ..valid.clone()
                })
            )),
        ),
        (
            "a malformed organization",
            Some(format!(
                "Bearer {}",
                token(&Claims {
                    sub: "0OIl".to_owned(),
                    ..valid.clone()
                })
            )),
        ),
        (
            "a maximum under the API's minimum",
            Some(format!(
                "Bearer {}",
                token(&Claims {
                    max_cents: Some(499),
                    ..valid.clone()
                })
            )),
        ),
    ];
    for (case, authorization) in &cases {
        for request in both_routes(authorization.as_deref()) {
            let path = request.uri().path().to_owned();
            let answer = call(&h.router, request).await;
            assert_eq!(
                (answer.status, answer.code().as_str()),
                (401, "UNAUTHENTICATED"),
                "{case} on {path}: {}",
                answer.body
            );
            let challenge = answer.header("www-authenticate").expect("a challenge");
            assert!(challenge.starts_with("Bearer"), "{case}: {challenge}");
            assert!(
                authorization
                    .as_deref()
                    .and_then(|a| a.split(' ').nth(1))
                    .is_none_or(|t| t.is_empty() || !answer.body.contains(t)),
                "{case}: the token is echoed"
            );
        }
    }
    assert_eq!(
        upstream_calls(&h),
        0,
        "a refused request reached the upstream"
    );
}

#[tokio::test]
async fn the_401_comes_after_the_origin_check_and_before_the_content_type() {
    let h = tenant_harness(&[]).await;
    let cross_site = Request::post("/api/billing/checkout")
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "text/plain")
        .body(Body::from("x"))
        .expect("request");
    let answer = call(&h.router, cross_site).await;
    answer.assert_refused(403, "FORBIDDEN_ORIGIN");
    let mut plain = post("x");
    plain
        .headers_mut()
        .insert("content-type", "text/plain".parse().expect("header"));
    let answer = call(&h.router, plain).await;
    answer.assert_refused(401, "UNAUTHENTICATED");
    let mut plain = with_token(post("x"), &token(&claims()));
    plain
        .headers_mut()
        .insert("content-type", "text/plain".parse().expect("header"));
    assert_eq!(call(&h.router, plain).await.status, 415);
}

#[tokio::test]
async fn a_token_signed_with_the_previous_secret_is_accepted_during_a_rotation() {
    let h = tenant_harness(&[]).await;
    let old = signed(PREVIOUS, &claims());
    let answer = call(&h.router, with_token(post(checkout_body(2500)), &old)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // Once the previous secret is dropped, its tokens are not.
    let rotated = harness_env(&[], &[(tenant_token::SECRET_VAR, SECRET)]).await;
    let answer = call(&rotated.router, with_token(post(checkout_body(2500)), &old)).await;
    assert_eq!(answer.status, 401);
}

#[tokio::test]
async fn clocks_may_disagree_by_the_leeway_and_no_more() {
    let h = tenant_harness(&[]).await;
    let leeway = tenant_token::LEEWAY.as_secs();
    assert_eq!(leeway, 30, "docs/security.md documents 30 s");
    for (case, claims, status) in [
        (
            "expired 20 s ago",
            Claims {
                iat: now() - 900,
                exp: now() - (leeway - 10),
                ..claims()
            },
            200,
        ),
        (
            "expired 40 s ago",
            Claims {
                iat: now() - 900,
                exp: now() - (leeway + 10),
                ..claims()
            },
            401,
        ),
        (
            "issued 20 s ahead",
            Claims {
                iat: now() + (leeway - 10),
                exp: now() + 900,
                ..claims()
            },
            200,
        ),
        (
            "issued 40 s ahead",
            Claims {
                iat: now() + (leeway + 10),
                exp: now() + 900,
                ..claims()
            },
            401,
        ),
    ] {
        let answer = call(
            &h.router,
            with_token(get(&balance_path(ORG)), &token(&claims)),
        )
        .await;
        assert_eq!(answer.status, status, "{case}: {}", answer.body);
    }
    assert_eq!(
        h.mock.state().stats().balance_requests,
        1,
        "one read, then cached"
    );
}

#[tokio::test]
async fn a_token_for_one_organization_reads_and_pays_for_no_other() {
    let h = tenant_harness(&[]).await;
    let token = token(&claims());
    let balance = call(&h.router, with_token(get(&balance_path(OTHER)), &token)).await;
    balance.assert_refused(403, "FORBIDDEN");
    let checkout = call(
        &h.router,
        with_token(post(checkout_for(OTHER, 2500)), &token),
    )
    .await;
    checkout.assert_refused(403, "FORBIDDEN");
    assert_eq!(upstream_calls(&h), 0);
}

#[tokio::test]
async fn with_organization_too_a_token_is_still_required_and_its_sub_narrowed() {
    let h = tenant_harness(&["--organization", OTHER]).await;
    for request in both_routes(None) {
        assert_eq!(call(&h.router, request).await.status, 401);
    }
    // A valid token, but for an organization this proxy does not serve.
    let outside = token(&claims());
    for request in both_routes(Some(&format!("Bearer {outside}"))) {
        let answer = call(&h.router, request).await;
        answer.assert_refused(403, "FORBIDDEN");
    }
    assert_eq!(upstream_calls(&h), 0);
    let inside = token(&Claims {
        sub: OTHER.to_owned(),
        ..claims()
    });
    let answer = call(&h.router, with_token(get(&balance_path(OTHER)), &inside)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn max_cents_caps_the_amount_as_a_validation_error() {
    let h = tenant_harness(&[]).await;
    let token = token(&Claims {
        max_cents: Some(3000),
        ..claims()
    });
    let answer = call(&h.router, with_token(post(checkout_body(5000)), &token)).await;
    answer.assert_refused(422, "VALIDATION_ERROR");
    let details = answer.json()["error"]["details"].clone();
    assert_eq!(details.as_array().map(Vec::len), Some(1), "{details}");
    assert_eq!(details[0]["field"], "amount_cents");
    assert!(
        details[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("3000")),
        "{details}"
    );
    // What the widget needs to word the refusal in its visitor's language.
    assert_eq!(
        (&details[0]["code"], &details[0]["limit"]),
        (
            &serde_json::json!("ABOVE_MAXIMUM"),
            &serde_json::json!(3000)
        ),
        "{details}"
    );
    assert_eq!(h.mock.state().stats().checkout_requests, 0);
    for amount in [3000, 2500] {
        let answer = call(&h.router, with_token(post(checkout_body(amount)), &token)).await;
        assert_eq!(answer.status, 200, "{amount}: {}", answer.body);
    }
}

#[tokio::test]
async fn with_neither_checkouts_are_open_and_balances_forbidden() {
    let h = harness(&[]).await;
    let answer = call(&h.router, get(&balance_path(ORG))).await;
    answer.assert_refused(403, "FORBIDDEN");
    assert_eq!(h.mock.state().stats().balance_requests, 0);
    let answer = call(&h.router, post(checkout_for(OTHER, 2500))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn balances_have_their_own_rate_limit() {
    let h = harness(&["--organization", ORG, "--balance-rate-limit", "2"]).await;
    for _ in 0..2 {
        assert_eq!(call(&h.router, get(&balance_path(ORG))).await.status, 200);
    }
    let answer = call(&h.router, get(&balance_path(ORG))).await;
    answer.assert_refused(429, "RATE_LIMITED");
    assert!(answer.header("retry-after").is_some());
    assert_eq!(
        call(&h.router, post(checkout_body(2500))).await.status,
        200,
        "checkouts are counted apart"
    );
}

#[tokio::test]
async fn a_balance_error_is_cached_like_an_answer() {
    let h = harness(&["--organization", ORG]).await;
    h.mock
        .state()
        .push_faults(Route::Balance, [Fault::ServerError]);
    for _ in 0..3 {
        let answer = call(&h.router, get(&balance_path(ORG))).await;
        answer.assert_refused(500, "INTERNAL_ERROR");
    }
    assert_eq!(h.mock.state().stats().balance_requests, 1);
    tokio::time::sleep(checkout_proxy::balance::CACHE_FOR).await;
    assert_eq!(call(&h.router, get(&balance_path(ORG))).await.status, 200);
    assert_eq!(h.mock.state().stats().balance_requests, 2);
}

#[tokio::test]
async fn concurrent_misses_for_one_organization_share_one_upstream_call() {
    let h = harness(&["--organization", ORG, "--organization", OTHER]).await;
    // Only the first upstream call is slow; any other would be counted at once.
    h.mock
        .state()
        .push_faults(Route::Balance, [Fault::Slow(Duration::from_millis(400))]);
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let router = h.router.clone();
        calls.spawn(async move { call(&router, get(&balance_path(ORG))).await });
    }
    while let Some(answer) = calls.join_next().await {
        let answer = answer.expect("joined");
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.json()["balance"], "150.00");
    }
    assert_eq!(h.mock.state().stats().balance_requests, 1);
    // Another organization has its own call.
    assert_eq!(call(&h.router, get(&balance_path(OTHER))).await.status, 200);
    assert_eq!(h.mock.state().stats().balance_requests, 2);
}

/// A token with this header and payload, each as written, signed as the proxy checks it.
fn signed_as_written(header: &str, payload: &str) -> String {
    let message = format!(
        "{}.{}",
        base64url(header.as_bytes()),
        base64url(payload.as_bytes())
    );
    let signature = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
        jsonwebtoken::Algorithm::HS256,
    )
    .expect("signed");
    format!("{message}.{signature}")
}

#[tokio::test]
async fn nbf_is_a_number_checked_with_the_leeway_crit_is_refused_and_iat_comes_before_exp() {
    let h = tenant_harness(&[]).await;
    let leeway = tenant_token::LEEWAY.as_secs();
    let valid = claims();
    let payload = |extra: &str| {
        serde_json::to_string(&valid)
            .expect("claims")
            .replacen('{', &format!("{{{extra}"), 1)
    };
    let standard = r#"{"alg":"HS256","typ":"JWT"}"#;
    let with_nbf = |nbf: u64| Claims {
        nbf: Some(nbf),
        ..valid.clone()
    };
    for (case, token, status) in [
        ("as minted", token(&valid), 200),
        (
            "signed as written",
            signed_as_written(standard, &payload("")),
            200,
        ),
        ("nbf now", token(&with_nbf(now())), 200),
        (
            "nbf 20 s ahead",
            token(&with_nbf(now() + (leeway - 10))),
            200,
        ),
        (
            "nbf 40 s ahead",
            token(&with_nbf(now() + (leeway + 10))),
            401,
        ),
        ("nbf far ahead", token(&with_nbf(now() + 86_400 * 365)), 401),
        (
            "nbf a string",
            signed_as_written(standard, &payload(r#""nbf":"x","#)),
            401,
        ),
        (
            "nbf null",
            signed_as_written(standard, &payload(r#""nbf":null,"#)),
            200,
        ),
        (
            "a crit header",
            signed_as_written(
                r#"{"alg":"HS256","typ":"JWT","crit":["exp"]}"#,
                &payload(""),
            ),
            401,
        ),
        (
            "iat after exp",
            token(&Claims {
                iat: now(),
                exp: now() - 1,
                ..valid.clone()
            }),
            401,
        ),
    ] {
        let answer = call(&h.router, with_token(get(&balance_path(ORG)), &token)).await;
        assert_eq!(answer.status, status, "{case}: {}", answer.body);
        if status == 401 {
            assert_eq!(answer.code(), "UNAUTHENTICATED", "{case}");
        }
    }
}
