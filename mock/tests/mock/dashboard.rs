//! `GET /__dashboard/token`: tokens that the proxy's verifier accepts, for the page that asks.

use crate::support::{ORG, config, get, send};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use closient_checkout_server_common::tenant_token::{
    self, Audience, SECRET_FILE_VAR, SECRET_VAR, TenantSecret, TenantSecrets, Verifier,
};
use closient_mock::{MockConfig, MockState, router};

const SECRET: &str = "tenant-secret-of-the-dashboard-0123456789";
const PAGE: &str = "http://127.0.0.1:8080";

fn secret() -> TenantSecret {
    TenantSecret::from_env(
        &|name| (name == SECRET_VAR).then(|| SECRET.to_owned()),
        SECRET_VAR,
        SECRET_FILE_VAR,
    )
    .expect("valid")
    .expect("set")
}

fn dashboard() -> axum::Router {
    router(MockState::new(&MockConfig {
        tenant_secret: Some(secret()),
        ..config()
    }))
}

fn verifier() -> Verifier {
    Verifier::new(
        &TenantSecrets {
            current: secret(),
            previous: None,
        },
        &[PAGE.to_owned()],
    )
}

#[tokio::test]
async fn mints_a_token_for_the_page_that_asks() {
    let request = Request::get(format!(
        "/__dashboard/token?organization={ORG}&max_cents=5000"
    ))
    .header("origin", PAGE)
    .body(Body::empty())
    .expect("a request");
    let answer = send(&dashboard(), request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.header("access-control-allow-origin"), "*");
    assert_eq!(answer.header("cache-control"), "no-store");
    let token = answer.json()["token"].as_str().expect("a token").to_owned();
    let claims = verifier().verify(&token).expect("the proxy accepts it");
    assert_eq!(claims.sub, ORG);
    assert_eq!(claims.aud, Audience::One(PAGE.to_owned()));
    assert_eq!(claims.max_cents, Some(5000));
    assert_eq!(claims.exp - claims.iat, 15 * 60);
}

#[tokio::test]
async fn an_audience_and_a_lifetime_can_be_asked_for() {
    let answer = send(
        &dashboard(),
        get(&format!(
            "/__dashboard/token?organization={ORG}&audience={PAGE}&ttl=2s"
        )),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let token = answer.json()["token"].as_str().expect("a token").to_owned();
    let claims = verifier().verify(&token).expect("accepted");
    assert_eq!(claims.exp - claims.iat, 2);
}

#[tokio::test]
async fn refuses_what_no_proxy_would_accept() {
    for query in [
        format!("organization={ORG}"),
        format!("organization={ORG}&audience={PAGE}&ttl=2h"),
        format!("organization=0OIl&audience={PAGE}"),
        format!("audience={PAGE}"),
        format!("organization={ORG}&audience={PAGE}&colour=blue"),
    ] {
        let answer = send(&dashboard(), get(&format!("/__dashboard/token?{query}"))).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            answer.body
        );
        assert_eq!(answer.error_code(), "BAD_REQUEST");
        assert!(!answer.body.contains(SECRET));
    }
}

#[tokio::test]
async fn without_a_secret_there_is_no_dashboard() {
    let answer = send(
        &router(MockState::new(&config())),
        get(&format!(
            "/__dashboard/token?organization={ORG}&audience={PAGE}"
        )),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(
        answer.body.contains(tenant_token::SECRET_VAR),
        "{}",
        answer.body
    );
}

#[test]
fn the_config_never_shows_the_secret() {
    let config = MockConfig {
        tenant_secret: Some(secret()),
        ..config()
    };
    assert!(!format!("{config:?}").contains(SECRET));
}
