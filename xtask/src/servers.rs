//! The local servers that `demo`, `bench` and `soak` start: a free loopback port, a start with
//! the output in a log file, the wait for a first answer, a stop as an operator does it
//! (SIGTERM, so that a server drains), and the peak memory it used.

use crate::{Result, repo_root};
use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The release builds of the two servers, as an operator runs them.
#[derive(Debug)]
pub struct Binaries {
    pub proxy: PathBuf,
    pub mock: PathBuf,
}

/// Builds the proxy and the mock in release mode; returns where they are.
pub fn build_release() -> Result<Binaries> {
    let args = [
        "build",
        "--release",
        "--quiet",
        "-p",
        "checkout-proxy",
        "-p",
        "closient-mock",
    ];
    println!("$ cargo {}", args.join(" "));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(args)
        .current_dir(repo_root())
        .status()
        .map_err(|e| format!("cannot start cargo: {e}"))?;
    if !status.success() {
        return Err(format!("the release build failed ({status})"));
    }
    let dir = repo_root().join("target").join("release");
    let found = |name: &str| {
        let path = dir.join(name);
        if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{} is missing after the build", path.display()))
        }
    };
    Ok(Binaries {
        proxy: found("checkout-proxy")?,
        mock: found("closient-mock")?,
    })
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> Result<SocketAddr> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map_err(|e| format!("no free loopback port: {e}"))
}

/// Starts `command` with no input and its output and errors in `log`.
pub fn spawn_logged(mut command: Command, name: &str, log: &Path) -> Result<Child> {
    let file = File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let copy = file
        .try_clone()
        .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
    command
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(copy)
        .spawn()
        .map_err(|e| format!("cannot start the {name}: {e}"))
}

/// The status of `GET path`, if something answers HTTP there within 2 s.
pub fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let timeout = Duration::from_secs(2);
    let mut stream = TcpStream::connect_timeout(&addr, timeout).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head)
        .ok()?
        .strip_prefix("HTTP/1.1 ")?
        .parse()
        .ok()
}

/// Polls until `path` answers 200, so that what comes next finds the server up. Fails when
/// `running` does (a server that exited) or when `timeout` passes.
pub fn wait_for_200(
    addr: SocketAddr,
    path: &str,
    timeout: Duration,
    mut running: impl FnMut() -> Result<()>,
) -> Result<()> {
    let started = Instant::now();
    while started.elapsed() < timeout {
        running()?;
        if http_status(addr, path) == Some(200) {
            return Ok(());
        }
        thread::sleep(Duration::from_millis(50));
    }
    Err(format!(
        "nothing answered 200 on http://{addr}{path} within {} s",
        timeout.as_secs()
    ))
}

/// Asks a server to drain and stop; whether the signal was sent.
pub fn sigterm(child: &Child) -> bool {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .is_ok_and(|status| status.success())
}

/// How the process exited, if it does within `deadline`.
pub fn wait_exit(child: &mut Child, deadline: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if started.elapsed() >= deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// The peak resident memory of a process (VmHWM), in KiB.
pub fn peak_rss_kib(pid: u32) -> Result<u64> {
    let file = format!("/proc/{pid}/status");
    let status = fs::read_to_string(&file).map_err(|e| format!("cannot read {file}: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no VmHWM in {file}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process_peak_memory() {
        let kib = peak_rss_kib(std::process::id()).expect("VmHWM of this process");
        assert!(kib > 100, "{kib} KiB");
    }

    #[test]
    fn a_server_is_waited_for_and_stopped() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("a port");
        let addr = listener.local_addr().expect("its address");
        let answers = thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("a connection");
            let mut request = [0; 256];
            let _ = stream.read(&mut request);
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                .expect("an answer");
        });
        wait_for_200(addr, "/healthz", Duration::from_secs(5), || Ok(())).expect("200");
        answers.join().expect("the answering thread");

        let mut child = Command::new("sleep").arg("30").spawn().expect("sleep");
        assert!(sigterm(&child));
        let status = wait_exit(&mut child, Duration::from_secs(5)).expect("an exit");
        assert!(!status.success(), "killed by SIGTERM: {status}");
    }

    #[test]
    fn a_server_that_exits_is_not_waited_for() {
        let addr = free_port().expect("a port");
        let error = wait_for_200(addr, "/", Duration::from_secs(5), || {
            Err("the mock exited".to_owned())
        })
        .expect_err("no wait");
        assert_eq!(error, "the mock exited");
    }
}
