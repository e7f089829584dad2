//! Cross-site request checks: only the widget's own pages may use the API routes.

use crate::error::{AppError, BadRequest};
use axum::http::{HeaderMap, HeaderName, header};
use closient_checkout_core::{Origin, OriginAllowlist};

const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// Refuses a `Host`, `Origin` or `Sec-Fetch-Site` given more than once (400); then a `Host`
/// that is not a public origin's, `Sec-Fetch-Site: cross-site` or `same-site`, and an `Origin`
/// that is not a public origin (`null` included).
///
/// A request with no `Origin` and no `Sec-Fetch-Site` comes from no browser (curl, a server)
/// and is left to the other checks; so is one with no `Host`, which every browser sends.
///
/// The `Host` check stops DNS rebinding: a page on a name the attacker points at the proxy's
/// address is same-origin to itself, so its `GET`s carry no `Origin`, but its `Host` is the
/// attacker's name.
pub fn check(headers: &HeaderMap, public_origins: &OriginAllowlist) -> Result<(), AppError> {
    // Browsers send each once; with two, the one checked might not be the one acted on.
    let twice = [header::HOST, header::ORIGIN, SEC_FETCH_SITE]
        .iter()
        .any(|name| headers.get_all(name).iter().nth(1).is_some());
    if twice {
        return Err(AppError::BadRequest(BadRequest::RepeatedHeader));
    }
    if let Some(host) = headers.get(header::HOST) {
        let public = host
            .to_str()
            .is_ok_and(|host| is_public_host(host, public_origins));
        if !public {
            return Err(AppError::ForbiddenOrigin);
        }
    }
    if headers
        .get(SEC_FETCH_SITE)
        .is_some_and(|v| matches!(v.as_bytes(), b"cross-site" | b"same-site"))
    {
        return Err(AppError::ForbiddenOrigin);
    }
    match headers
        .get(header::ORIGIN)
        .map(|v| v.to_str().map(Origin::parse))
    {
        None => Ok(()),
        Some(Ok(Ok(origin))) if public_origins.contains(&origin) => Ok(()),
        Some(_) => Err(AppError::ForbiddenOrigin),
    }
}

/// `host[:port]` as one of the public origins names it. The scheme is not in `Host`: behind a
/// reverse proxy that ends TLS the request arrives over http for an https origin, so either
/// scheme's default port is read into a missing one.
fn is_public_host(host: &str, public_origins: &OriginAllowlist) -> bool {
    !host.contains(['/', '?', '#'])
        && ["http", "https"].iter().any(|scheme| {
            Origin::parse(&format!("{scheme}://{host}"))
                .is_ok_and(|origin| public_origins.contains(&origin))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public() -> OriginAllowlist {
        OriginAllowlist::new(["https://shop.example", "http://127.0.0.1:8080"]).expect("origins")
    }

    #[test]
    fn a_host_is_read_with_either_schemes_default_port() {
        for host in [
            "shop.example",
            "SHOP.example",
            "shop.example:443",
            "127.0.0.1:8080",
        ] {
            assert!(is_public_host(host, &public()), "{host}");
        }
        for host in [
            "evil.example",
            "shop.example:8443",
            "shop.example.",
            "127.0.0.1",
            "127.0.0.1:8081",
            "user@shop.example",
            "shop.example/",
            "shop.example:443/x",
            "",
        ] {
            assert!(!is_public_host(host, &public()), "{host}");
        }
    }
}
