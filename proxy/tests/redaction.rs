//! The API key never shows: not in any log line at any level (the HTTP client's own traces
//! included), not in a response, not in `--help`, not in the start-up line.

mod support;

use closient_mock::{Fault, Route};
use std::{
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
    sync::{Arc, Mutex},
};
use support::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("capture lock")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_key_is_in_no_trace_and_no_response() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

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

    let logs =
        String::from_utf8(captured.0.lock().expect("capture lock").clone()).expect("utf-8 logs");
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

const BINARY: &str = env!("CARGO_BIN_EXE_checkout-proxy");

#[test]
fn help_never_shows_the_key() {
    let output = Command::new(BINARY)
        .arg("--help")
        .env("CLOSIENT_API_KEY", KEY)
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(
        help.contains("--upstream") && help.contains("CLOSIENT_API_KEY"),
        "{help}"
    );
    assert!(!help.contains(KEY));
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
    ] {
        let mut command = Command::new(BINARY);
        command
            .args(&args)
            .env_remove("CLOSIENT_API_KEY")
            .env_remove("CLOSIENT_API_KEY_FILE");
        for (name, value) in &env {
            command.env(name, value);
        }
        let output = command.output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains(KEY));
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
        all.contains("path=\"/healthz\"") || all.contains("path=/healthz"),
        "one line per request: {all}"
    );
    assert!(!all.contains(KEY));
}
