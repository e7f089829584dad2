//! `X-Request-Id`: one per request, made here, or taken from a `--trusted-proxy` that already
//! gave the request one, so that the load balancer's log line and the proxy's share it.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use std::{
    hash::{BuildHasher, RandomState},
    sync::{
        LazyLock,
        atomic::{AtomicU64, Ordering},
    },
};

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// The longest id taken from a trusted proxy: ids in use are 32 to 40 characters or so.
pub const MAX_LENGTH: usize = 128;

/// The keys of a keyed hash, random per process (std seeds them from the OS).
static KEYS: LazyLock<RandomState> = LazyLock::new(RandomState::new);
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A new id: 128 bits as 32 hex digits, a keyed hash of this process's request count. Unique
/// in practice across processes and replicas, and it reveals neither the count nor the time.
pub fn make() -> HeaderValue {
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let high = KEYS.hash_one((n, 0u8));
    let low = KEYS.hash_one((n, 1u8));
    // Hex digits only: always a valid header value.
    HeaderValue::from_str(&format!("{high:016x}{low:016x}")).unwrap_or_else(|_| unreachable!())
}

/// The request's own id when its peer is trusted and the id is well-formed, else a new one.
pub fn for_request(headers: &HeaderMap, peer_trusted: bool) -> HeaderValue {
    if peer_trusted {
        let mut given = headers.get_all(&X_REQUEST_ID).iter();
        // Two ids are none: which one the balancer logged is unknown.
        if let (Some(value), None) = (given.next(), given.next())
            && well_formed(value)
        {
            return value.clone();
        }
    }
    make()
}

/// Between 1 and `MAX_LENGTH` visible ASCII characters: nothing that could split a log line or
/// hide in one.
fn well_formed(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty() && bytes.len() <= MAX_LENGTH && bytes.iter().all(u8::is_ascii_graphic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_id(value: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            X_REQUEST_ID,
            HeaderValue::from_bytes(value).expect("a header value"),
        );
        headers
    }

    fn is_made(value: &HeaderValue) -> bool {
        value.len() == 32 && value.as_bytes().iter().all(u8::is_ascii_hexdigit)
    }

    #[test]
    fn made_ids_are_32_hex_digits_and_differ() {
        let ids: std::collections::HashSet<HeaderValue> = (0..10_000).map(|_| make()).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(is_made));
    }

    #[test]
    fn a_trusted_peers_well_formed_id_is_kept_and_anything_else_replaced() {
        let given = with_id(b"lb-7f3a-0001");
        assert_eq!(for_request(&given, true), "lb-7f3a-0001");
        assert!(is_made(&for_request(&given, false)), "untrusted peer");
        assert!(is_made(&for_request(&HeaderMap::new(), true)), "none given");
        let longest = "a".repeat(MAX_LENGTH);
        assert_eq!(for_request(&with_id(longest.as_bytes()), true), longest);
        for bad in [
            &b""[..],
            "a".repeat(MAX_LENGTH + 1).as_bytes(),
            b"two words",
            b"tab\tinside",
            "caf\u{e9}".as_bytes(),
        ] {
            assert!(
                is_made(&for_request(&with_id(bad), true)),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let mut twice = with_id(b"first");
        twice.append(X_REQUEST_ID, HeaderValue::from_static("second"));
        assert!(is_made(&for_request(&twice, true)), "two ids");
    }
}
