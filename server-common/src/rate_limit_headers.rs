//! The names of the rate-limit headers: the API sends them on every answer (the mock too, as
//! the real service does), and the proxy passes them on with a 429.

use axum::http::HeaderName;

pub use axum::http::header::RETRY_AFTER;

/// The quota and its window, as `300;w=60`.
pub const POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// Requests allowed in a window.
pub const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
/// Requests left in the current window.
pub const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
/// Seconds until the current window ends.
pub const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// The legacy aliases of `LIMIT`, `REMAINING` and `RESET`, which the API sends as well.
pub const LEGACY_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
pub const LEGACY_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
pub const LEGACY_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// What a client needs from a 429 to know when to come back: the headers the proxy forwards.
pub const ON_TOO_MANY_REQUESTS: [HeaderName; 5] = [RETRY_AFTER, POLICY, LIMIT, REMAINING, RESET];
