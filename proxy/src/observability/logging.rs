//! The process's log lines on stdout: as text for a terminal (the default), or one JSON object
//! per line for a log pipeline.

use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// `2024-05-01T10:00:00Z  INFO request method=POST ...`
    Text,
    /// `{"timestamp":"...","level":"INFO","message":"request","method":"POST",...}`
    Json,
}

/// Installs the process's subscriber: level from `RUST_LOG`, `info` by default.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
        .with_target(false);
    match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .init(),
        // The event's fields at the top level; the proxy opens no spans.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
}
