//! The API key and the tenant secrets never show: not in any log line at any level (the HTTP
//! client's own traces included), not in a response, not in `--help`, not in an error, not in
//! the start-up line. Nor do the tenant tokens the browser sends.

mod support;

use closient_checkout_server_common::tenant_token::{
    self, Audience, Claims, PREVIOUS_SECRET_VAR, SECRET_FILE_VAR, SECRET_VAR,
};
use closient_mock::{Fault, Route};
use std::{
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
};
use support::*;

#[tokio::test]
async fn the_key_is_in_no_trace_and_no_response() {
    let captured = Captured::default();
    let _guard = captured.trace();

    let h = harness(&[]).await;
    let mut bodies = Vec::new();
    h.mock.state().push_faults(
        Route::Checkout,
        [
            Fault::Unauthorized,
            Fault::Redirect,
            Fault::Garbage,
            Fault::Drop,
            Fault::RateLimited {
                retry_after_secs: 1,
            },
        ],
    );
    for _ in 0..6 {
        let answer = call(&h.router, post(checkout_body(2500))).await;
        bodies.push(format!("{:?} {}", answer.headers, answer.body));
    }
    bodies.push(
        call(&h.router, get(&format!("/api/billing/balance/{ORG}")))
            .await
            .body,
    );

    let logs = captured.text();
    assert!(
        logs.contains("upstream refused the proxy's API key"),
        "the 401 is logged loudly"
    );
    assert!(
        logs.lines().count() > 20,
        "trace level was captured: {} lines",
        logs.lines().count()
    );
    assert!(!logs.contains(KEY), "the key appears in the logs");
    for body in bodies {
        assert!(!body.contains(KEY), "the key appears in a response: {body}");
    }
}

const TENANT_SECRET: &str = "tenant-secret-never-shown-0123456789";
const PREVIOUS_TENANT_SECRET: &str = "tenant-secret-previous-never-shown-01";

fn tenant_token(secret: &str, exp_from_now: i64) -> String {
    let now = now();
    let claims = Claims {
        sub: ORG.to_owned(),
        iat: now - 600,
        exp: now.saturating_add_signed(exp_from_now),
        aud: Audience::One(PAGE.to_owned()),
        max_cents: Some(1000),
        nbf: None,
    };
    signed(secret, &claims)
}

#[tokio::test]
async fn the_tenant_secrets_and_tokens_are_in_no_trace_and_no_response() {
    let captured = Captured::default();
    let _guard = captured.trace();

    let h = harness_env(
        &[],
        &[
            (SECRET_VAR, TENANT_SECRET),
            (PREVIOUS_SECRET_VAR, PREVIOUS_TENANT_SECRET),
        ],
    )
    .await;
    let tokens = [
        tenant_token(TENANT_SECRET, 600),
        tenant_token(PREVIOUS_TENANT_SECRET, 600),
        tenant_token(TENANT_SECRET, -600),
        tenant_token("an-unknown-secret-0123456789abcdefgh", 600),
    ];
    h.mock
        .state()
        .push_faults(Route::Balance, [Fault::Unauthorized]);
    let mut bodies = Vec::new();
    for token in &tokens {
        for (mut request, path) in [
            (post(checkout_body(900)), "checkout"),
            (post(checkout_body(5000)), "over max_cents"),
            (get(&format!("/api/billing/balance/{ORG}")), "balance"),
        ] {
            request.headers_mut().insert(
                "authorization",
                format!("Bearer {token}").parse().expect("header"),
            );
            let answer = call(&h.router, request).await;
            bodies.push(format!("{path}: {:?} {}", answer.headers, answer.body));
        }
    }
    assert!(
        bodies
            .iter()
            .any(|b| b.starts_with("checkout: ") && b.contains("checkout_url")),
        "a valid token was accepted: {bodies:?}"
    );

    let logs = captured.text();
    assert!(logs.contains("tenant token refused"), "refusals are logged");
    for secret in [TENANT_SECRET, PREVIOUS_TENANT_SECRET, KEY] {
        assert!(!logs.contains(secret), "a secret appears in the logs");
        for body in &bodies {
            assert!(
                !body.contains(secret),
                "a secret appears in a response: {body}"
            );
        }
    }
    for token in &tokens {
        let signature = token.rsplit('.').next().expect("signature");
        assert!(!logs.contains(signature), "a token appears in the logs");
    }
}

const BINARY: &str = env!("CARGO_BIN_EXE_checkout-proxy");

#[test]
fn help_never_shows_the_key_nor_the_tenant_secrets() {
    for args in [&["--help"][..], &["mint-token", "--help"]] {
        let output = Command::new(BINARY)
            .args(args)
            .env("CLOSIENT_API_KEY", KEY)
            .env(SECRET_VAR, TENANT_SECRET)
            .env(PREVIOUS_SECRET_VAR, PREVIOUS_TENANT_SECRET)
            .output()
            .expect("runs");
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{args:?}");
        assert!(help.contains("--organization"), "{help}");
        for secret in [KEY, TENANT_SECRET, PREVIOUS_TENANT_SECRET] {
            assert!(!help.contains(secret), "{args:?}: {help}");
        }
    }
    let help = Command::new(BINARY).arg("--help").output().expect("runs");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--upstream")
            && help.contains("CLOSIENT_API_KEY")
            && help.contains(SECRET_VAR)
            && help.contains("mint-token"),
        "{help}"
    );
}

#[test]
fn a_bad_configuration_exits_2_with_one_line() {
    for (args, env) in [
        (vec![], vec![]),
        (
            vec!["--listen", "0.0.0.0:0"],
            vec![("CLOSIENT_API_KEY", KEY)],
        ),
        (
            vec![],
            vec![
                ("CLOSIENT_API_KEY", KEY),
                ("CLOSIENT_API_KEY_FILE", "/nonexistent"),
            ],
        ),
        (
            vec!["--upstream-timeout", "soon"],
            vec![("CLOSIENT_API_KEY", KEY)],
        ),
        // Overflowed the clock once, a panic instead of this line.
        (
            vec!["--upstream-timeout", "18446744073709551615s"],
            vec![("CLOSIENT_API_KEY", KEY)],
        ),
        (
            vec!["--upstream", "http://api.example/billing/api/v1"],
            vec![("CLOSIENT_API_KEY", KEY)],
        ),
        (
            vec!["--trusted-proxy", "10.0.0.1/8"],
            vec![("CLOSIENT_API_KEY", KEY)],
        ),
        (
            vec![],
            vec![
                ("CLOSIENT_API_KEY", KEY),
                (SECRET_VAR, "too-short-a-tenant-secret"),
            ],
        ),
        (
            vec![],
            vec![
                ("CLOSIENT_API_KEY", KEY),
                (SECRET_VAR, TENANT_SECRET),
                (SECRET_FILE_VAR, "/nonexistent"),
            ],
        ),
        (
            vec![],
            vec![
                ("CLOSIENT_API_KEY", KEY),
                (PREVIOUS_SECRET_VAR, PREVIOUS_TENANT_SECRET),
            ],
        ),
        (vec!["mint-token", "--organization", ORG], vec![]),
        (
            vec!["mint-token", "--organization", ORG, "--ttl", "2h"],
            vec![(SECRET_VAR, TENANT_SECRET)],
        ),
        (
            vec!["mint-token", "--organization", "nope"],
            vec![(SECRET_VAR, TENANT_SECRET)],
        ),
    ] {
        let mut command = Command::new(BINARY);
        command.args(&args);
        for name in [
            "CLOSIENT_API_KEY",
            "CLOSIENT_API_KEY_FILE",
            SECRET_VAR,
            SECRET_FILE_VAR,
            PREVIOUS_SECRET_VAR,
            tenant_token::PREVIOUS_SECRET_FILE_VAR,
        ] {
            command.env_remove(name);
        }
        for (name, value) in &env {
            command.env(name, value);
        }
        let output = command.output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        for secret in [
            KEY,
            TENANT_SECRET,
            PREVIOUS_TENANT_SECRET,
            "too-short-a-tenant",
        ] {
            assert!(!stderr.contains(secret), "{args:?}: {stderr}");
        }
        assert!(output.stdout.is_empty(), "{args:?}: printed something");
        assert!(stderr.trim().lines().count() <= 3, "short: {stderr}");
    }
}

#[test]
fn starts_says_only_that_the_key_is_set_and_drains_on_sigterm() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = Command::new(BINARY)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--upstream",
            "http://127.0.0.1:9/billing/api/v1",
        ])
        .env("CLOSIENT_API_KEY", KEY)
        .env(SECRET_VAR, TENANT_SECRET)
        .env_remove(SECRET_FILE_VAR)
        .env_remove(PREVIOUS_SECRET_VAR)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("line");
        let ready = line.contains("listening on");
        seen.push(line);
        if ready {
            break;
        }
    }
    let health = std::net::TcpStream::connect(("127.0.0.1", port)).and_then(|mut s| {
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut s, &mut answer)?;
        Ok(answer)
    });
    assert!(health.expect("healthz answers").starts_with("HTTP/1.1 200"));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    seen.extend(lines.map_while(Result::ok));
    let status = child.wait().expect("exits");
    let all = seen.join("\n");
    assert_eq!(status.code(), Some(0), "{all}");
    assert!(
        all.contains(&format!("api_key=set ({} chars)", KEY.len())),
        "{all}"
    );
    assert!(
        all.contains(&format!(
            "tenant_secret=set ({} bytes)",
            TENANT_SECRET.len()
        )),
        "{all}"
    );
    assert!(!all.contains(TENANT_SECRET));
    assert!(
        all.contains("path=\"/healthz\"") || all.contains("path=/healthz"),
        "one line per request: {all}"
    );
    assert!(!all.contains(KEY));
}
