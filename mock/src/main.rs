//! `closient-mock`: runs the fake billing API and hosted page until Ctrl-C or SIGTERM.
//! The API key comes only from `CLOSIENT_API_KEY`, never from a flag, so it is never in `--help`
//! nor in a process listing.

use clap::Parser;
use closient_checkout_server_common::tenant_token::{self, TenantSecret};
use closient_checkout_server_common::{duration::parse_duration, shutdown};
use closient_mock::MockConfig;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

/// The flags. The API key is deliberately absent: clap would print an `env` value in `--help`.
#[derive(Debug, Parser)]
#[command(
    name = "closient-mock",
    version,
    about = "A fake Closient billing API and Stripe hosted checkout page, for demos and tests.",
    after_help = "The API key to accept is read from the environment (CLOSIENT_API_KEY), and so \
                  is the tenant secret that GET /__dashboard/token signs with \
                  (CHECKOUT_TENANT_SECRET or CHECKOUT_TENANT_SECRET_FILE, as the proxy reads it)."
)]
struct Flags {
    /// Address to serve on; port 0 picks a free one.
    #[arg(
        long,
        env = "CLOSIENT_MOCK_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:9100"
    )]
    listen: SocketAddr,
    /// Time from payment to credit, as 500ms, 3s or 1m, or `never` (a webhook that never
    /// arrives).
    #[arg(
        long,
        env = "CLOSIENT_MOCK_CREDIT_DELAY",
        value_name = "DURATION",
        default_value = "3s",
        value_parser = credit_delay
    )]
    credit_delay: CreditDelay,
    /// API requests a minute before it answers 429 (the real API allows 300).
    #[arg(
        long,
        env = "CLOSIENT_MOCK_RATE_LIMIT",
        value_name = "N",
        default_value_t = closient_mock::API_RATE_LIMIT,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    rate_limit: u32,
    /// For benchmarks: no rate limit, `slow` faults answer at once, no log line per request.
    #[arg(long, env = "CLOSIENT_MOCK_BENCH")]
    bench: bool,
}

/// `--credit-delay`: `None` for `never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CreditDelay(Option<Duration>);

fn credit_delay(text: &str) -> Result<CreditDelay, String> {
    if text.trim() == "never" {
        return Ok(CreditDelay(None));
    }
    parse_duration(text).map(|delay| CreditDelay(Some(delay)))
}

#[tokio::main]
async fn main() -> ExitCode {
    let flags = Flags::parse();
    let api_key = std::env::var("CLOSIENT_API_KEY").unwrap_or_default();
    if api_key.is_empty() {
        eprintln!("closient-mock: set CLOSIENT_API_KEY to the API key the mock should accept");
        return ExitCode::from(2);
    }
    let tenant_secret = match TenantSecret::from_env(
        &|name| std::env::var(name).ok(),
        tenant_token::SECRET_VAR,
        tenant_token::SECRET_FILE_VAR,
    ) {
        Ok(secret) => secret,
        Err(message) => {
            eprintln!("closient-mock: {message}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let config = MockConfig {
        listen: flags.listen,
        credit_delay: flags.credit_delay.0,
        tenant_secret,
        rate_limit: flags.rate_limit,
        bench: flags.bench,
        ..MockConfig::new(api_key)
    };
    let mock = match closient_mock::start(config).await {
        Ok(mock) => mock,
        Err(error) => {
            eprintln!("closient-mock: cannot listen on {}: {error}", flags.listen);
            return ExitCode::from(2);
        }
    };
    let stop = shutdown::signal();
    let _ = writeln!(
        std::io::stdout(),
        "closient-mock listening on {} (base URL {})",
        mock.origin(),
        mock.base_url()
    );
    stop.await;
    mock.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::Flags;
    use clap::error::ErrorKind;
    use clap::{CommandFactory, Parser};
    use std::time::Duration;

    fn flags(args: &[&str]) -> Result<(String, Option<Duration>), ErrorKind> {
        Flags::try_parse_from(std::iter::once("closient-mock").chain(args.iter().copied()))
            .map(|flags| (flags.listen.to_string(), flags.credit_delay.0))
            .map_err(|error| error.kind())
    }

    #[test]
    fn reads_both_flags_in_either_form() {
        assert_eq!(
            flags(&[]),
            Ok(("127.0.0.1:9100".to_owned(), Some(Duration::from_secs(3))))
        );
        assert_eq!(
            flags(&["--listen", "127.0.0.1:0", "--credit-delay=250ms"]),
            Ok(("127.0.0.1:0".to_owned(), Some(Duration::from_millis(250))))
        );
        assert_eq!(
            flags(&["--credit-delay", "never", "--bench"]),
            Ok(("127.0.0.1:9100".to_owned(), None))
        );
        assert_eq!(
            flags(&["--credit-delay", "1m", "--help"]),
            Err(ErrorKind::DisplayHelp)
        );
        for bad in [
            &["--listen"][..],
            &["--listen", "localhost"],
            &["--credit-delay", "3"],
            &["--api-key", "x"],
            &["--rate-limit", "0"],
            &["serve"],
        ] {
            assert!(flags(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_flags_are_well_formed() {
        Flags::command().debug_assert();
    }
}
