//! The success and cancel URLs that Stripe sends the customer back to.
//!
//! They are the page's own URL with the widget's query parameters removed, plus the view to
//! show. The `{CHECKOUT_SESSION_ID}` placeholder is appended as literal text: percent-encoded
//! braces would never be replaced by Stripe.

use crate::{AmountCents, OrganizationId, api::field};

/// Stripe replaces this with the session id on the way back.
pub const SESSION_ID_PLACEHOLDER: &str = "{CHECKOUT_SESSION_ID}";

/// The query parameters the widget reads and writes; any others on the page are kept.
pub const WIDGET_QUERY_KEYS: [&str; 4] = [
    "checkout",
    "session_id",
    field::AMOUNT_CENTS,
    field::ORGANIZATION_ID,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnUrls {
    pub success_url: String,
    pub cancel_url: String,
}

/// Builds both URLs from a page URL (or the embedder's `return_url`). The amount rides in the
/// cancel URL so the form can be refilled even where `sessionStorage` is empty; the organization
/// only when the person typed it (a fixed one comes back from the embedding page itself).
pub fn return_urls(
    page_url: &str,
    amount: AmountCents,
    typed_organization: Option<&OrganizationId>,
) -> ReturnUrls {
    let base = strip_widget_params(page_url);
    let join = if base.contains('?') { '&' } else { '?' };
    let mut cancel_url = format!(
        "{base}{join}checkout=cancel&{}={}",
        field::AMOUNT_CENTS,
        amount.cents()
    );
    if let Some(organization) = typed_organization {
        cancel_url.push_str(&format!("&{}={organization}", field::ORGANIZATION_ID));
    }
    ReturnUrls {
        success_url: format!("{base}{join}checkout=success&session_id={SESSION_ID_PLACEHOLDER}"),
        cancel_url,
    }
}

/// Removes the fragment and the widget's own query parameters, keeping the rest as written.
pub fn strip_widget_params(url: &str) -> String {
    let without_fragment = url.split_once('#').map_or(url, |(before, _)| before);
    let Some((path, query)) = without_fragment.split_once('?') else {
        return without_fragment.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let key = pair.split_once('=').map_or(*pair, |(key, _)| key);
            !pair.is_empty() && !WIDGET_QUERY_KEYS.contains(&key)
        })
        .collect();
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AmountLimits;

    fn amount(cents: u64) -> AmountCents {
        AmountLimits::default().check(cents).expect("in range")
    }

    #[test]
    fn builds_both_urls_with_the_literal_placeholder() {
        let urls = return_urls("https://shop.example/billing/topup/", amount(2500), None);
        assert_eq!(
            urls.success_url,
            "https://shop.example/billing/topup/?checkout=success&session_id={CHECKOUT_SESSION_ID}"
        );
        assert_eq!(
            urls.cancel_url,
            "https://shop.example/billing/topup/?checkout=cancel&amount_cents=2500"
        );
    }

    #[test]
    fn keeps_the_page_parameters_and_drops_the_widget_ones() {
        let organization = OrganizationId::parse("7dHk2mPqRsTuVwXyZaBcDe").expect("valid");
        let urls = return_urls(
            "https://shop.example/p?tab=billing&checkout=cancel&amount_cents=900&session_id=cs_test_x#top",
            amount(1234),
            Some(&organization),
        );
        assert_eq!(
            urls.success_url,
            "https://shop.example/p?tab=billing&checkout=success&session_id={CHECKOUT_SESSION_ID}"
        );
        assert_eq!(
            urls.cancel_url,
            "https://shop.example/p?tab=billing&checkout=cancel&amount_cents=1234&organization_id=7dHk2mPqRsTuVwXyZaBcDe"
        );
    }

    #[test]
    fn strips_to_the_bare_page_when_only_widget_parameters_remain() {
        assert_eq!(
            strip_widget_params("http://127.0.0.1:8080/?checkout=success&session_id=cs_test_1"),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(
            strip_widget_params("http://h/a?&organization_id=x&"),
            "http://h/a"
        );
        assert_eq!(
            strip_widget_params("http://h/a?checkoutx=1"),
            "http://h/a?checkoutx=1"
        );
    }
}
