//! Who the client is, for rate limiting: the TCP peer, or, when that peer is a reverse proxy the
//! operator listed with `--trusted-proxy`, the address that `X-Forwarded-For` says it saw.
//!
//! A forged `X-Forwarded-For` from a client that reaches the port directly is ignored, since its
//! peer is not trusted; behind a trusted proxy, only the entries that trusted hops appended are
//! believed, read from the right, so whatever the client wrote itself on the left is never used.

use axum::http::HeaderMap;
use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    str::FromStr,
};

/// An address range, `203.0.113.0/24` or `2001:db8::/32`; a bare address is a range of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => mask_v4(address, self.prefix) == network,
            (IpAddr::V6(network), IpAddr::V6(address)) => mask_v6(address, self.prefix) == network,
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let error = || format!("{text:?} is not an address range like 10.0.0.0/8 or ::1/128");
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address = address
            .parse::<IpAddr>()
            .map_err(|_| error())?
            .to_canonical();
        let longest = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => longest,
            Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => digits
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= longest)
                .ok_or_else(error)?,
            Some(_) => return Err(error()),
        };
        let network = match address {
            IpAddr::V4(v4) => IpAddr::V4(mask_v4(v4, prefix)),
            IpAddr::V6(v6) => IpAddr::V6(mask_v6(v6, prefix)),
        };
        // `10.0.0.1/8` is most likely a typo for a single host: say so rather than widen it.
        if network != address {
            return Err(format!(
                "{text:?} has host bits set; the range is {network}/{prefix}"
            ));
        }
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

fn mask_v4(address: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    let bits = u32::from(address);
    Ipv4Addr::from(bits & u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0))
}

fn mask_v6(address: Ipv6Addr, prefix: u8) -> Ipv6Addr {
    let bits = u128::from(address);
    Ipv6Addr::from(bits & u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0))
}

/// What `--trust-forwarded-for` stands for: a reverse proxy on the same machine.
pub const LOOPBACK_PROXIES: [Cidr; 2] = [
    Cidr {
        network: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)),
        prefix: 8,
    },
    Cidr {
        network: IpAddr::V6(Ipv6Addr::LOCALHOST),
        prefix: 128,
    },
];

/// The reverse proxies whose `X-Forwarded-For` entries are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    pub fn new(ranges: Vec<Cidr>) -> Self {
        Self(ranges)
    }

    /// Whether `address` is one of the reverse proxies.
    pub fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(address))
    }

    /// The client's address: the TCP peer unless it is trusted; then the `X-Forwarded-For`
    /// entries from the right, skipping trusted hops, up to the first one that is not trusted.
    /// An entry that is not an address ends the walk at the last hop that was believed.
    pub fn client_ip(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.ip().to_canonical();
        if !self.trusts(client) {
            return client;
        }
        // Several header lines are one list, in order (RFC 9110, section 5.3).
        let entries: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .map(|value| value.to_str().unwrap_or_default())
            .flat_map(|value| value.split(','))
            .collect();
        for entry in entries.iter().rev() {
            let Some(hop) = forwarded_address(entry) else {
                break;
            };
            client = hop;
            if !self.trusts(hop) {
                break;
            }
        }
        client
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        let ranges: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&ranges.join(","))
    }
}

/// One `X-Forwarded-For` entry: `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1` or
/// `[2001:db8::1]:4711`.
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Some(address.to_canonical());
    }
    if let Some(rest) = entry.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port_ok = after.is_empty()
            || after
                .strip_prefix(':')
                .is_some_and(|port| port.parse::<u16>().is_ok());
        return port_ok
            .then(|| inside.parse::<Ipv6Addr>().ok())
            .flatten()
            .map(|v6| IpAddr::V6(v6).to_canonical());
    }
    entry
        .parse::<std::net::SocketAddrV4>()
        .ok()
        .map(|socket| IpAddr::V4(*socket.ip()))
}

/// What one rate-limit bucket is kept for: an IPv4 address, or an IPv6 /64. One subscriber
/// usually holds a whole /64, so keying by the full IPv6 address would give them 2^64 buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

/// The address, an IPv6 one as its /64: what names the client's rate-limit bucket in Redis.
impl std::fmt::Display for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<IpAddr> for ClientKey {
    fn from(address: IpAddr) -> Self {
        Self(match address.to_canonical() {
            IpAddr::V4(v4) => IpAddr::V4(v4),
            IpAddr::V6(v6) => IpAddr::V6(mask_v6(v6, 64)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(list: &[&str]) -> TrustedProxies {
        TrustedProxies::new(list.iter().map(|r| r.parse().expect("a range")).collect())
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().expect("header"));
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    fn peer(text: &str) -> SocketAddr {
        text.parse().expect("socket address")
    }

    #[test]
    fn reads_ranges_and_refuses_what_is_not_one() {
        let range: Cidr = "10.0.0.0/8".parse().expect("range");
        assert!(range.contains(ip("10.200.3.4")) && !range.contains(ip("11.0.0.1")));
        assert!(range.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped peers");
        let one: Cidr = "192.0.2.1".parse().expect("a bare address");
        assert_eq!(one.to_string(), "192.0.2.1/32");
        let v6: Cidr = "2001:db8::/32".parse().expect("range");
        assert!(v6.contains(ip("2001:db8:1::9")) && !v6.contains(ip("2001:db9::1")));
        assert!(
            "0.0.0.0/0"
                .parse::<Cidr>()
                .expect("all")
                .contains(ip("8.8.8.8"))
        );
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "localhost",
            "10.0.0/8",
            "10.0.0.1/8",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_peer_that_is_not_trusted_is_the_client_whatever_it_forwards() {
        let trusted = ranges(&["127.0.0.1/32"]);
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(
            trusted.client_ip(peer("203.0.113.9:4000"), &headers),
            ip("203.0.113.9")
        );
        assert_eq!(
            TrustedProxies::default().client_ip(peer("127.0.0.1:4000"), &headers),
            ip("127.0.0.1"),
            "nothing trusted: the header is never read"
        );
    }

    #[test]
    fn trusted_hops_are_skipped_from_the_right() {
        let trusted = ranges(&["127.0.0.1/32", "10.0.0.0/8"]);
        let behind = peer("127.0.0.1:4000");
        // The client wrote 6.6.6.6 itself; the load balancer 10.1.1.1 appended what it saw.
        let chain = forwarded(&["6.6.6.6, 203.0.113.7, 10.1.1.1"]);
        assert_eq!(trusted.client_ip(behind, &chain), ip("203.0.113.7"));
        let split = forwarded(&["6.6.6.6", "203.0.113.7", "10.1.1.1"]);
        assert_eq!(
            trusted.client_ip(behind, &split),
            ip("203.0.113.7"),
            "several header lines are one list"
        );
        assert_eq!(
            trusted.client_ip(behind, &forwarded(&["10.2.2.2, 10.1.1.1"])),
            ip("10.2.2.2"),
            "every hop trusted: the first one"
        );
        assert_eq!(
            trusted.client_ip(behind, &forwarded(&["203.0.113.7, garbage"])),
            ip("127.0.0.1"),
            "an unreadable entry ends the walk at the last believed hop"
        );
        assert_eq!(
            trusted.client_ip(behind, &forwarded(&["garbage, 10.1.1.1"])),
            ip("10.1.1.1")
        );
        assert_eq!(
            trusted.client_ip(behind, &HeaderMap::new()),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn reads_ports_and_bracketed_ipv6_entries() {
        let trusted = ranges(&["::1/128"]);
        let behind = peer("[::1]:4000");
        for (entry, client) in [
            ("203.0.113.7:4711", "203.0.113.7"),
            ("2001:db8::7", "2001:db8::7"),
            ("[2001:db8::7]", "2001:db8::7"),
            ("[2001:db8::7]:4711", "2001:db8::7"),
            (" 203.0.113.7 ", "203.0.113.7"),
            ("::ffff:203.0.113.7", "203.0.113.7"),
        ] {
            assert_eq!(
                trusted.client_ip(behind, &forwarded(&[entry])),
                ip(client),
                "{entry}"
            );
        }
        for unreadable in ["[2001:db8::7]:port", "[2001:db8::7", "203.0.113.7:99999"] {
            assert_eq!(
                trusted.client_ip(behind, &forwarded(&[unreadable])),
                ip("::1"),
                "{unreadable}"
            );
        }
    }

    #[test]
    fn the_loopback_alias_trusts_only_this_machine() {
        let loopback = TrustedProxies::new(LOOPBACK_PROXIES.to_vec());
        let headers = forwarded(&["203.0.113.7"]);
        for local in [
            "127.0.0.1:1",
            "127.8.9.10:1",
            "[::1]:1",
            "[::ffff:127.0.0.1]:1",
        ] {
            assert_eq!(
                loopback.client_ip(peer(local), &headers),
                ip("203.0.113.7"),
                "{local}"
            );
        }
        assert_eq!(
            loopback.client_ip(peer("192.168.1.2:1"), &headers),
            ip("192.168.1.2")
        );
    }

    #[test]
    fn ipv6_clients_share_a_key_per_64() {
        let key = |text: &str| ClientKey::from(ip(text));
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_ne!(key("203.0.113.7"), key("203.0.113.8"));
        assert_eq!(key("::ffff:203.0.113.7"), key("203.0.113.7"));
    }
}
