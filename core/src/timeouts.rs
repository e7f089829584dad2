//! The widget's side of the timeouts that must nest, each shorter than the one that waits on
//! it, so every failure is answered by the part that saw it: the proxy's upstream timeout, the
//! proxy's own deadline for a request, the widget's abort (here, because the proxy's test of
//! the whole chain reads it), and a reverse proxy's read timeout (`proxy_read_timeout` in
//! `deploy/nginx/`). The proxy's test `timeouts_nest_from_upstream_to_nginx` checks the order.

/// How long the widget waits for the proxy unless the page sets `timeout-ms`.
pub const WIDGET_DEFAULT_MS: u32 = 20_000;
