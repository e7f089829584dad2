//! Per-client caps on what one client holds at once: API requests in flight, counted before
//! a body is read, and open connections. A client's count lives only while it holds something,
//! so the map never outgrows the connections the proxy accepts.

use crate::client_ip::ClientKey;
use std::{
    collections::HashMap,
    num::NonZeroUsize,
    sync::{Arc, Mutex, PoisonError},
};

/// API requests one client may have in flight, unless `--max-api-requests-per-client` says
/// otherwise. The rate limits let a client sustain one
/// checkout every 2 s and one balance read a second, each answered within the upstream's time:
/// a browser needs one or two at once, and a few visitors behind one address fit as well.
pub const MAX_API_REQUESTS_PER_CLIENT: NonZeroUsize = NonZeroUsize::new(8).expect("eight");

/// Counts what each client holds, up to `max` each.
#[derive(Debug, Clone)]
pub struct PerClient {
    max: usize,
    counts: Arc<Mutex<HashMap<ClientKey, usize>>>,
}

/// One unit a client holds; dropping it gives it back.
#[derive(Debug)]
pub struct Held {
    client: ClientKey,
    counts: Arc<Mutex<HashMap<ClientKey, usize>>>,
}

impl PerClient {
    pub fn new(max: usize) -> Self {
        Self {
            max,
            counts: Arc::default(),
        }
    }

    /// One more unit for `client`, or `None` when it already holds `max`.
    pub fn try_hold(&self, client: ClientKey) -> Option<Held> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(client).or_default();
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Held {
            client,
            counts: self.counts.clone(),
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> ClientKey {
        ClientKey::from(text.parse::<std::net::IpAddr>().expect("ip"))
    }

    #[test]
    fn each_client_holds_up_to_the_cap_and_gives_back_on_drop() {
        let caps = PerClient::new(2);
        let first = caps.try_hold(key("203.0.113.7")).expect("one");
        let second = caps.try_hold(key("203.0.113.7")).expect("two");
        assert!(caps.try_hold(key("203.0.113.7")).is_none(), "over the cap");
        assert!(
            caps.try_hold(key("203.0.113.8")).is_some(),
            "clients are counted apart"
        );
        drop(first);
        let third = caps.try_hold(key("203.0.113.7")).expect("given back");
        drop((second, third));
        assert!(
            caps.counts.lock().expect("lock").is_empty(),
            "nobody holds anything: nothing is kept"
        );
    }

    #[test]
    fn an_ipv6_64_is_one_client() {
        let caps = PerClient::new(1);
        let _held = caps.try_hold(key("2001:db8:1:2::1")).expect("one");
        assert!(caps.try_hold(key("2001:db8:1:2:ffff::9")).is_none());
        assert!(caps.try_hold(key("2001:db8:1:3::1")).is_some());
    }
}
