//! `checkout-proxy --print-csp`: the policy for serving `dist/` with another server, the same
//! one the proxy sends, printed without a key; and `checkout-proxy mint-token`.

mod support;

use closient_checkout_server_common::tenant_token::{SECRET_FILE_VAR, SECRET_VAR};
use std::{
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
};
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
fn mint_token_takes_the_longest_lifetime_as_the_help_writes_it() {
    for ttl in ["1h", "60m", "3600s"] {
        mint(&["--organization", ORG, "--ttl", ttl]).expect(ttl);
    }
    let error = mint(&["--organization", ORG, "--ttl", "2h"]).expect_err("refused");
    assert!(error.contains("at most 60 minutes"), "{error}");
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
fn the_printed_policy_refuses_frame_ancestors_that_are_not_sources() {
    let dir = std::env::temp_dir().join(format!("checkout-proxy-csp-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("index.html"), "<!doctype html>").expect("index");
    let output = Command::new(BINARY)
        .args(["--print-csp", "--static-dir", dir.to_str().expect("utf-8")])
        .args(["--frame-ancestors", "'self'; script-src *"])
        .output()
        .expect("runs");
    std::fs::remove_dir_all(&dir).expect("cleanup");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "printed a policy");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--frame-ancestors"), "{stderr}");
}

/// A forward proxy that answers every request 502 and keeps each request's first line.
fn forward_proxy() -> (std::net::SocketAddr, std::sync::mpsc::Receiver<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = listener.local_addr().expect("bound");
    let (seen, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = seen.send(line.trim_end().to_owned());
            let _ = reader
                .get_mut()
                .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        }
    });
    (addr, lines)
}

/// The binary in front of `mock` with `args` and `env`, until dropped.
struct Running(std::process::Child, std::net::SocketAddr);

impl Running {
    fn start(mock: &closient_mock::RunningMock, args: &[&str], env: &[(&str, String)]) -> Self {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let mut command = Command::new(BINARY);
        command
            .args([
                "--listen",
                &addr.to_string(),
                "--upstream",
                &mock.base_url(),
            ])
            .args(["--checkout-origin", mock.origin()])
            .args(args)
            .env("CLOSIENT_API_KEY", KEY)
            .env_remove("CLOSIENT_API_KEY_FILE")
            .stdout(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        for line in lines.by_ref() {
            if line.expect("a line").contains("listening on") {
                break;
            }
        }
        // Read on, so that the proxy's later log lines are not written into a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self(child, addr)
    }

    /// The status line of a valid checkout through the binary.
    async fn checkout(&self) -> String {
        let body = checkout_body(2500).replace(PAGE, &format!("http://{}", self.1));
        let request = format!(
            "POST /api/billing/checkout HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.1,
            body.len()
        );
        let (answer, _) = exchange(
            self.1,
            request.as_bytes(),
            std::time::Duration::from_secs(5),
        )
        .await;
        answer.lines().next().unwrap_or_default().to_owned()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn proxy_variables_in_the_environment_are_ignored() {
    let mock = closient_mock::start(closient_mock::MockConfig::new(KEY))
        .await
        .expect("mock starts");
    let (forward, seen) = forward_proxy();
    let url = format!("http://{forward}");
    let env: Vec<(&str, String)> = [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ]
    .into_iter()
    .map(|name| (name, url.clone()))
    .collect();
    let proxy = Running::start(&mock, &[], &env);
    assert_eq!(proxy.checkout().await, "HTTP/1.1 200 OK");
    assert!(
        seen.try_recv().is_err(),
        "a request went through HTTP(S)_PROXY"
    );
    assert_eq!(mock.state().stats().checkout_requests, 1);
}

#[tokio::test]
async fn an_upstream_proxy_given_on_purpose_is_used() {
    let mock = closient_mock::start(closient_mock::MockConfig::new(KEY))
        .await
        .expect("mock starts");
    let (forward, seen) = forward_proxy();
    let proxy = Running::start(
        &mock,
        &["--upstream-proxy", &format!("http://{forward}")],
        &[],
    );
    assert_eq!(proxy.checkout().await, "HTTP/1.1 502 Bad Gateway");
    let line = seen
        .recv_timeout(std::time::Duration::from_secs(5))
        .expect("the forward proxy was asked");
    assert_eq!(
        line,
        format!("POST {}/billing/checkout HTTP/1.1", mock.base_url())
    );
    assert_eq!(mock.state().stats().checkout_requests, 0);
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

#[test]
fn a_flag_refused_as_it_is_parsed_is_one_line_too() {
    for (args, says) in [
        (&["--upstream-timeout", "0s"][..], "--upstream-timeout"),
        (&["--trusted-proxy", "10.0.0.1/8"][..], "host bits"),
        (&["--no-such-flag"][..], "--no-such-flag"),
        (&["--log-format", "yaml"][..], "--log-format"),
        (&["--metrics-listen", "localhost"][..], "--metrics-listen"),
    ] {
        let output = Command::new(BINARY).args(args).output().expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("checkout-proxy: ") && stderr.contains(says),
            "{args:?}: {stderr}"
        );
    }
}

/// clap would print an environment variable's value in `--help`: not the Redis URL's.
#[test]
fn help_never_prints_the_redis_urls_password() {
    let output = Command::new(BINARY)
        .arg("--help")
        .env(
            "CHECKOUT_REDIS_URL",
            "redis://:help-canary-password@redis.internal",
        )
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--redis-url"), "{help}");
    assert!(!help.contains("help-canary-password"), "{help}");
}

/// `.env.sample` is the list an operator copies: every variable `--help` names is in it.
#[test]
fn the_sample_environment_names_every_variable_of_the_help() {
    let output = Command::new(BINARY).arg("--help").output().expect("runs");
    let help = String::from_utf8_lossy(&output.stdout);
    let sample = include_str!("../../.env.sample");
    let named: Vec<&str> = help
        .split("[env: ")
        .skip(1)
        .filter_map(|rest| rest.split(['=', ']']).next())
        .collect();
    assert!(named.len() > 20, "{help}");
    for name in named {
        assert!(
            sample.contains(&format!("{name}=")),
            "{name} is missing from .env.sample"
        );
    }
}
