//! After payment: when the balance counts as credited, and how often to look.
//!
//! Stripe reports the payment to Closient by webhook, so the balance can lag the success
//! redirect by a few seconds, and running campaigns may spend from it meanwhile.

use crate::{AmountCents, CheckoutSessionId};

/// Waits before each balance poll on the success view: 8 polls over about a minute.
pub const POLL_DELAYS_MS: [u32; 8] = [0, 1_500, 2_500, 4_000, 6_000, 9_000, 13_000, 20_000];

/// Watches balances (in cents) for the evidence that a payment was credited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditWatch {
    baseline: Option<i64>,
    amount: i64,
    lowest: Option<i64>,
}

impl CreditWatch {
    /// `baseline` is the balance seen before leaving for checkout, if any.
    pub fn new(baseline: Option<i64>, amount: AmountCents) -> Self {
        Self {
            baseline,
            amount: amount.money().cents(),
            lowest: None,
        }
    }

    /// Records a balance; answers whether the payment is now shown credited. Without a
    /// baseline there is no evidence to go on, so the answer is always no.
    pub fn observe(&mut self, balance: i64) -> bool {
        let Some(baseline) = self.baseline else {
            return false;
        };
        let lowest = self
            .lowest
            .map_or(balance.min(baseline), |l| l.min(balance));
        self.lowest = Some(lowest);
        balance >= baseline.saturating_add(self.amount)
            || balance.saturating_sub(lowest) >= self.amount
    }
}

/// The session id inside a checkout URL (Stripe's `/c/pay/cs_test_...#...`, the mock's
/// `/pay/cs_test_...`), so the success view can tell its own payment from another tab's.
pub fn session_id_in_url(url: &str) -> Option<CheckoutSessionId> {
    let path = url.split(['#', '?']).next()?;
    path.rsplit('/')
        .find_map(|segment| CheckoutSessionId::parse(segment).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AmountLimits;

    fn amount(cents: u64) -> AmountCents {
        AmountLimits::default().check(cents).expect("in range")
    }

    #[test]
    fn credited_when_the_baseline_plus_the_amount_is_reached() {
        let mut watch = CreditWatch::new(Some(15_000), amount(2_500));
        assert!(!watch.observe(15_000));
        assert!(!watch.observe(17_499));
        assert!(watch.observe(17_500));
    }

    #[test]
    fn credited_when_it_rises_by_the_amount_while_campaigns_spend() {
        let mut watch = CreditWatch::new(Some(15_000), amount(2_500));
        assert!(!watch.observe(14_000), "spent 10.00 meanwhile");
        assert!(!watch.observe(13_500));
        assert!(watch.observe(16_000), "13,500 + 2,500: the payment arrived");
    }

    #[test]
    fn never_credited_without_a_baseline() {
        let mut watch = CreditWatch::new(None, amount(500));
        assert!(!watch.observe(0));
        assert!(!watch.observe(1_000_000));
    }

    #[test]
    fn polls_eight_times_in_about_a_minute() {
        let total: u32 = POLL_DELAYS_MS.iter().sum();
        assert_eq!(POLL_DELAYS_MS.len(), 8);
        assert!((45_000..=75_000).contains(&total), "{total}");
        assert!(
            POLL_DELAYS_MS.windows(2).all(|w| w[0] <= w[1]),
            "backoff never shortens"
        );
    }

    #[test]
    fn finds_the_session_id_in_checkout_urls() {
        let id = |url| session_id_in_url(url).map(|s| s.to_string());
        assert_eq!(
            id("https://checkout.stripe.com/c/pay/cs_test_a1B2#fid=x"),
            Some("cs_test_a1B2".into())
        );
        assert_eq!(
            id("http://127.0.0.1:9100/pay/cs_live_Z9"),
            Some("cs_live_Z9".into())
        );
        assert_eq!(id("https://checkout.stripe.com/c/pay/other"), None);
    }
}
