//! The local servers that `demo`, `bench` and `soak` start: a free loopback port, a start with
//! the output in a log file, the wait for a first answer, a stop as an operator does it
//! (SIGTERM, so that a server drains), and the peak memory it used. (`e2e`'s servers are
//! started by its JS harness.)

use crate::{Result, repo_root};
use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;
use std::fs::{self, File};
use std::net::{SocketAddr, TcpListener};
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

/// How long a stopped server may take to exit (a profiled one writes its profile first).
pub const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// A server this command started. Dropping it stops it as `stop` does, so that an error or a
/// panic leaves no server behind (nginx's master, killed, would leave its workers serving).
#[derive(Debug)]
pub struct Server {
    name: String,
    /// Where its output goes; `None`: this terminal.
    log: Option<PathBuf>,
    child: Child,
}

impl Server {
    /// Starts `command` with no input and its output and errors in `log`, or on this terminal.
    pub fn start(mut command: Command, name: &str, log: Option<&Path>) -> Result<Self> {
        command.stdin(Stdio::null());
        if let Some(log) = log {
            let file =
                File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
            let copy = file
                .try_clone()
                .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
            command.stdout(file).stderr(copy);
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start the {name}: {e}"))?;
        Ok(Self {
            name: name.to_owned(),
            log: log.map(Path::to_path_buf),
            child,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How it exited, if it has.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// An error that names the server and where its output is, once it has exited.
    pub fn running(&mut self) -> Result<()> {
        let Some(status) = self.exited() else {
            return Ok(());
        };
        let output = match &self.log {
            Some(log) => format!(
                "see {}",
                log.strip_prefix(repo_root()).unwrap_or(log).display()
            ),
            None => "see its lines above".to_owned(),
        };
        Err(format!("the {} exited ({status}); {output}", self.name))
    }

    /// Polls until `path` answers 200, so that what comes next finds the server up. Fails when
    /// the server exits or when `timeout` passes.
    pub fn wait_ready(&mut self, addr: SocketAddr, path: &str, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        while started.elapsed() < timeout {
            self.running()?;
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

    /// A throwaway Redis: `command` runs `redis-server`, here on loopback `port`, saving
    /// nothing, and this returns once it takes connections.
    pub fn redis(mut command: Command, port: u16, log: &Path, timeout: Duration) -> Result<Self> {
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"]);
        let mut server = Self::start(command, "redis-server", Some(log))?;
        server.wait_listening(SocketAddr::from(([127, 0, 0, 1], port)), timeout)?;
        Ok(server)
    }

    /// Waits until `addr` accepts a connection: for a server that speaks no HTTP.
    pub fn wait_listening(&mut self, addr: SocketAddr, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        while started.elapsed() < timeout {
            self.running()?;
            if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "nothing listened on {addr} within {} s",
            timeout.as_secs()
        ))
    }

    pub fn peak_rss_kib(&self) -> Result<u64> {
        peak_rss_kib(self.pid())
    }

    /// Stops it as an operator does: SIGTERM, so that it drains, then a kill if it has not
    /// exited within `deadline`. How long it took to exit 0, or why that is a failure.
    pub fn stop(&mut self, deadline: Duration) -> Result<Duration> {
        let started = Instant::now();
        if self.exited().is_none() {
            let pid = Pid::from_raw(i32::try_from(self.pid()).map_err(|e| e.to_string())?);
            signal::kill(pid, Signal::SIGTERM)
                .map_err(|e| format!("cannot send SIGTERM to the {}: {e}", self.name))?;
        }
        let status = loop {
            if let Some(status) = self.exited() {
                break status;
            }
            if started.elapsed() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return Err(format!(
                    "the {} had not exited {} s after SIGTERM",
                    self.name,
                    deadline.as_secs()
                ));
            }
            thread::sleep(Duration::from_millis(20));
        };
        if status.success() {
            Ok(started.elapsed())
        } else {
            Err(format!("the {} exited with {status} on SIGTERM", self.name))
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.exited().is_none() {
            let _ = self.stop(STOP_TIMEOUT);
        }
    }
}

/// An HTTP client that gives each answer as it came, a 4xx or 5xx or redirect too, and allows
/// each request `timeout` in all.
pub fn http_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// The status of `GET path`, if something answers HTTP there within 2 s.
pub fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let answer = http_agent(Duration::from_secs(2))
        .get(format!("http://{addr}{path}"))
        .call();
    answer.ok().map(|answer| answer.status().as_u16())
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
    use std::io::{Read, Write};

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
        let mut sleep = Command::new("sleep");
        sleep.arg("30");
        let mut server = Server::start(sleep, "sleep", None).expect("sleep");
        server
            .wait_ready(addr, "/healthz", Duration::from_secs(5))
            .expect("200");
        answers.join().expect("the answering thread");
        let error = server
            .stop(Duration::from_secs(5))
            .expect_err("sleep does not drain");
        assert!(error.contains("on SIGTERM"), "{error}");
    }

    #[test]
    fn a_server_that_exits_is_not_waited_for() {
        let addr = free_port().expect("a port");
        let mut server = Server::start(Command::new("true"), "mock", None).expect("true");
        let error = server
            .wait_ready(addr, "/", Duration::from_secs(5))
            .expect_err("no wait");
        assert!(error.starts_with("the mock exited"), "{error}");
    }
}
