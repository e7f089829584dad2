//! Who the client is, for rate limiting: the TCP peer, or the last `X-Forwarded-For` entry when
//! the proxy runs behind a reverse proxy that appends it (and the operator says so).

use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trust_forwarded_for: bool) -> IpAddr {
    if !trust_forwarded_for {
        return peer.ip();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()
        .and_then(|last| last.trim().parse().ok())
        .unwrap_or(peer.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusts_the_last_forwarded_entry_only_when_told() {
        let peer: SocketAddr = "127.0.0.1:5000".parse().expect("addr");
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "6.6.6.6, 203.0.113.7".parse().expect("header"),
        );
        assert_eq!(client_ip(peer, &headers, false), peer.ip());
        assert_eq!(
            client_ip(peer, &headers, true),
            "203.0.113.7".parse::<IpAddr>().expect("ip")
        );
        headers.insert("x-forwarded-for", "garbage".parse().expect("header"));
        assert_eq!(client_ip(peer, &headers, true), peer.ip());
    }
}
