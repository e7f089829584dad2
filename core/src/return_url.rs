//! The query-string contract between the widget and itself across the trip to checkout: the
//! success and cancel URLs that Stripe sends the customer back to, and the view the page shows
//! when it is loaded with them (or with a link that prefills the form).
//!
//! The URLs are the page's own with the widget's query parameters removed, plus the view to
//! show. The `{CHECKOUT_SESSION_ID}` placeholder is appended as literal text: percent-encoded
//! braces would never be replaced by Stripe. Reading the query string alone chooses the view, so
//! one `index.html` serves every view from any static host under any path prefix.

use crate::{AmountCents, CheckoutSessionId, OrganizationId, SessionIdError, api::field};

/// Stripe replaces this with the session id on the way back.
pub const SESSION_ID_PLACEHOLDER: &str = "{CHECKOUT_SESSION_ID}";

/// The parameter naming the view to return to, and its two values.
const VIEW_KEY: &str = "checkout";
const SUCCESS: &str = "success";
const CANCEL: &str = "cancel";
const SESSION_ID_KEY: &str = "session_id";
/// The parameter naming the widget instance the return is for, on a page with several.
const NAME_KEY: &str = "checkout_name";
/// The instance name that return URLs leave out.
pub const DEFAULT_NAME: &str = "default";

/// The query parameters the widget reads and writes; any others on the page are kept.
pub const WIDGET_QUERY_KEYS: [&str; 5] = [
    VIEW_KEY,
    SESSION_ID_KEY,
    NAME_KEY,
    field::AMOUNT_CENTS,
    field::ORGANIZATION_ID,
];

/// Whether `name` can name a widget instance: it rides in URLs and storage keys unencoded.
pub fn is_instance_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What the page shows, read from its query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageView {
    /// The top-up form; a link may prefill it.
    Form {
        organization: Option<String>,
        amount_cents: Option<u64>,
    },
    /// Back from checkout without paying: the form again, refilled.
    Cancelled {
        organization: Option<String>,
        amount_cents: Option<u64>,
    },
    /// Back from checkout after paying, with the session id as Stripe filled it in.
    Success(Result<CheckoutSessionId, SessionIdError>),
}

/// Reads what `return_urls` wrote for the instance `name`, or a prefill link; `query` answers
/// one parameter by name. A return for another instance on the same page is the form for this
/// one, so only one widget turns into the success or cancel view.
pub fn page_view(query: impl Fn(&str) -> Option<String>, name: &str) -> PageView {
    let organization = query(field::ORGANIZATION_ID);
    let amount_cents = query(field::AMOUNT_CENTS).and_then(|cents| cents.parse().ok());
    let returned_here = query(NAME_KEY).as_deref().unwrap_or(DEFAULT_NAME) == name;
    if !returned_here {
        return PageView::Form {
            organization: None,
            amount_cents: None,
        };
    }
    match query(VIEW_KEY).as_deref() {
        Some(SUCCESS) => PageView::Success(CheckoutSessionId::parse(
            &query(SESSION_ID_KEY).unwrap_or_default(),
        )),
        Some(CANCEL) => PageView::Cancelled {
            organization,
            amount_cents,
        },
        _ => PageView::Form {
            organization,
            amount_cents,
        },
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnUrls {
    pub success_url: String,
    pub cancel_url: String,
}

/// Builds both URLs from a page URL (or the embedder's `return_url`) for the instance `name`.
/// The amount rides in the cancel URL so the form can be refilled even where `sessionStorage`
/// is empty; the organization only when the person typed it (a fixed one comes back from the
/// embedding page itself).
pub fn return_urls(
    page_url: &str,
    amount: AmountCents,
    typed_organization: Option<&OrganizationId>,
    name: &str,
) -> ReturnUrls {
    let base = strip_widget_params(page_url);
    let join = if base.contains('?') { '&' } else { '?' };
    let mut cancel_url = format!(
        "{base}{join}{VIEW_KEY}={CANCEL}&{}={}",
        field::AMOUNT_CENTS,
        amount.cents()
    );
    if let Some(organization) = typed_organization {
        cancel_url.push_str(&format!("&{}={organization}", field::ORGANIZATION_ID));
    }
    let mut success_url =
        format!("{base}{join}{VIEW_KEY}={SUCCESS}&{SESSION_ID_KEY}={SESSION_ID_PLACEHOLDER}");
    if name != DEFAULT_NAME {
        for url in [&mut success_url, &mut cancel_url] {
            url.push_str(&format!("&{NAME_KEY}={name}"));
        }
    }
    ReturnUrls {
        success_url,
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
    use proptest::prelude::*;

    /// The page view a browser would choose for `url`. The values this module writes need no
    /// percent-decoding.
    fn view_of(url: &str) -> PageView {
        view_for(url, DEFAULT_NAME)
    }

    fn view_for(url: &str, instance: &str) -> PageView {
        let query = url.split_once('?').map_or("", |(_, query)| query);
        page_view(
            |name| {
                query
                    .split('&')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_owned())
            },
            instance,
        )
    }

    proptest! {
        #[test]
        fn what_the_return_urls_carry_reads_back_as_their_view(
            cents in crate::amount::API_MINIMUM_CENTS..=crate::amount::DEFAULT_MAXIMUM_CENTS,
            organization in "[2-9A-HJ-NP-Za-km-z]{22}",
            typed in any::<bool>(),
            page_query in "(tab=[a-z]{1,5}&)?(checkout=cancel&amount_cents=1&checkout_name=x)?",
            session in "cs_(test|live)_[A-Za-z0-9]{1,40}",
            instance in "default|[A-Za-z0-9_-]{1,12}",
        ) {
            let organization = OrganizationId::parse(&organization).expect("from the alphabet");
            let page = format!("https://shop.example/billing/?{page_query}");
            let urls = return_urls(&page, amount(cents), typed.then_some(&organization), &instance);
            let view_of = |url: &str| view_for(url, &instance);
            prop_assert_eq!(
                view_of(&urls.cancel_url),
                PageView::Cancelled {
                    organization: typed.then(|| organization.to_string()),
                    amount_cents: Some(cents),
                }
            );
            let paid = urls.success_url.replace(SESSION_ID_PLACEHOLDER, &session);
            prop_assert_eq!(
                view_of(&paid),
                PageView::Success(Ok(CheckoutSessionId::parse(&session).expect("well formed")))
            );
            prop_assert_eq!(
                view_of(&urls.success_url),
                PageView::Success(Err(SessionIdError::Placeholder))
            );
            // Another widget on the same page keeps its form.
            let other = if instance == "other" { "another" } else { "other" };
            prop_assert_eq!(
                view_for(&paid, other),
                PageView::Form { organization: None, amount_cents: None }
            );
        }
    }

    #[test]
    fn instance_names_are_url_safe_words() {
        for good in ["default", "billing-2", "a_b", "X"] {
            assert!(is_instance_name(good), "{good}");
        }
        for bad in ["", "a b", "a&b", "é", &"x".repeat(65)] {
            assert!(!is_instance_name(bad), "{bad}");
        }
    }

    #[test]
    fn a_plain_page_or_a_prefill_link_is_the_form() {
        assert_eq!(
            view_of("https://shop.example/"),
            PageView::Form {
                organization: None,
                amount_cents: None
            }
        );
        assert_eq!(
            view_of("https://shop.example/?organization_id=x&amount_cents=lots"),
            PageView::Form {
                organization: Some("x".into()),
                amount_cents: None
            }
        );
    }

    #[test]
    fn a_bad_or_missing_session_id_is_not_a_payment() {
        assert_eq!(
            view_of("https://a.example/?checkout=success"),
            PageView::Success(Err(SessionIdError::Missing))
        );
        assert_eq!(
            view_of("https://a.example/?checkout=success&session_id=<script>"),
            PageView::Success(Err(SessionIdError::Malformed))
        );
    }

    fn amount(cents: u64) -> AmountCents {
        AmountLimits::default().check(cents).expect("in range")
    }

    #[test]
    fn builds_both_urls_with_the_literal_placeholder() {
        let urls = return_urls(
            "https://shop.example/billing/topup/",
            amount(2500),
            None,
            DEFAULT_NAME,
        );
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
            DEFAULT_NAME,
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
