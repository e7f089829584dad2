//! `checkout-proxy`: reads its configuration, starts, and drains in-flight requests on SIGTERM
//! or Ctrl-C before exiting 0 (after `--shutdown-timeout` at most). A bad configuration exits 2
//! with one line.

use checkout_proxy::{
    AppState, app,
    config::{self, Args, Command, Config, MintArgs},
    observability,
    server::{self, Stopped},
    tenant::{self, Access},
};
use clap::Parser;
use closient_checkout_core::amount::API_MINIMUM_CENTS;
use closient_checkout_server_common::tenant_token::{self, Claims, TenantSecrets};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(error) => match config::refusal(&error) {
            Some(message) => return startup_error(&message),
            None => error.exit(),
        },
    };
    if let Some(Command::MintToken(mint)) = &args.command {
        return mint_token(&args, mint);
    }
    if args.print_csp {
        return print_csp(&args);
    }
    observability::logging::init(args.flags.observability.log_format);
    let metrics_listen = args.flags.observability.metrics_listen;
    let config = match Config::new(args.flags, |name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(message) => return startup_error(&message),
    };
    if matches!(config.access, Access::Open) {
        tracing::warn!(
            "neither --organization nor a tenant secret: any organization can be topped up \
             through this proxy, and no balance is served"
        );
    }
    tracing::info!("starting: {}", config.summary());
    let listen = config.flags.listen;
    let state = match AppState::new(config) {
        Ok(state) => state,
        Err(message) => return startup_error(&message),
    };
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(listener) => listener,
        Err(e) => return startup_error(&format!("cannot listen on {listen}: {e}")),
    };
    if let Some(addr) = metrics_listen {
        observability::metrics::init();
        let metrics = match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => listener,
            Err(e) => return startup_error(&format!("cannot listen on {addr} for metrics: {e}")),
        };
        tracing::info!("metrics on http://{addr}/metrics");
        // Scrapes end with the process: no drain to wait for.
        tokio::spawn(async move {
            if let Err(e) = axum::serve(metrics, observability::metrics_router()).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    let stop = closient_checkout_server_common::shutdown::signal();
    std::panic::set_hook(Box::new(log_panic));
    tracing::info!("listening on http://{listen}");
    let serving = state.config.serving.clone();
    let shutdown_timeout = serving.limits.shutdown_timeout;
    let stopped = server::serve(listener, app(state), serving, async {
        stop.await;
        tracing::info!("shutting down: draining in-flight requests");
    })
    .await;
    match stopped {
        Stopped::Drained => tracing::info!("stopped"),
        Stopped::DeadlinePassed { open } => tracing::warn!(
            open,
            deadline = ?shutdown_timeout,
            "stopped with connections still open: the drain deadline passed"
        ),
    }
    ExitCode::SUCCESS
}

/// A panic, as one log line: where it happened, and its message only when that is a literal
/// (a formatted one could hold any value the code had at hand).
fn log_panic(info: &std::panic::PanicHookInfo<'_>) {
    let location = info
        .location()
        .map_or_else(String::new, ToString::to_string);
    let message = info
        .payload()
        .downcast_ref::<&'static str>()
        .copied()
        .unwrap_or("(a formatted message, not logged)");
    tracing::error!(location, message, "panicked");
}

fn print_csp(args: &Args) -> ExitCode {
    // Without the page there is no loader hash, and the policy would block the widget.
    let Some(static_dir) = args.flags.static_dir.as_deref() else {
        return startup_error("--print-csp needs --static-dir: the policy hashes dist/index.html");
    };
    let policy = checkout_proxy::static_files::content_security_policy(
        Some(static_dir),
        &args.flags.frame_ancestors,
        &args.flags.connect_origins,
    );
    match policy {
        Ok(policy) => {
            #[allow(clippy::print_stdout)]
            {
                println!("{policy}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => startup_error(&format!(
            "cannot read {}: {e}",
            static_dir.join("index.html").display()
        )),
    }
}

/// `checkout-proxy mint-token`: one token on stdout, signed with the current tenant secret.
fn mint_token(args: &Args, mint: &MintArgs) -> ExitCode {
    let token = (|| {
        let secrets =
            TenantSecrets::from_env(&|name| std::env::var(name).ok())?.ok_or_else(|| {
                format!(
                    "mint-token needs {} or {}",
                    tenant_token::SECRET_VAR,
                    tenant_token::SECRET_FILE_VAR
                )
            })?;
        tenant::token_limits(mint.max_cents)
            .ok_or_else(|| format!("--max-cents must be at least {API_MINIMUM_CENTS}"))?;
        let audiences = if mint.audiences.is_empty() {
            config::public_origins(args.flags.listen, &args.flags.public_origins)?
        } else {
            mint.audiences.iter().cloned().collect()
        };
        let claims = Claims::new(
            mint.organization.as_str(),
            mint.ttl,
            config::audiences(&audiences),
            mint.max_cents,
        )
        .map_err(|e| format!("--ttl: {e}"))?;
        tenant_token::mint(&secrets.current, &claims)
    })();
    match token {
        Ok(token) => {
            #[allow(clippy::print_stdout)]
            {
                println!("{token}");
            }
            ExitCode::SUCCESS
        }
        Err(message) => startup_error(&message),
    }
}

fn startup_error(message: &str) -> ExitCode {
    eprintln!("checkout-proxy: {message}");
    ExitCode::from(2)
}
