//! A throwaway `redis-server` on a free loopback port, stopped when dropped. Tests that need one
//! fail, never skip, where it is not installed.

use std::{
    net::{SocketAddr, TcpListener},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
}

/// `REDIS_SERVER`, else `redis-server` on PATH.
fn binary() -> String {
    if let Ok(path) = std::env::var("REDIS_SERVER") {
        assert!(
            std::path::Path::new(&path).is_file(),
            "REDIS_SERVER={path} is not a file: install redis-server with `apt-get install -y \
             redis-server` (as root), or run `cargo xtask test`, which installs it"
        );
        return path;
    }
    let found = std::env::var_os("PATH").into_iter().flat_map(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("redis-server"))
            .collect::<Vec<_>>()
    });
    for candidate in found {
        if candidate.is_file() {
            return candidate.display().to_string();
        }
    }
    panic!(
        "these tests need redis-server, and it is neither in REDIS_SERVER nor on PATH: install \
         it with `apt-get install -y redis-server` (as root), or run `cargo xtask test`, which \
         installs it"
    )
}

impl RedisServer {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut server = Self { port, child: None };
        server.restart();
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts it again on the same port, empty, and waits until it answers.
    pub fn restart(&mut self) {
        self.stop();
        let child = Command::new(binary())
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .expect("a URL")
            .get_multiplexed_async_connection()
            .await
            .expect("connects")
    }

    /// Every key with its value as text (a hash's fields and values joined), and its TTL in ms.
    pub async fn dump(&self) -> Vec<(String, String, i64)> {
        let mut connection = self.connection().await;
        let mut keys: Vec<String> = Vec::new();
        let mut cursor = 0u64;
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("COUNT")
                .arg(1_000)
                .query_async(&mut connection)
                .await
                .expect("SCAN");
            keys.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        let mut dump = Vec::new();
        for key in keys {
            let kind: String = redis::cmd("TYPE")
                .arg(&key)
                .query_async(&mut connection)
                .await
                .expect("TYPE");
            let value: String = match kind.as_str() {
                "hash" => {
                    let fields: Vec<String> = redis::cmd("HGETALL")
                        .arg(&key)
                        .query_async(&mut connection)
                        .await
                        .expect("HGETALL");
                    fields.join(" ")
                }
                _ => redis::cmd("GET")
                    .arg(&key)
                    .query_async(&mut connection)
                    .await
                    .expect("GET"),
            };
            let ttl: i64 = redis::cmd("PTTL")
                .arg(&key)
                .query_async(&mut connection)
                .await
                .expect("PTTL");
            dump.push((key, value, ttl));
        }
        dump
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
