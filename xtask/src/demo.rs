//! `cargo xtask demo`: the whole product on this machine. The release widget, the proxy and a
//! mock of the Closient API with its fake hosted checkout page, all on loopback.

use crate::files::{copy_dir, replace_once};
use crate::tools::{self, Needs};
use crate::{Result, dist, files, repo_root, servers};
use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

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
    let mut servers = Servers(Vec::new());
    servers.start(mock, "mock", mock_addr, "/__mock/stats")?;
    servers.start(proxy, "proxy", proxy_addr, "/healthz")?;

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
    servers.wait()
}

/// The example dashboard's files in `www/`; it loads the npm package from `./npm/`.
const DASHBOARD: [&str; 3] = ["embed.html", "embed.js", "embed.css"];

/// `dist/` copied with the mock's origin added to the widget's checkout allowlist through its
/// own option on the mount element (the query string can never set it), and beside it the
/// example dashboard with the npm package (`target/npm/`), allowed the same origin.
fn demo_site(mock_origin: &str, proxy_port: u16) -> Result<PathBuf> {
    let root = repo_root();
    // One folder per proxy port: a second demo must not rewrite the first one's page.
    let site = root.join("target").join(format!("demo-site-{proxy_port}"));
    let _ = fs::remove_dir_all(&site);
    copy_dir(&root.join("dist"), &site)?;
    let index = site.join("index.html");
    let mount = r#"<div id="closient-checkout""#;
    replace_once(
        &index,
        mount,
        &format!(r#"{mount} data-checkout-origins="https://checkout.stripe.com {mock_origin}""#),
    )?;
    // The proxy prefers the twins, which still hold the page as built.
    dist::precompress(&index)?;

    copy_dir(&dist::npm::dir(), &site.join("npm"))?;
    for file in DASHBOARD {
        let from = root.join("www").join(file);
        files::copy(&from, &site.join(file))?;
    }
    let origins = r#"checkout-origins="https://checkout.stripe.com"#;
    replace_once(
        &site.join("embed.html"),
        origins,
        &format!("{origins} {mock_origin}"),
    )?;
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

/// The running servers; dropping this stops any that are still up.
struct Servers(Vec<Child>);

impl Servers {
    /// Starts a server with its output on this terminal, and returns once `path` answers 200,
    /// so the URL printed next works at once.
    fn start(
        &mut self,
        mut command: Command,
        name: &str,
        addr: SocketAddr,
        path: &str,
    ) -> Result<()> {
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start the {name}: {e}"))?;
        self.0.push(child);
        servers::wait_for_200(addr, path, Duration::from_secs(20), || {
            match self
                .0
                .last_mut()
                .and_then(|child| child.try_wait().ok().flatten())
            {
                Some(status) => Err(format!("the {name} exited ({status}); see its lines above")),
                None => Ok(()),
            }
        })
    }

    /// Returns when a server exits, or when this process is interrupted or terminated, in
    /// which case the servers are asked to drain and stop first.
    fn wait(&mut self) -> Result<()> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
            .map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
        loop {
            if stop.load(Ordering::SeqCst) {
                self.stop();
                return Ok(());
            }
            for child in &mut self.0 {
                if let Ok(Some(status)) = child.try_wait() {
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

    /// SIGTERM each server (both drain in-flight requests and exit 0), then wait for them.
    fn stop(&mut self) {
        for child in &self.0 {
            servers::sigterm(child);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for child in &mut self.0 {
            servers::wait_exit(child, deadline.saturating_duration_since(Instant::now()));
        }
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
