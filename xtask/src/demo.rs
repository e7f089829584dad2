//! `cargo xtask demo`: the whole product on this machine. The release widget, the proxy and a
//! mock of the Closient API with its fake hosted checkout page, all on loopback.

use crate::servers::Server;
use crate::site::Site;
use crate::tools::{self, Needs};
use crate::{Result, dist, repo_root};
use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Not a real key: the mock accepts exactly this one.
const DEMO_KEY: &str = "csb_demo_notasecret";
/// A well-formed organization id to type into the form.
const DEMO_ORGANIZATION: &str = "7dHk2mPqRsTuVwXyZaBcDe";
/// The example dashboard's second organization (`www/embed.js`).
const DASHBOARD_ORGANIZATION: &str = "9fGh3nQrStUvWxYzAbCdEf";
/// Not a real secret: what the mock's `/__dashboard/token` signs tenant tokens with.
const DEMO_TENANT_SECRET: &str = "demo-tenant-secret-notasecret-0123456789";
const PROXY_PORT: u16 = 8080;
const MOCK_PORT: u16 = 9100;
const READY_TIMEOUT: Duration = Duration::from_secs(20);

pub fn run() -> Result<()> {
    let tools = tools::bootstrap(Needs::Build)?;
    println!("==> building the widget (release)");
    dist::build(&tools)?;
    println!("==> building the proxy and the mock");
    tools.run(
        "cargo",
        &["build", "-p", "checkout-proxy", "-p", "closient-mock"],
    )?;

    let mock_addr = free_loopback(MOCK_PORT, "mock")?;
    let proxy_addr = free_loopback(PROXY_PORT, "proxy")?;
    let mock_origin = format!("http://{mock_addr}");
    let site = demo_site(&mock_origin, proxy_addr.port())?;

    let binaries = repo_root().join("target").join("debug");
    let mut mock = Command::new(binaries.join("closient-mock"));
    mock.args(["--listen", &mock_addr.to_string()])
        .env("CLOSIENT_API_KEY", DEMO_KEY)
        .env("CHECKOUT_TENANT_SECRET", DEMO_TENANT_SECRET)
        .env_remove("CHECKOUT_TENANT_SECRET_FILE");
    let mut proxy = Command::new(binaries.join("checkout-proxy"));
    proxy
        .args(["--listen", &proxy_addr.to_string()])
        .args(["--upstream", &format!("{mock_origin}/billing/api/v1")])
        .args(["--checkout-origin", &mock_origin])
        .args(["--static-dir", &site.display().to_string()])
        // Bound to the demo's organizations, so it serves their balances.
        .args(["--organization", DEMO_ORGANIZATION])
        .args(["--organization", DASHBOARD_ORGANIZATION])
        .env("CLOSIENT_API_KEY", DEMO_KEY)
        .env_remove("CLOSIENT_API_KEY_FILE");
    // A tenant secret from the shell would make every request need a token.
    for name in [
        "CHECKOUT_TENANT_SECRET",
        "CHECKOUT_TENANT_SECRET_FILE",
        "CHECKOUT_TENANT_SECRET_PREVIOUS",
        "CHECKOUT_TENANT_SECRET_PREVIOUS_FILE",
    ] {
        proxy.env_remove(name);
    }
    // Their output on this terminal; each answers before the next starts, so that the URL
    // printed below works at once.
    let mut mock = Server::start(mock, "mock", None)?;
    mock.wait_ready(mock_addr, "/__mock/stats", READY_TIMEOUT)?;
    let mut proxy = Server::start(proxy, "proxy", None)?;
    proxy.wait_ready(proxy_addr, "/healthz", READY_TIMEOUT)?;

    println!();
    println!("Open http://{proxy_addr}/");
    println!("Organization id to try: {DEMO_ORGANIZATION}");
    println!(
        "Example dashboard (the custom element and mount(), with a log of their events): \
         http://{proxy_addr}/embed.html"
    );
    println!(
        "Checkouts go to the fake hosted checkout on {mock_origin} (its pages are /pay/<session>); Pay there credits the balance a few seconds later."
    );
    println!("Press Ctrl-C to stop.");
    wait(&mut [mock, proxy])
}

/// `dist/` with the mock's origin allowed, and beside it the example dashboard with the npm
/// package (`target/npm/`), allowed the same origin.
fn demo_site(mock_origin: &str, proxy_port: u16) -> Result<PathBuf> {
    // One folder per proxy port: a second demo must not rewrite the first one's page.
    let site = repo_root()
        .join("target")
        .join(format!("demo-site-{proxy_port}"));
    let _ = fs::remove_dir_all(&site);
    let mut builder = Site::new(mock_origin);
    builder.dashboard = true;
    builder.build(&site)?;
    Ok(site)
}

/// The preferred port when it is free, else any free one (said, so a bookmark is not trusted).
fn free_loopback(preferred: u16, name: &str) -> Result<SocketAddr> {
    let listener = match TcpListener::bind(("127.0.0.1", preferred)) {
        Ok(listener) => listener,
        Err(_) => {
            let listener = TcpListener::bind(("127.0.0.1", 0))
                .map_err(|e| format!("no free loopback port: {e}"))?;
            if let Ok(addr) = listener.local_addr() {
                println!(
                    "port {preferred} is busy; the {name} uses port {} instead",
                    addr.port()
                );
            }
            listener
        }
    };
    listener
        .local_addr()
        .map_err(|e| format!("no free loopback port: {e}"))
}

/// Returns when a server exits, or when this process is interrupted or terminated, in which
/// case the servers are asked to drain and stop first, the proxy before the mock it calls.
fn wait(servers: &mut [Server]) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
    loop {
        if stop.load(Ordering::SeqCst) {
            for server in servers.iter_mut().rev() {
                let _ = server.stop(Duration::from_secs(10));
            }
            return Ok(());
        }
        for server in servers.iter_mut() {
            if let Some(status) = server.exited() {
                return if status.success() {
                    Ok(())
                } else {
                    Err(format!("a server exited: {status}"))
                };
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
