//! The HTTP-server pieces that the proxy and the mock share. They live apart from
//! `closient-checkout-core` because the core is compiled into the widget's wasm and must stay
//! free of axum and tokio.

pub mod duration;
pub mod envelope;
pub mod log_value;
pub mod rate_limit_headers;
pub mod serve;
pub mod shutdown;
pub mod tenant_token;
