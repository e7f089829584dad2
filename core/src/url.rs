//! Which URLs may be followed or used as return addresses: origins and their allowlists.
//!
//! The parser is deliberately strict. A URL it cannot read with certainty (user info, a
//! backslash, whitespace, anything not ASCII) is refused rather than guessed at, because a
//! lenient reading that differs from the browser's is how allowlists get bypassed.

use std::fmt;

/// The origin Stripe's hosted checkout pages live on.
pub const STRIPE_CHECKOUT_ORIGIN: &str = "https://checkout.stripe.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Scheme {
    Http,
    Https,
}

/// A scheme, a lower-case host and a port (the scheme's default made explicit).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    scheme: Scheme,
    host: String,
    port: u16,
}

/// Why a URL or origin is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    /// Not an absolute `http` or `https` URL this parser can read with certainty.
    Malformed,
    /// An `http` origin that is not on loopback.
    Insecure,
    /// An origin given where only an origin belongs carries a path, query or fragment.
    NotAnOrigin,
    /// A well-formed URL on an origin the allowlist does not hold.
    NotAllowed { origin: Origin },
}

/// A set of origins; `http` ones are admitted only when they are on loopback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginAllowlist {
    origins: Vec<Origin>,
}

impl Origin {
    /// Reads the origin of an absolute URL.
    pub fn of_url(url: &str) -> Result<Self, UrlError> {
        let (origin, _rest) = split_origin(url)?;
        Ok(origin)
    }

    /// Reads an origin as configured: `https://host[:port]`, with at most a trailing slash.
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        let (origin, rest) = split_origin(text)?;
        if rest.is_empty() || rest == "/" {
            Ok(origin)
        } else {
            Err(UrlError::NotAnOrigin)
        }
    }

    /// `localhost`, an IPv4 address in 127.0.0.0/8 read as an address (not a name that starts
    /// with `127.`, such as `127.evil.example`), or `[::1]`.
    pub fn is_loopback(&self) -> bool {
        matches!(self.host.as_str(), "localhost" | "[::1]")
            || self
                .host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|address| address.is_loopback())
    }
}

impl fmt::Display for Origin {
    /// The serialized origin, as a browser's `location.origin` writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (scheme, default_port) = match self.scheme {
            Scheme::Http => ("http", 80),
            Scheme::Https => ("https", 443),
        };
        write!(f, "{scheme}://{}", self.host)?;
        if self.port != default_port {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

fn split_origin(url: &str) -> Result<(Origin, &str), UrlError> {
    // Printable ASCII only: whitespace, controls, backslashes and non-ASCII text are where URL
    // parsers disagree. Browsers percent-encode the URLs they hand out, so nothing real is lost.
    if !url.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') {
        return Err(UrlError::Malformed);
    }
    // The first colon, then `//`: the same split as at the first `://` for an `http` or
    // `https` scheme, found without the substring search's code in the wasm.
    let split = url.split_once(':');
    let (scheme, after) = match split.and_then(|(s, rest)| Some((s, rest.strip_prefix("//")?))) {
        Some((s, after)) if s.eq_ignore_ascii_case("https") => (Scheme::Https, after),
        Some((s, after)) if s.eq_ignore_ascii_case("http") => (Scheme::Http, after),
        _ => return Err(UrlError::Malformed),
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    // No panicking slices: their messages cost the wasm bundle kilobytes.
    let (authority, rest) = after.split_at_checked(end).ok_or(UrlError::Malformed)?;
    let (host, port) = split_host_port(authority).ok_or(UrlError::Malformed)?;
    let port = port.unwrap_or(match scheme {
        Scheme::Http => 80,
        Scheme::Https => 443,
    });
    let host = host.to_ascii_lowercase();
    Ok((Origin { scheme, host, port }, rest))
}

/// A host (a DNS name, or an IPv6 address in brackets) and the port after it, if any; user
/// info and anything else is refused. The authority is printable ASCII.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = match authority.rsplit_once(':') {
        // A colon inside the brackets of an IPv6 address is not the port's.
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (authority, None),
    };
    let valid = match host.strip_prefix('[') {
        Some(inner) => inner.strip_suffix(']').is_some_and(|inner| {
            !inner.is_empty()
                && inner
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        }),
        None => {
            !host.is_empty()
                && host.split('.').all(|label| {
                    (1..=63).contains(&label.len())
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        }
    };
    let port = match port {
        None => None,
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => Some(digits.parse().ok()?),
        Some(_) => return None,
    };
    valid.then_some((host, port))
}

impl OriginAllowlist {
    /// Builds a list from configured origins; an `http` origin must be on loopback.
    pub fn new<'a>(origins: impl IntoIterator<Item = &'a str>) -> Result<Self, UrlError> {
        let origins = origins
            .into_iter()
            .map(|text| {
                let origin = Origin::parse(text)?;
                if origin.scheme == Scheme::Http && !origin.is_loopback() {
                    return Err(UrlError::Insecure);
                }
                Ok(origin)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { origins })
    }

    /// Stripe's hosted checkout only.
    pub fn stripe() -> Self {
        Self {
            origins: vec![Origin {
                scheme: Scheme::Https,
                host: "checkout.stripe.com".into(),
                port: 443,
            }],
        }
    }

    pub fn contains(&self, origin: &Origin) -> bool {
        self.origins.contains(origin)
    }

    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }

    /// Admits a URL to be followed or used, or says why not.
    pub fn check_url(&self, url: &str) -> Result<(), UrlError> {
        let origin = Origin::of_url(url)?;
        if self.contains(&origin) {
            Ok(())
        } else {
            Err(UrlError::NotAllowed { origin })
        }
    }
}

/// A comma-separated list of origins, as a flag or an environment variable gives them.
impl std::str::FromStr for OriginAllowlist {
    type Err = UrlError;

    fn from_str(text: &str) -> Result<Self, UrlError> {
        Self::new(text.split(',').map(str::trim))
    }
}

/// Lists joined into one, such as a flag's values each checked as `OriginAllowlist::new` checks
/// them: every origin in the result was admitted by `new`.
impl FromIterator<OriginAllowlist> for OriginAllowlist {
    fn from_iter<I: IntoIterator<Item = OriginAllowlist>>(lists: I) -> Self {
        let mut origins: Vec<Origin> = Vec::new();
        for origin in lists.into_iter().flat_map(|list| list.origins) {
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Self { origins }
    }
}

impl UrlError {
    /// A stable name for the rule broken, for programs (a field error's `code`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "MALFORMED_URL",
            Self::Insecure => "INSECURE_URL",
            Self::NotAnOrigin => "NOT_AN_ORIGIN",
            Self::NotAllowed { .. } => "ORIGIN_NOT_ALLOWED",
        }
    }
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("is not an absolute http(s) URL"),
            Self::Insecure => f.write_str("must use https unless it is on loopback"),
            Self::NotAnOrigin => f.write_str("must be an origin only, with no path or query"),
            Self::NotAllowed { origin } => write!(f, "is on {origin}, which is not allowed"),
        }
    }
}

impl std::error::Error for UrlError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stripe_urls_pass_with_their_fragment() {
        let stripe = OriginAllowlist::stripe();
        assert_eq!(
            stripe,
            OriginAllowlist::new([STRIPE_CHECKOUT_ORIGIN]).expect("valid")
        );
        assert_eq!(
            stripe.check_url("https://checkout.stripe.com/c/pay/cs_test_a1#fidkdWxOYHwnPyd1"),
            Ok(())
        );
        assert_eq!(
            stripe.check_url("HTTPS://Checkout.Stripe.com:443/c/pay"),
            Ok(())
        );
    }

    #[test]
    fn lists_join_in_order_without_repeats() {
        let one = |text: &str| text.parse::<OriginAllowlist>().expect("valid");
        let joined: OriginAllowlist = [
            one("https://a.example"),
            one("http://127.0.0.1:8080"),
            one("HTTPS://A.example:443/, https://a.example"),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            joined,
            OriginAllowlist::new(["https://a.example", "http://127.0.0.1:8080"]).expect("valid")
        );
    }

    #[test]
    fn look_alikes_and_tricks_are_refused() {
        let stripe = OriginAllowlist::stripe();
        for url in [
            "http://checkout.stripe.com/c/pay",
            "https://checkout.stripe.com.evil.example/c/pay",
            "https://evil.example/checkout.stripe.com",
            "https://checkout.stripe.com:8443/c/pay",
            "https://evilcheckout.stripe.com/",
        ] {
            assert!(
                matches!(stripe.check_url(url), Err(UrlError::NotAllowed { .. })),
                "{url}"
            );
        }
        for url in [
            "https://checkout.stripe.com@evil.example/",
            "https://evil.example\\@checkout.stripe.com/",
            "javascript:alert(1)//checkout.stripe.com",
            "//checkout.stripe.com/c/pay",
            "/c/pay",
            "https:/checkout.stripe.com/",
            " https://checkout.stripe.com/",
            "https://checkout.stripe.com\t/",
            "https://chéckout.stripe.com/",
            "https://checkout.stripe.com/c/pay/é",
            "https://[::1/",
            "https://::1]/",
            "https://[]/",
            "https://[::1]x/",
            "https://a..b/",
            "https://checkout.stripe.com:99999/",
            "https://checkout.stripe.com:/",
            "",
        ] {
            assert_eq!(stripe.check_url(url), Err(UrlError::Malformed), "{url:?}");
        }
    }

    #[test]
    fn http_is_admitted_only_on_loopback_and_only_when_listed() {
        let demo = OriginAllowlist::new([
            "http://127.0.0.1:9100",
            "http://localhost:9100/",
            "http://[::1]:9100",
        ])
        .expect("loopback http is allowed");
        assert_eq!(
            demo.check_url("http://127.0.0.1:9100/pay/cs_test_1#x"),
            Ok(())
        );
        assert_eq!(demo.check_url("http://[::1]:9100/pay"), Ok(()));
        assert!(demo.check_url("http://127.0.0.1:9101/pay").is_err());
        assert!(
            OriginAllowlist::stripe()
                .check_url("http://127.0.0.1:9100/pay")
                .is_err()
        );
        assert_eq!(
            OriginAllowlist::new(["http://shop.example"]),
            Err(UrlError::Insecure)
        );
        assert_eq!(
            OriginAllowlist::new(["https://shop.example/path"]),
            Err(UrlError::NotAnOrigin)
        );
    }

    #[test]
    fn loopback_is_an_address_or_localhost_never_a_name_that_looks_like_one() {
        for host in ["127.0.0.1", "127.8.9.10", "localhost", "[::1]"] {
            let origin = Origin::parse(&format!("http://{host}:9100")).expect("valid");
            assert!(origin.is_loopback(), "{host}");
        }
        for host in [
            "127.evil.example",
            "127.0.0.1.evil.example",
            "128.0.0.1",
            "localhost.example",
        ] {
            let origin = Origin::parse(&format!("http://{host}")).expect("valid");
            assert!(!origin.is_loopback(), "{host}");
            assert_eq!(
                OriginAllowlist::new([format!("http://{host}").as_str()]),
                Err(UrlError::Insecure),
                "{host} over plain http"
            );
        }
    }

    #[test]
    fn origins_serialize_like_a_browser() {
        assert_eq!(
            Origin::parse("HTTPS://Shop.Example:443")
                .expect("valid")
                .to_string(),
            "https://shop.example"
        );
        assert_eq!(
            Origin::parse("http://127.0.0.1:8080")
                .expect("valid")
                .to_string(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            Origin::of_url("https://a.example?x=1")
                .expect("valid")
                .to_string(),
            "https://a.example"
        );
    }

    /// Names, bracketed IPv6 addresses and a loopback address, as the grammar reads them.
    const HOSTS: &str =
        "([a-z0-9-]{1,8}\\.){0,3}[a-zA-Z0-9-]{1,8}|\\[[0-9a-f:]{1,12}\\]|127\\.0\\.0\\.1";

    proptest! {
        /// Any origin the grammar allows prints as itself, and an allowlist of it admits every
        /// URL on it.
        #[test]
        fn a_parsed_origin_prints_as_itself_and_admits_its_urls(
            scheme in "(http|https|HTTPS)",
            host in HOSTS,
            port in proptest::option::of(any::<u16>()),
            rest in "(/[a-z0-9]{0,5})?(\\?[a-z=]{0,5})?(#[a-z]{0,5})?",
        ) {
            let port = port.map(|port| format!(":{port}")).unwrap_or_default();
            let text = format!("{scheme}://{host}{port}");
            let origin = Origin::parse(&text).expect("valid by construction");
            prop_assert_eq!(Origin::parse(&origin.to_string()), Ok(origin.clone()));
            let url = format!("{text}{rest}");
            prop_assert_eq!(Origin::of_url(&url), Ok(origin.clone()));
            match OriginAllowlist::new([origin.to_string().as_str()]) {
                Ok(list) => prop_assert_eq!(list.check_url(&url), Ok(())),
                Err(error) => {
                    prop_assert_eq!(error, UrlError::Insecure);
                    prop_assert!(!origin.is_loopback());
                }
            }
        }

        #[test]
        fn no_input_panics(input in any::<String>()) {
            let _ = OriginAllowlist::stripe().check_url(&input);
            let _ = Origin::parse(&input);
        }

        #[test]
        fn url_like_input_never_panics(input in "(https?://)?[a-z:@\\[\\]0-9./?#\\\\-]{0,30}") {
            let _ = OriginAllowlist::stripe().check_url(&input);
        }
    }
}
