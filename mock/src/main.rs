//! `closient-mock`: runs the fake billing API and hosted page until Ctrl-C or SIGTERM.
//! The API key comes only from `CLOSIENT_API_KEY`, never from a flag, so it is never in `--help`
//! nor in a process listing.

use closient_mock::MockConfig;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
Usage: closient-mock [--listen ADDR] [--credit-delay DURATION]

A fake Closient billing API and Stripe hosted checkout page, for demos and tests.

Options:
  --listen ADDR            address to serve on (default 127.0.0.1:9100; port 0 picks one)
  --credit-delay DURATION  time from payment to credit, as 500ms, 3s or 1m (default 3s)
  -h, --help               print this help

The API key to accept is read from the environment (CLOSIENT_API_KEY).";

/// What the flags choose; the key comes from the environment.
struct Flags {
    listen: SocketAddr,
    credit_delay: Duration,
}

#[tokio::main]
async fn main() -> ExitCode {
    let flags = match parse_flags(std::env::args().skip(1)) {
        Ok(Some(flags)) => flags,
        Ok(None) => {
            let _ = writeln!(std::io::stdout(), "{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("closient-mock: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let api_key = std::env::var("CLOSIENT_API_KEY").unwrap_or_default();
    if api_key.is_empty() {
        eprintln!("closient-mock: set CLOSIENT_API_KEY to the API key the mock should accept");
        return ExitCode::from(2);
    }
    tracing_subscriber::fmt()
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let config = MockConfig {
        listen: flags.listen,
        credit_delay: flags.credit_delay,
        ..MockConfig::new(api_key)
    };
    let mock = match closient_mock::start(config).await {
        Ok(mock) => mock,
        Err(error) => {
            eprintln!("closient-mock: cannot listen on {}: {error}", flags.listen);
            return ExitCode::from(2);
        }
    };
    let _ = writeln!(
        std::io::stdout(),
        "closient-mock listening on {} (base URL {})",
        mock.origin(),
        mock.base_url()
    );
    stop_signal().await;
    mock.shutdown().await;
    ExitCode::SUCCESS
}

/// `Ok(None)` asks for the help text.
fn parse_flags(args: impl IntoIterator<Item = String>) -> Result<Option<Flags>, String> {
    let mut flags = Flags {
        listen: SocketAddr::from(([127, 0, 0, 1], 9100)),
        credit_delay: Duration::from_secs(3),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => {
                let text = value?;
                flags.listen = text.parse().map_err(|_| {
                    format!("--listen: {text:?} is not an address such as 127.0.0.1:9100")
                })?;
            }
            "--credit-delay" => flags.credit_delay = parse_duration(&value?)?,
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    Ok(Some(flags))
}

/// `500ms`, `3s`, `1m`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let error = || format!("--credit-delay: {text:?} is not a duration such as 500ms, 3s or 1m");
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(error)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| error())?;
    match unit {
        "ms" => Ok(Duration::from_millis(number)),
        "s" => Ok(Duration::from_secs(number)),
        "m" => number
            .checked_mul(60)
            .map(Duration::from_secs)
            .ok_or_else(error),
        _ => Err(error()),
    }
}

async fn stop_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    () = ctrl_c => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => ctrl_c.await,
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

#[cfg(test)]
mod tests {
    use super::{parse_duration, parse_flags};
    use std::time::Duration;

    fn flags(args: &[&str]) -> Result<Option<(String, Duration)>, String> {
        parse_flags(args.iter().map(|arg| (*arg).to_owned()))
            .map(|flags| flags.map(|f| (f.listen.to_string(), f.credit_delay)))
    }

    #[test]
    fn reads_both_flags_in_either_form() {
        assert_eq!(
            flags(&[]),
            Ok(Some(("127.0.0.1:9100".to_owned(), Duration::from_secs(3))))
        );
        assert_eq!(
            flags(&["--listen", "127.0.0.1:0", "--credit-delay=250ms"]),
            Ok(Some(("127.0.0.1:0".to_owned(), Duration::from_millis(250))))
        );
        assert_eq!(flags(&["--credit-delay", "1m", "--help"]), Ok(None));
        for bad in [
            &["--listen"][..],
            &["--listen", "localhost"],
            &["--credit-delay", "3"],
            &["--api-key", "x"],
            &["serve"],
        ] {
            assert!(flags(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reads_durations_in_three_units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        for bad in ["", "3", "s", "3 s", "-1s", "1.5s", "3h", "ms"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
