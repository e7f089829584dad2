//! `checkout-proxy`: reads its configuration, starts, and drains in-flight requests on SIGTERM
//! or Ctrl-C before exiting 0. A bad configuration exits 2 with one line.

use checkout_proxy::{
    AppState, app,
    config::{Args, Config},
};
use clap::Parser;
use std::{net::SocketAddr, process::ExitCode};

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.print_csp {
        return print_csp(&args);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stdout)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_target(false)
        .init();
    let config = match Config::from_args(args, |name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(message) => return startup_error(&message),
    };
    if config.organizations.is_none() {
        tracing::warn!(
            "no --organization given: any organization can be topped up through this proxy"
        );
    }
    tracing::info!("starting: {}", config.summary());
    let listen = config.listen;
    let state = match AppState::new(config) {
        Ok(state) => state,
        Err(message) => return startup_error(&message),
    };
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(listener) => listener,
        Err(e) => return startup_error(&format!("cannot listen on {listen}: {e}")),
    };
    tracing::info!("listening on http://{listen}");
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    match axum::serve(listener, service)
        .with_graceful_shutdown(async {
            closient_checkout_server_common::shutdown::signal().await;
            tracing::info!("shutting down: draining in-flight requests");
        })
        .await
    {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("server error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_csp(args: &Args) -> ExitCode {
    // Without the page there is no loader hash, and the policy would block the widget.
    let Some(static_dir) = args.static_dir.as_deref() else {
        return startup_error("--print-csp needs --static-dir: the policy hashes dist/index.html");
    };
    let policy = checkout_proxy::static_files::content_security_policy(
        Some(static_dir),
        &args.frame_ancestors,
    );
    match policy {
        Ok(policy) => {
            #[allow(clippy::print_stdout)]
            {
                println!("{policy}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => startup_error(&format!("cannot read index.html from --static-dir: {e}")),
    }
}

fn startup_error(message: &str) -> ExitCode {
    eprintln!("checkout-proxy: {message}");
    ExitCode::from(2)
}
