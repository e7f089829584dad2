//! The proxy served over real loopback connections: a client that is slow to send its headers
//! is cut off, open connections are capped, in all and per client, and a shutdown drains for
//! its deadline at most.

mod support;

use checkout_proxy::server::Stopped;
use closient_mock::{Fault, Route};
use std::time::{Duration, Instant};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEALTHZ: &[u8] =
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\n\r\n";

#[tokio::test]
async fn headers_sent_a_byte_at_a_time_are_cut_off_at_the_header_deadline() {
    let mut served = serve(&["--header-read-timeout", "300ms"]).await;
    let mut stream = TcpStream::connect(served.addr).await.expect("connects");
    let started = Instant::now();
    let (mut reader, mut writer) = stream.split();
    let slow_loris = async {
        // 80 bytes of headers that never end, 50 ms apart: 4 s, far past the deadline were
        // it reset by each byte.
        let head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-Slow: ";
        for byte in head.iter().copied().chain(std::iter::repeat(b'a')).take(80) {
            if writer.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        std::future::pending::<()>().await;
    };
    let mut answer = Vec::new();
    let closed = tokio::select! {
        // An end of file or a reset: closed either way.
        _ = reader.read_to_end(&mut answer) => true,
        () = slow_loris => false,
        () = tokio::time::sleep(Duration::from_secs(3)) => false,
    };
    let elapsed = started.elapsed();
    assert!(closed, "the connection was still open after 3 s");
    assert!(
        elapsed >= Duration::from_millis(250) && elapsed < Duration::from_millis(2_500),
        "closed after {elapsed:?}: the deadline does not move with each byte"
    );
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert_eq!(served.shutdown().await, Stopped::Drained);
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let mut served = serve(&["--max-connections", "2", "--header-read-timeout", "5s"]).await;
    let first = TcpStream::connect(served.addr).await.expect("connects");
    let second = TcpStream::connect(served.addr).await.expect("connects");
    // Accepted by the kernel, but not by the proxy: its request waits.
    let mut third = TcpStream::connect(served.addr).await.expect("connects");
    third.write_all(HEALTHZ).await.expect("written");
    let mut answer = Vec::new();
    let early =
        tokio::time::timeout(Duration::from_millis(500), third.read_to_end(&mut answer)).await;
    assert!(
        early.is_err() && answer.is_empty(),
        "answered while two connections were open: {}",
        String::from_utf8_lossy(&answer)
    );
    drop(first);
    tokio::time::timeout(Duration::from_secs(2), third.read_to_end(&mut answer))
        .await
        .expect("answered once a connection closed")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(second);
    served.shutdown().await;
}

/// A connection to `addr` from `source`, one of the loopback addresses.
async fn connect_from(source: [u8; 4], addr: std::net::SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind((std::net::Ipv4Addr::from(source), 0).into())
        .expect("bound");
    socket.connect(addr).await.expect("connects")
}

/// Asks for `/healthz` on `stream`, keeping it open: whether it was answered.
async fn healthz_answered(stream: &mut TcpStream) -> bool {
    let request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
    if stream.write_all(request).await.is_err() {
        return false;
    }
    let mut answer = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer)).await;
    matches!(read, Ok(Ok(n)) if answer[..n].starts_with(b"HTTP/1.1 200"))
}

#[tokio::test]
async fn a_client_over_its_connection_cap_is_closed_and_others_are_served() {
    let mut served = serve(&["--max-connections-per-client", "2"]).await;
    let mut first = connect_from([127, 0, 0, 2], served.addr).await;
    let mut second = connect_from([127, 0, 0, 2], served.addr).await;
    assert!(healthz_answered(&mut first).await && healthz_answered(&mut second).await);
    let mut third = connect_from([127, 0, 0, 2], served.addr).await;
    assert!(
        !healthz_answered(&mut third).await,
        "a third connection from the same client is closed unanswered"
    );
    let mut other = connect_from([127, 0, 0, 3], served.addr).await;
    assert!(
        healthz_answered(&mut other).await,
        "another client is served"
    );
    drop(first);
    // Closed, a connection gives its place back once the proxy sees the end of file.
    let started = Instant::now();
    loop {
        let mut again = connect_from([127, 0, 0, 2], served.addr).await;
        if healthz_answered(&mut again).await {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "never given back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop((second, third, other));
    served.shutdown().await;
}

#[tokio::test]
async fn connections_from_a_trusted_proxy_are_not_capped_per_client() {
    let mut served = serve(&[
        "--max-connections-per-client",
        "1",
        "--trusted-proxy",
        "127.0.0.2",
    ])
    .await;
    let mut streams = Vec::new();
    for _ in 0..3 {
        let mut stream = connect_from([127, 0, 0, 2], served.addr).await;
        assert!(
            healthz_answered(&mut stream).await,
            "many clients come through it"
        );
        streams.push(stream);
    }
    drop(streams);
    served.shutdown().await;
}

/// A valid checkout from the widget's page, closing its connection after the answer.
fn checkout_request() -> Vec<u8> {
    let body = checkout_body(2500);
    format!(
        "POST /api/billing/checkout HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nOrigin: {PAGE}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

async fn until_upstream_has(served: &Served, count: u64) {
    let started = Instant::now();
    while served.mock.state().stats().checkout_requests < count {
        assert!(started.elapsed() < Duration::from_secs(5), "never reached");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_shutdown_lets_requests_in_flight_finish() {
    let mut served = serve(&["--shutdown-timeout", "5s", "--upstream-timeout", "5s"]).await;
    served
        .mock
        .state()
        .push_faults(Route::Checkout, [Fault::Slow(Duration::from_millis(500))]);
    let addr = served.addr;
    let in_flight =
        tokio::spawn(
            async move { exchange(addr, &checkout_request(), Duration::from_secs(5)).await },
        );
    until_upstream_has(&served, 1).await;
    assert_eq!(served.shutdown().await, Stopped::Drained);
    let (answer, _) = in_flight.await.expect("joined");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_shutdown_ends_at_its_deadline_whatever_is_still_in_flight() {
    let mut served = serve(&["--shutdown-timeout", "300ms", "--upstream-timeout", "5s"]).await;
    served
        .mock
        .state()
        .push_faults(Route::Checkout, [Fault::Slow(Duration::from_secs(4))]);
    let addr = served.addr;
    let _in_flight =
        tokio::spawn(
            async move { exchange(addr, &checkout_request(), Duration::from_secs(5)).await },
        );
    until_upstream_has(&served, 1).await;
    let started = Instant::now();
    let stopped = served.shutdown().await;
    assert_eq!(stopped, Stopped::DeadlinePassed { open: 1 });
    // Well before the 4 s the request would take.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}
