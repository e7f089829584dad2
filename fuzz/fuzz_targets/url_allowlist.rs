//! URLs the widget may follow and origins the proxy is configured with.
//!
//! Properties: a parsed origin's `to_string()` parses to the same origin; wherever the parser
//! accepts a URL, a WHATWG parser (how browsers read URLs) finds no user info in it and puts it
//! on the same origin, so no allowlist can admit a URL that a browser would open elsewhere; a
//! URL is admitted by exactly the allowlists that hold its origin; and loopback is only
//! `localhost`, `[::1]` or an address in 127.0.0.0/8.
#![no_main]

use closient_checkout_core::url::STRIPE_CHECKOUT_ORIGIN;
use closient_checkout_core::{Origin, OriginAllowlist, UrlError};
use libfuzzer_sys::fuzz_target;
use url::{Host, Url};

/// The origin as a browser serializes it, reading `text` the WHATWG way.
fn browser_origin(text: &str) -> Option<String> {
    Url::parse(text)
        .ok()
        .map(|url| url.origin().ascii_serialization())
}

fuzz_target!(|input: &str| {
    if let Ok(origin) = Origin::parse(input) {
        let text = origin.to_string();
        assert_eq!(
            Origin::parse(&text).as_ref(),
            Ok(&origin),
            "{input:?} as {text:?}"
        );
        assert_eq!(Origin::of_url(input).as_ref(), Ok(&origin), "{input:?}");
    }

    let stripe = OriginAllowlist::stripe();
    let Ok(origin) = Origin::of_url(input) else {
        assert_eq!(
            stripe.check_url(input),
            Err(UrlError::Malformed),
            "{input:?}"
        );
        return;
    };
    let text = origin.to_string();

    if let Ok(url) = Url::parse(input) {
        assert!(
            url.username().is_empty() && url.password().is_none(),
            "{input:?}"
        );
        assert_eq!(
            browser_origin(&text),
            Some(url.origin().ascii_serialization()),
            "{input:?} read as {text:?}"
        );
    }

    match OriginAllowlist::new([text.as_str()]) {
        Ok(own) => {
            assert_eq!(own.check_url(input), Ok(()), "{input:?}");
            assert_eq!(own.origins(), [origin.clone()]);
        }
        Err(error) => {
            assert_eq!(error, UrlError::Insecure, "{input:?}");
            assert!(
                text.starts_with("http://") && !origin.is_loopback(),
                "{input:?}"
            );
        }
    }
    let stripe_origin = Origin::parse(STRIPE_CHECKOUT_ORIGIN).expect("valid");
    if origin == stripe_origin {
        assert_eq!(stripe.check_url(input), Ok(()));
    } else {
        assert_eq!(
            stripe.check_url(input),
            Err(UrlError::NotAllowed {
                origin: origin.clone()
            })
        );
    }

    if origin.is_loopback() {
        let host = Url::parse(&text)
            .ok()
            .and_then(|url| url.host().map(|h| h.to_owned()));
        let loopback = match &host {
            Some(Host::Domain(name)) => name == "localhost",
            Some(Host::Ipv4(address)) => address.is_loopback(),
            Some(Host::Ipv6(address)) => address.is_loopback(),
            None => false,
        };
        assert!(
            loopback,
            "{input:?} is loopback, but a browser reads {host:?}"
        );
    }
});
