//! Proxy overhead: the release mock and proxy on loopback (the proxy with `--rate-limit 0`), and
//! bounded loops of `POST /api/billing/checkout` through the proxy against the same body sent
//! straight to the mock with the key (the baseline). A plain HTTP/1.1 client on std's
//! `TcpStream`, one keep-alive connection per worker.

use super::{
    Binaries, PROXY_BATCH_DEADLINE, PROXY_CONCURRENCY, PROXY_P50_OVERHEAD_BUDGET_MS,
    PROXY_REQUESTS, PROXY_WARMUP, Row, ms, quantile, signed, thousands,
};
use crate::{Result, repo_root};
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// Not a real key: the mock accepts whatever it is started with, and the proxy sends it.
const KEY: &str = "csb_bench_notasecret";
const ORGANIZATION: &str = "7dHk2mPqRsTuVwXyZaBcDe";
const IO_TIMEOUT: Duration = Duration::from_secs(5);
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// One measured batch: each request's latency and the batch's wall time.
#[derive(Debug)]
struct Batch {
    latencies_ms: Vec<f64>,
    wall: Duration,
}

impl Batch {
    fn p50(&self) -> f64 {
        quantile(&self.latencies_ms, 0.5)
    }

    fn p99(&self) -> f64 {
        quantile(&self.latencies_ms, 0.99)
    }

    fn per_second(&self) -> f64 {
        self.latencies_ms.len() as f64 / self.wall.as_secs_f64()
    }
}

/// The sequential and the concurrent batches, through the proxy and direct.
#[derive(Debug)]
pub(super) struct Batches {
    sequential: (Batch, Batch),
    concurrent: (Batch, Batch),
}

pub(super) fn measure(binaries: &Binaries) -> Result<Batches> {
    let logs = repo_root().join("target").join("bench");
    fs::create_dir_all(&logs).map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
    let mock_addr = free_port()?;
    let proxy_addr = free_port()?;
    let mock_origin = format!("http://{mock_addr}");
    let mut servers = Servers(Vec::new());

    let mut mock = Command::new(&binaries.mock);
    mock.args(["--listen", &mock_addr.to_string()])
        .env("CLOSIENT_API_KEY", KEY);
    servers.start(mock, "mock", &logs.join("mock.log"))?;
    wait_healthy(mock_addr, "/__mock/stats", &mut servers)?;

    let mut proxy = Command::new(&binaries.proxy);
    proxy
        .args(["--listen", &proxy_addr.to_string()])
        .args(["--upstream", &format!("{mock_origin}/billing/api/v1")])
        .args(["--checkout-origin", &mock_origin])
        .args(["--rate-limit", "0"])
        .env("CLOSIENT_API_KEY", KEY)
        .env_remove("CLOSIENT_API_KEY_FILE");
    servers.start(proxy, "proxy", &logs.join("proxy.log"))?;
    wait_healthy(proxy_addr, "/healthz", &mut servers)?;
    println!(
        "mock on {mock_addr}, proxy on {proxy_addr} (logs in {})",
        logs.display()
    );

    // Return URLs on the proxy's own origin, which it accepts on a loopback address.
    let body = format!(
        r#"{{"organization_id":"{ORGANIZATION}","amount_cents":2500,"success_url":"http://{proxy_addr}/?checkout=success&session_id={{CHECKOUT_SESSION_ID}}","cancel_url":"http://{proxy_addr}/?checkout=cancel&amount_cents=2500"}}"#
    );
    let through_proxy = post(proxy_addr, "/api/billing/checkout", None, &body);
    let straight = post(
        mock_addr,
        "/billing/api/v1/billing/checkout",
        Some(KEY),
        &body,
    );

    let pair = |concurrency: usize| -> Result<(Batch, Batch)> {
        let proxied = run_batch(mock_addr, proxy_addr, &through_proxy, concurrency, "proxy")?;
        let direct = run_batch(mock_addr, mock_addr, &straight, concurrency, "direct")?;
        Ok((proxied, direct))
    };
    let sequential = pair(1)?;
    let concurrent = pair(PROXY_CONCURRENCY)?;
    servers.check_running()?;
    Ok(Batches {
        sequential,
        concurrent,
    })
}

impl Batches {
    pub(super) fn rows(&self) -> Vec<Row> {
        let (proxied, direct) = &self.sequential;
        let overhead = proxied.p50() - direct.p50();
        let mut rows = vec![Row::gated(
            "proxy p50, sequential",
            ms(proxied.p50(), 2),
            direct_ms(direct.p50(), overhead),
            format!("overhead <= {PROXY_P50_OVERHEAD_BUDGET_MS} ms"),
            overhead <= PROXY_P50_OVERHEAD_BUDGET_MS,
        )];
        rows.extend(latency_rows("sequential", &self.sequential, false));
        rows.extend(latency_rows(
            &format!("{PROXY_CONCURRENCY} concurrent"),
            &self.concurrent,
            true,
        ));
        rows
    }
}

/// The p99 and the rate of a pair, and its p50 when it is not the gated one.
fn latency_rows(label: &str, (proxied, direct): &(Batch, Batch), with_p50: bool) -> Vec<Row> {
    let mut rows = Vec::new();
    if with_p50 {
        rows.push(Row::figure(
            &format!("proxy p50, {label}"),
            ms(proxied.p50(), 2),
            direct_ms(direct.p50(), proxied.p50() - direct.p50()),
        ));
    }
    rows.push(Row::figure(
        &format!("proxy p99, {label}"),
        ms(proxied.p99(), 2),
        direct_ms(direct.p99(), proxied.p99() - direct.p99()),
    ));
    rows.push(Row::figure(
        &format!("proxy requests/s, {label}"),
        format!("{}/s", thousands(proxied.per_second().round() as u64)),
        format!(
            "direct {}/s ({})",
            thousands(direct.per_second().round() as u64),
            signed(proxied.per_second() - direct.per_second())
        ),
    ));
    rows
}

fn direct_ms(direct: f64, difference: f64) -> String {
    format!("direct {} ({difference:+.2})", ms(direct, 2))
}

/// A warm-up batch, then the measured one, each after a mock reset: the mock allows only 300
/// API requests a minute, and the reset opens a fresh window.
fn run_batch(
    mock: SocketAddr,
    target: SocketAddr,
    request: &[u8],
    concurrency: usize,
    label: &str,
) -> Result<Batch> {
    reset_mock(mock)?;
    load(target, request, PROXY_WARMUP, concurrency)?;
    reset_mock(mock)?;
    let batch = load(target, request, PROXY_REQUESTS, concurrency)?;
    println!(
        "{label:<6} x{concurrency}: {} requests in {:.2} s, p50 {}, p99 {}",
        batch.latencies_ms.len(),
        batch.wall.as_secs_f64(),
        ms(batch.p50(), 2),
        ms(batch.p99(), 2)
    );
    Ok(batch)
}

/// `total` requests on `concurrency` keep-alive connections; every answer must be a 200.
fn load(target: SocketAddr, request: &[u8], total: usize, concurrency: usize) -> Result<Batch> {
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let outcomes: Vec<Result<Vec<f64>>> = thread::scope(|scope| {
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                scope.spawn(|| {
                    let mut client = Client::new(target);
                    let mut latencies = Vec::new();
                    while next.fetch_add(1, Ordering::Relaxed) < total {
                        if started.elapsed() > PROXY_BATCH_DEADLINE {
                            return Err(format!(
                                "a batch of {total} requests took over {} s",
                                PROXY_BATCH_DEADLINE.as_secs()
                            ));
                        }
                        let sent = Instant::now();
                        let (status, body) = client.exchange(request)?;
                        let elapsed = sent.elapsed();
                        if status != 200 {
                            return Err(format!(
                                "http://{target} answered {status}: {}",
                                String::from_utf8_lossy(&body)
                            ));
                        }
                        latencies.push(elapsed.as_secs_f64() * 1000.0);
                    }
                    Ok(latencies)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|_| Err("a load worker panicked".to_owned()))
            })
            .collect()
    });
    let wall = started.elapsed();
    let mut latencies_ms = Vec::with_capacity(total);
    for outcome in outcomes {
        latencies_ms.extend(outcome?);
    }
    Ok(Batch { latencies_ms, wall })
}

fn reset_mock(mock: SocketAddr) -> Result<()> {
    let request = format!(
        "POST /__mock/reset HTTP/1.1\r\nHost: {mock}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let (status, _) = Client::new(mock).exchange(request.as_bytes())?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(format!("POST /__mock/reset answered {status}"))
    }
}

/// A whole `POST` with a JSON body, ready to write.
fn post(addr: SocketAddr, path: &str, key: Option<&str>, body: &str) -> Vec<u8> {
    let key = key.map_or(String::new(), |key| format!("X-API-Key: {key}\r\n"));
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n{key}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// An HTTP/1.1 client for one server: keeps its connection open across requests and opens a
/// new one when the server closed it.
#[derive(Debug)]
struct Client {
    addr: SocketAddr,
    connection: Option<BufReader<TcpStream>>,
}

impl Client {
    fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            connection: None,
        }
    }

    /// Writes a whole request and reads the whole answer: its status and body.
    fn exchange(&mut self, request: &[u8]) -> Result<(u16, Vec<u8>)> {
        let addr = self.addr;
        let failed = |e: io::Error| format!("http://{addr}: {e}");
        let connection = match &mut self.connection {
            Some(connection) => connection,
            None => self.connection.insert(connect(addr).map_err(failed)?),
        };
        connection.get_mut().write_all(request).map_err(failed)?;
        let answer = read_response(connection).map_err(failed);
        match answer {
            Ok((status, body, keep_alive)) => {
                if !keep_alive {
                    self.connection = None;
                }
                Ok((status, body))
            }
            Err(message) => {
                self.connection = None;
                Err(message)
            }
        }
    }
}

fn connect(addr: SocketAddr) -> io::Result<BufReader<TcpStream>> {
    let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    Ok(BufReader::new(stream))
}

/// Status, body, and whether the connection stays open. Bodies come with `Content-Length`,
/// chunked, or until the server closes.
fn read_response(reader: &mut impl BufRead) -> io::Result<(u16, Vec<u8>, bool)> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
    }
    let status = line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| bad("not an HTTP/1.1 status line"))?;
    let (mut length, mut chunked, mut keep_alive) = (None, false, true);
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(bad("a header line without a colon"));
        };
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => {
                length = Some(
                    value
                        .parse::<usize>()
                        .map_err(|_| bad("bad Content-Length"))?,
                );
            }
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "connection" => keep_alive = !value.eq_ignore_ascii_case("close"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = line.trim_end().split(';').next().unwrap_or_default();
            let size = usize::from_str_radix(size.trim(), 16).map_err(|_| bad("bad chunk size"))?;
            if size == 0 {
                // Trailers, then the blank line.
                loop {
                    line.clear();
                    if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
                        break;
                    }
                }
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            let mut crlf = [0; 2];
            reader.read_exact(&mut crlf)?;
        }
    } else if let Some(length) = length {
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    } else if status != 204 && status != 304 {
        reader.read_to_end(&mut body)?;
        keep_alive = false;
    }
    Ok((status, body, keep_alive))
}

/// A loopback port that was free a moment ago.
fn free_port() -> Result<SocketAddr> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map_err(|e| format!("no free loopback port: {e}"))
}

/// Polls until `path` answers 200, or fails when a server exits or time runs out.
fn wait_healthy(addr: SocketAddr, path: &str, servers: &mut Servers) -> Result<()> {
    let started = Instant::now();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").into_bytes();
    while started.elapsed() < START_TIMEOUT {
        servers.check_running()?;
        if Client::new(addr)
            .exchange(&request)
            .is_ok_and(|(status, _)| status == 200)
        {
            return Ok(());
        }
        thread::sleep(Duration::from_millis(50));
    }
    Err(format!(
        "nothing answered 200 on http://{addr}{path} within {} s",
        START_TIMEOUT.as_secs()
    ))
}

/// The servers this measurement started; dropping this stops them.
#[derive(Debug)]
struct Servers(Vec<(String, Child)>);

impl Servers {
    /// Starts a server with its output in `log`.
    fn start(&mut self, mut command: Command, name: &str, log: &std::path::Path) -> Result<()> {
        let file =
            File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let copy = file
            .try_clone()
            .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
        let child = command
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(copy)
            .spawn()
            .map_err(|e| format!("cannot start the {name}: {e}"))?;
        self.0.push((name.to_owned(), child));
        Ok(())
    }

    fn check_running(&mut self) -> Result<()> {
        for (name, child) in &mut self.0 {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("the {name} exited ({status}); see target/bench/"));
            }
        }
        Ok(())
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        for (_, child) in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::read_response;
    use std::io::Cursor;

    #[test]
    fn reads_a_sized_answer_and_keeps_the_connection() {
        let text =
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}NEXT";
        let mut reader = Cursor::new(text.as_bytes());
        let (status, body, keep_alive) = read_response(&mut reader).expect("a valid answer");
        assert_eq!(
            (status, body.as_slice(), keep_alive),
            (200, &b"{}"[..], true)
        );
        assert_eq!(reader.position() as usize, text.len() - 4);
    }

    #[test]
    fn reads_a_chunked_answer_and_a_closing_one() {
        let chunked = "HTTP/1.1 422 Unprocessable\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        let (status, body, _) =
            read_response(&mut Cursor::new(chunked.as_bytes())).expect("a chunked answer");
        assert_eq!((status, body.as_slice()), (422, &b"abcde"[..]));

        let closing = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nrest";
        let (_, body, keep_alive) =
            read_response(&mut Cursor::new(closing.as_bytes())).expect("a closing answer");
        assert_eq!((body.as_slice(), keep_alive), (&b"rest"[..], false));
    }

    #[test]
    fn rejects_what_is_not_http() {
        assert!(read_response(&mut Cursor::new(&b"SSH-2.0-OpenSSH\r\n"[..])).is_err());
        assert!(read_response(&mut Cursor::new(&b""[..])).is_err());
    }
}
