//! `checkout-proxy --print-csp`: the policy for serving `dist/` with another server, the same
//! one the proxy sends, printed without a key; and `checkout-proxy mint-token`.

mod support;

use closient_checkout_server_common::tenant_token::{SECRET_FILE_VAR, SECRET_VAR};
use std::process::Command;
use support::*;

const BINARY: &str = env!("CARGO_BIN_EXE_checkout-proxy");

#[test]
fn prints_the_policy_with_the_loader_hash_and_needs_no_key() {
    let dir = std::env::temp_dir().join(format!("checkout-proxy-csp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let html = "<!doctype html><script type=\"module\">alert(1)</script>";
    std::fs::write(dir.join("index.html"), html).expect("index");
    let output = Command::new(BINARY)
        .args([
            "--print-csp",
            "--static-dir",
            dir.to_str().expect("utf-8"),
            "--frame-ancestors",
            "https://shop.example",
            "--connect-origin",
            "https://tokens.shop.example",
        ])
        .env_remove("CLOSIENT_API_KEY")
        .env_remove("CLOSIENT_API_KEY_FILE")
        .output()
        .expect("runs");
    std::fs::remove_dir_all(&dir).expect("cleanup");
    let policy = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(policy.lines().count(), 1, "{policy}");
    // `printf 'alert(1)' | openssl dgst -sha256 -binary | base64`
    assert!(
        policy.contains("'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"),
        "{policy}"
    );
    assert!(
        policy.contains("frame-ancestors https://shop.example"),
        "{policy}"
    );
    assert!(
        policy.contains("connect-src 'self' https://tokens.shop.example;"),
        "{policy}"
    );
}

const TENANT_SECRET: &str = "tenant-secret-for-the-cli-0123456789";

/// `checkout-proxy mint-token ARGS` with the tenant secret set: the token, or the error line.
fn mint(args: &[&str]) -> Result<String, String> {
    let output = Command::new(BINARY)
        .arg("mint-token")
        .args(args)
        .env(SECRET_VAR, TENANT_SECRET)
        .env_remove(SECRET_FILE_VAR)
        .env_remove("CHECKOUT_PUBLIC_ORIGINS")
        .env_remove("CHECKOUT_LISTEN")
        .output()
        .expect("runs");
    if output.status.success() {
        let token = String::from_utf8(output.stdout).expect("utf-8");
        assert_eq!(token.lines().count(), 1, "{token}");
        Ok(token.trim().to_owned())
    } else {
        assert_eq!(output.status.code(), Some(2));
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

#[tokio::test]
async fn mint_token_prints_a_token_the_proxy_accepts() {
    let h = harness_env(&[], &[(SECRET_VAR, TENANT_SECRET)]).await;
    let with = |token: &str, body: String| {
        let mut request = post(body);
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("header"),
        );
        request
    };
    // The default audience is the proxy's own default origin, as `--listen` gives it.
    let token = mint(&["--organization", ORG, "--ttl", "15m"]).expect("minted");
    let answer = call(&h.router, with(&token, checkout_body(2500))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    let capped = mint(&[
        "--organization",
        ORG,
        "--max-cents",
        "1000",
        "--audience",
        PAGE,
    ])
    .expect("minted");
    assert_eq!(
        call(&h.router, with(&capped, checkout_body(1000)))
            .await
            .status,
        200
    );
    assert_eq!(
        call(&h.router, with(&capped, checkout_body(2500)))
            .await
            .status,
        422
    );

    let elsewhere =
        mint(&["--organization", ORG, "--audience", "https://other.example"]).expect("minted");
    assert_eq!(
        call(&h.router, with(&elsewhere, checkout_body(2500)))
            .await
            .status,
        401
    );
}

#[test]
fn mint_token_refuses_what_the_proxy_would_refuse() {
    for (args, says) in [
        (&["--organization", "nope"][..], "--organization"),
        (
            &["--organization", ORG, "--ttl", "61m"],
            "at most 60 minutes",
        ),
        (
            &["--organization", ORG, "--max-cents", "499"],
            "--max-cents",
        ),
        (
            &["--organization", ORG, "--audience", "http://shop.example"],
            "--audience",
        ),
    ] {
        let error = mint(args).expect_err("refused");
        assert!(error.contains(says), "{args:?}: {error}");
        assert_eq!(error.lines().count(), 1, "{error}");
        assert!(!error.contains(TENANT_SECRET));
    }
}

#[test]
fn without_an_index_it_fails_with_one_line() {
    for args in [
        &["--print-csp", "--static-dir", "/nonexistent"][..],
        // No page, no loader hash: a policy printed now would block the widget.
        &["--print-csp"][..],
    ] {
        let output = Command::new(BINARY)
            .args(args)
            .env_remove("CHECKOUT_STATIC_DIR")
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: printed a policy");
    }
}
