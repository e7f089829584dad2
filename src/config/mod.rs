//! The widget's configuration: the embedder's options (`options`), checked and completed with
//! defaults.
//!
//! Everything here comes from the embedding page, which is trusted. The query string is not:
//! it may prefill the editable fields (see `views::form::Prefill`), never set an option.

pub mod options;

use crate::language::{Language, Messages, is_locale_tag, is_message_key};
use closient_checkout_core::{
    AmountCents, AmountLimits, DEFAULT_NAME, OrganizationId, OriginAllowlist, is_instance_name,
};
pub use options::{OptionError, OptionName, Options};

/// The proxy route the form posts to unless the page says otherwise.
pub const DEFAULT_API_PATH: &str = "/api/billing/checkout";
/// The proxy route for balances (`{path}/{organization_id}`) unless the page says otherwise.
pub const DEFAULT_BALANCE_PATH: &str = "/api/billing/balance";
/// The preset amounts, in cents, unless the page says otherwise.
pub const DEFAULT_PRESETS: [u64; 3] = [2_500, 5_000, 10_000];
/// The API charges in US dollars, so that is the only currency the widget shows.
pub const CURRENCY: &str = "USD";
/// The shortest wait for the proxy a page may set.
const MIN_TIMEOUT_MS: u64 = 1_000;

/// The widget's colours: `Auto` follows the host element's `color-scheme` (CSS `light-dark()`),
/// the others force one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Auto,
    Light,
    Dark,
}

impl Theme {
    /// The option's value, and the root's `data-theme` that the stylesheet matches.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }
}

#[derive(Debug, Clone)]
pub struct WidgetConfig {
    /// Fixed by the embedding page: shown read-only.
    pub organization: Option<OrganizationId>,
    /// The tenant token, sent as a bearer token and never read by the widget.
    pub token: Option<String>,
    pub api_path: String,
    pub balance_path: String,
    pub presets: Vec<AmountCents>,
    pub limits: AmountLimits,
    /// The instance key: in return URLs and the saved attempt's storage key.
    pub name: String,
    /// The locale for numbers and money (`Intl`); `None` is the browser's.
    pub locale: Option<String>,
    pub messages: Messages,
    pub currency: String,
    /// Where Stripe sends the customer back; the current page when absent.
    pub return_url: Option<String>,
    pub checkout_origins: OriginAllowlist,
    pub timeout_ms: u32,
    pub theme: Theme,
}

impl Default for WidgetConfig {
    fn default() -> Self {
        Self::from_options(&Options::default(), None, None)
            .unwrap_or_else(|_| unreachable!("the defaults are valid"))
    }
}

impl WidgetConfig {
    /// Checks `options` and fills in the defaults. `host_id` names the instance when the
    /// options do not; `page_locale` (the page's `lang`, else the browser's) chooses the
    /// language when they give no locale.
    pub fn from_options(
        options: &Options,
        host_id: Option<&str>,
        page_locale: Option<&str>,
    ) -> Result<Self, OptionError> {
        let error = OptionError::new;
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let organization = text(&options.organization_id)
            .map(|id| OrganizationId::parse(&id))
            .transpose()
            .map_err(|_| {
                error(
                    OptionName::OrganizationId,
                    "must be an organization ID: 22 letters and digits, never 0, 1, I, O or l",
                )
            })?;
        let defaults = AmountLimits::default();
        let limits = AmountLimits::new(
            options.min_cents.unwrap_or(defaults.min().cents()),
            options.max_cents.unwrap_or(defaults.max().cents()),
        )
        .map_err(|_| {
            error(
                OptionName::MinCents,
                "must be at least 500 cents and no more than the maximum",
            )
        })?;
        let presets = match &options.presets {
            None => DEFAULT_PRESETS
                .iter()
                .filter_map(|&cents| limits.check(cents).ok())
                .collect(),
            Some(list) => list
                .iter()
                .map(|&cents| limits.check(cents))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    error(
                        OptionName::Presets,
                        "must list whole numbers of cents between the minimum and the maximum",
                    )
                })?,
        };
        let name = match text(&options.name) {
            Some(name) if is_instance_name(&name) => name,
            Some(_) => {
                return Err(error(
                    OptionName::Name,
                    "must be 1 to 64 letters, digits, hyphens or underscores",
                ));
            }
            None => host_id
                .filter(|id| is_instance_name(id))
                .unwrap_or(DEFAULT_NAME)
                .to_owned(),
        };
        let currency = match text(&options.currency) {
            Some(currency) if !currency.eq_ignore_ascii_case(CURRENCY) => {
                return Err(error(
                    OptionName::Currency,
                    "must be USD: the API charges in US dollars",
                ));
            }
            _ => CURRENCY.to_owned(),
        };
        let checkout_origins = match &options.checkout_origins {
            None => OriginAllowlist::stripe(),
            Some(list) => OriginAllowlist::new(list.iter().map(String::as_str)).map_err(|_| {
                error(
                    OptionName::CheckoutOrigins,
                    "must list origins such as https://checkout.stripe.com, separated by spaces \
                     or commas; http only on loopback",
                )
            })?,
        };
        let timeout_ms = match options.timeout_ms {
            None => closient_checkout_core::timeouts::WIDGET_DEFAULT_MS,
            Some(ms) => u32::try_from(ms)
                .ok()
                .filter(|&ms| u64::from(ms) >= MIN_TIMEOUT_MS)
                .ok_or(error(
                    OptionName::TimeoutMs,
                    "must be a whole number of milliseconds, at least 1000",
                ))?,
        };
        let theme = match text(&options.theme).as_deref() {
            None | Some("auto") => Theme::Auto,
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            Some(_) => return Err(error(OptionName::Theme, "must be auto, light or dark")),
        };
        let overrides = options.messages.clone().unwrap_or_default();
        if overrides.iter().any(|(key, _)| !is_message_key(key)) {
            return Err(error(
                OptionName::Messages,
                "may only override the message keys listed in the documentation",
            ));
        }
        let locale = text(&options.locale);
        if locale.as_deref().is_some_and(|tag| !is_locale_tag(tag)) {
            return Err(error(
                OptionName::Locale,
                "must be a language tag such as en-US or de-DE",
            ));
        }
        // A page's `lang` that `Intl` could not read is no locale at all.
        let page_locale = page_locale.filter(|tag| is_locale_tag(tag));
        let language = Language::for_locale(locale.as_deref().or(page_locale).unwrap_or_default());
        Ok(Self {
            organization,
            token: text(&options.token),
            api_path: text(&options.api_path).unwrap_or_else(|| DEFAULT_API_PATH.to_owned()),
            balance_path: text(&options.balance_path)
                .unwrap_or_else(|| DEFAULT_BALANCE_PATH.to_owned()),
            presets,
            limits,
            name,
            locale: locale.or_else(|| page_locale.map(str::to_owned)),
            messages: Messages::new(language, overrides),
            currency,
            return_url: text(&options.return_url),
            checkout_origins,
            timeout_ms,
            theme,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> Result<WidgetConfig, OptionError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let options = Options::from_attributes("data-", |name| map.get(name).cloned())?;
        WidgetConfig::from_options(&options, Some("closient-checkout"), None)
    }

    #[test]
    fn no_attributes_give_the_defaults() {
        let config = read(&[]).expect("defaults are valid");
        assert_eq!(config.api_path, DEFAULT_API_PATH);
        assert_eq!(
            config.presets.iter().map(|p| p.cents()).collect::<Vec<_>>(),
            DEFAULT_PRESETS
        );
        assert_eq!(config.limits, AmountLimits::default());
        assert_eq!(config.checkout_origins, OriginAllowlist::stripe());
        assert!(config.organization.is_none());
        assert_eq!(config.name, "closient-checkout", "the host's id");
        assert_eq!(config.messages.language(), Language::English);
        assert_eq!(config.theme, Theme::Auto);
    }

    #[test]
    fn reads_every_option() {
        let config = read(&[
            ("data-organization-id", "7dHk2mPqRsTuVwXyZaBcDe"),
            ("data-token", "t.k.n"),
            ("data-api-path", "/billing/api/checkout"),
            ("data-presets", "1000, 2000"),
            ("data-min-cents", "1000"),
            ("data-max-cents", "50000"),
            ("data-name", "billing"),
            ("data-locale", "de-DE"),
            ("data-currency", "usd"),
            ("data-return-url", "https://shop.example/billing"),
            (
                "data-checkout-origins",
                "https://checkout.stripe.com http://127.0.0.1:9100",
            ),
            ("data-timeout-ms", "5000"),
            ("data-theme", "dark"),
        ])
        .expect("valid");
        assert_eq!(
            config.organization.map(|o| o.to_string()).as_deref(),
            Some("7dHk2mPqRsTuVwXyZaBcDe")
        );
        assert_eq!(config.token.as_deref(), Some("t.k.n"));
        assert_eq!(
            config.presets.iter().map(|p| p.cents()).collect::<Vec<_>>(),
            [1000, 2000]
        );
        assert_eq!(
            config.limits,
            AmountLimits::new(1000, 50_000).expect("valid")
        );
        assert_eq!(config.checkout_origins.origins().len(), 2);
        assert_eq!(config.timeout_ms, 5000);
        assert_eq!(config.theme, Theme::Dark);
        assert_eq!(config.name, "billing");
        assert_eq!(config.currency, "USD");
        assert_eq!(config.messages.language(), Language::German);
        assert_eq!(config.locale.as_deref(), Some("de-DE"));
    }

    #[test]
    fn names_the_option_that_is_wrong() {
        let fails = |pairs: &[(&str, &str)]| read(pairs).expect_err("invalid").option;
        assert_eq!(
            fails(&[("data-organization-id", "not-an-id")]),
            OptionName::OrganizationId
        );
        assert_eq!(fails(&[("data-min-cents", "100")]), OptionName::MinCents);
        assert_eq!(fails(&[("data-max-cents", "ten")]), OptionName::MaxCents);
        assert_eq!(fails(&[("data-presets", "2500 400")]), OptionName::Presets);
        assert_eq!(
            fails(&[("data-checkout-origins", "http://evil.example")]),
            OptionName::CheckoutOrigins
        );
        assert_eq!(fails(&[("data-timeout-ms", "10")]), OptionName::TimeoutMs);
        assert_eq!(fails(&[("data-currency", "EUR")]), OptionName::Currency);
        assert_eq!(fails(&[("data-name", "a b")]), OptionName::Name);
        assert_eq!(fails(&[("data-theme", "Dark")]), OptionName::Theme);
        assert_eq!(fails(&[("data-theme", "night")]), OptionName::Theme);
    }

    #[test]
    fn default_presets_outside_narrow_limits_are_dropped() {
        let config = read(&[("data-min-cents", "4000")]).expect("valid");
        assert_eq!(
            config.presets.iter().map(|p| p.cents()).collect::<Vec<_>>(),
            [5_000, 10_000]
        );
    }

    #[test]
    fn the_page_locale_chooses_the_language_unless_an_option_does() {
        let options = Options::default();
        let german = WidgetConfig::from_options(&options, None, Some("de")).expect("valid");
        assert_eq!(german.messages.language(), Language::German);
        assert_eq!(german.name, DEFAULT_NAME);
        let english = Options {
            locale: Some("en-US".to_owned()),
            ..Options::default()
        };
        let english = WidgetConfig::from_options(&english, None, Some("de")).expect("valid");
        assert_eq!(english.messages.language(), Language::English);
    }

    #[test]
    fn unknown_message_keys_are_refused() {
        let options = Options {
            messages: Some(vec![("submit.nope".to_owned(), "x".to_owned())]),
            ..Options::default()
        };
        assert_eq!(
            WidgetConfig::from_options(&options, None, None)
                .expect_err("unknown key")
                .option,
            OptionName::Messages
        );
    }

    #[test]
    fn updates_replace_only_the_options_given() {
        let first = Options {
            min_cents: Some(1000),
            token: Some("old".to_owned()),
            ..Options::default()
        };
        let merged = first.merged(Options {
            token: Some("new".to_owned()),
            ..Options::default()
        });
        assert_eq!(merged.min_cents, Some(1000));
        assert_eq!(merged.token.as_deref(), Some("new"));
    }
}
