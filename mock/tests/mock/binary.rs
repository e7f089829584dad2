//! The `closient-mock` binary: its start-up line, request log, exit on SIGTERM, and that the
//! API key shows up in none of its output.

use crate::support::{KEY, raw_checkout, raw_request};
use std::net::SocketAddr;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_closient-mock");

#[tokio::test]
async fn serves_logs_without_the_key_and_exits_0_on_sigterm() {
    let mut child = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0", "--credit-delay", "100ms"])
        .env("CLOSIENT_API_KEY", KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary runs");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    stdout.read_line(&mut first).await.expect("a first line");
    let addr: SocketAddr = first
        .strip_prefix("closient-mock listening on http://")
        .and_then(|rest| rest.split_once(' '))
        .map(|(addr, _)| addr)
        .expect("the start-up line")
        .parse()
        .expect("an address");
    assert_eq!(
        first.trim_end(),
        format!("closient-mock listening on http://{addr} (base URL http://{addr}/billing/api/v1)")
    );

    let answer = raw_checkout(addr).await;
    assert!(
        answer.text().starts_with("HTTP/1.1 200"),
        "{}",
        answer.text()
    );
    let answer = raw_request(addr, "GET", "/billing/api/v1/billing/balance/x", &[], "").await;
    assert!(
        answer.text().starts_with("HTTP/1.1 401"),
        "{}",
        answer.text()
    );

    let pid = child.id().expect("still running").to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .expect("kill runs");
    assert!(killed.success());
    let status = child.wait().await.expect("the binary exits");
    assert_eq!(status.code(), Some(0));

    let mut rest = String::new();
    stdout.read_to_string(&mut rest).await.expect("the log");
    let mut errors = String::new();
    child
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut errors)
        .await
        .expect("stderr");
    assert!(
        rest.contains("POST /billing/api/v1/billing/checkout 200"),
        "{rest}"
    );
    assert!(
        rest.contains("GET /billing/api/v1/billing/balance/x 401"),
        "{rest}"
    );
    for output in [&first, &rest, &errors] {
        assert!(!output.contains(KEY), "the key leaked: {output}");
    }
}

#[tokio::test]
async fn help_never_shows_the_key_and_a_missing_key_stops_start_up() {
    let help = Command::new(BINARY)
        .arg("--help")
        .env("CLOSIENT_API_KEY", KEY)
        .output()
        .await
        .expect("the binary runs");
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("--credit-delay"), "{text}");
    assert!(!text.contains(KEY));

    let missing = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("CLOSIENT_API_KEY")
        .output()
        .await
        .expect("the binary runs");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("CLOSIENT_API_KEY"));

    let bad_flag = Command::new(BINARY)
        .args(["--api-key", KEY])
        .env("CLOSIENT_API_KEY", KEY)
        .output()
        .await
        .expect("the binary runs");
    assert_eq!(bad_flag.status.code(), Some(2));
}
