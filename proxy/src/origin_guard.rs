//! Cross-site request checks: only the widget's own pages may use the API routes.

use crate::error::AppError;
use axum::http::{HeaderMap, StatusCode};
use closient_checkout_core::{ErrorCode, Origin, OriginAllowlist};

/// Refuses `Sec-Fetch-Site: cross-site` and an `Origin` that is not a public origin. A request
/// with neither header comes from no browser (curl, a server) and is left to the other checks.
pub fn check(headers: &HeaderMap, public_origins: &OriginAllowlist) -> Result<(), AppError> {
    let refused = || {
        AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::ForbiddenOrigin,
            "This origin may not use this checkout.",
        )
    };
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return Err(refused());
    }
    match headers.get("origin").map(|v| v.to_str().map(Origin::parse)) {
        None => Ok(()),
        Some(Ok(Ok(origin))) if public_origins.contains(&origin) => Ok(()),
        Some(_) => Err(refused()),
    }
}
