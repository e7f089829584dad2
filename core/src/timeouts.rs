//! The timeouts that must nest, each shorter than the one that waits on it, so every failure is
//! answered by the part that saw it: the Closient API's answer (the proxy's default upstream
//! timeout), the proxy's own deadline for a request, the widget's abort, and a reverse proxy's
//! read timeout in front of the proxy (`proxy_read_timeout` in `deploy/nginx/`).

use std::time::Duration;

/// The proxy's default `--upstream-timeout`.
pub const UPSTREAM_DEFAULT: Duration = Duration::from_secs(10);
/// How much longer than its upstream timeout the proxy gives a whole request.
pub const PROXY_DEADLINE_MARGIN: Duration = Duration::from_secs(5);
/// How long the widget waits for the proxy unless the page sets `timeout-ms`.
pub const WIDGET_DEFAULT_MS: u32 = 20_000;

#[cfg(test)]
mod tests {
    use super::*;

    /// The nginx recipe's `proxy_read_timeout`, in seconds.
    fn nginx_read_timeout() -> Duration {
        let recipe = include_str!("../../deploy/nginx/closient-checkout.conf");
        let value = recipe
            .lines()
            .find_map(|line| line.trim().strip_prefix("proxy_read_timeout "))
            .and_then(|rest| rest.trim_end_matches(';').strip_suffix('s'))
            .expect("the recipe sets proxy_read_timeout in seconds");
        Duration::from_secs(value.parse().expect("whole seconds"))
    }

    #[test]
    fn each_timeout_is_shorter_than_the_one_waiting_on_it() {
        let proxy = UPSTREAM_DEFAULT + PROXY_DEADLINE_MARGIN;
        let widget = Duration::from_millis(WIDGET_DEFAULT_MS.into());
        assert!(UPSTREAM_DEFAULT < proxy);
        assert!(
            proxy < widget,
            "the proxy answers before the widget gives up"
        );
        assert!(
            widget < nginx_read_timeout(),
            "nginx never cuts off an answer the widget still waits for"
        );
    }
}
