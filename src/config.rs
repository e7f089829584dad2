//! The widget's options, read from `data-` attributes on the element it mounts into.
//!
//! Everything here comes from the embedding page, which is trusted. The query string is not:
//! it may prefill the editable fields (see `views::form::Prefill`), never set an option.

use closient_checkout_core::{
    AmountLimits, LimitsError, OrganizationId, OrganizationIdError, OriginAllowlist, UrlError,
};
use std::fmt;

/// The proxy route the form posts to unless the page says otherwise.
pub const DEFAULT_API_PATH: &str = "/api/billing/checkout";
/// The proxy route for balances (`{path}/{organization_id}`) unless the page says otherwise.
pub const DEFAULT_BALANCE_PATH: &str = "/api/billing/balance";
/// The preset amounts, in cents, unless the page says otherwise.
pub const DEFAULT_PRESETS: [u64; 3] = [2_500, 5_000, 10_000];

#[derive(Debug, Clone)]
pub struct WidgetConfig {
    /// Fixed by the embedding page: shown read-only.
    pub organization: Option<OrganizationId>,
    pub api_path: String,
    pub balance_path: String,
    pub presets: Vec<u64>,
    pub limits: AmountLimits,
    pub locale: Option<String>,
    pub currency: String,
    /// Where Stripe sends the customer back; the current page when absent.
    pub return_url: Option<String>,
    pub checkout_origins: OriginAllowlist,
    pub timeout_ms: u32,
}

/// An attribute the page set that cannot be used. The widget shows it, with what the attribute
/// must hold, instead of a form that would fail later.
///
/// The explanation is fixed text rather than the core error's own wording: formatting those
/// errors would cost the bundle over 1 KB of gzip for a message only a developer reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub attribute: &'static str,
    pub expected: &'static str,
}

impl Default for WidgetConfig {
    fn default() -> Self {
        Self {
            organization: None,
            api_path: DEFAULT_API_PATH.to_owned(),
            balance_path: DEFAULT_BALANCE_PATH.to_owned(),
            presets: DEFAULT_PRESETS.to_vec(),
            limits: AmountLimits::default(),
            locale: None,
            currency: "USD".to_owned(),
            return_url: None,
            checkout_origins: OriginAllowlist::stripe(),
            timeout_ms: closient_checkout_core::timeouts::WIDGET_DEFAULT_MS,
        }
    }
}

impl WidgetConfig {
    /// Reads the options from attribute values; `get` answers one attribute by name.
    pub fn from_attributes(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let text = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let organization = text(attr::ORGANIZATION_ID)
            .map(|id| OrganizationId::parse(&id))
            .transpose()
            .map_err(|_: OrganizationIdError| {
                ConfigError::new(
                    attr::ORGANIZATION_ID,
                    "must be an organization ID: 22 letters and digits, never 0, 1, I, O or l",
                )
            })?;
        let cents = |name: &'static str| -> Result<Option<u64>, ConfigError> {
            text(name)
                .map(|v| {
                    v.parse::<u64>()
                        .map_err(|_| ConfigError::new(name, "must be a whole number of cents"))
                })
                .transpose()
        };
        let min = cents(attr::MIN_CENTS)?.unwrap_or(defaults.limits.min().cents());
        let max = cents(attr::MAX_CENTS)?.unwrap_or(defaults.limits.max().cents());
        let limits = AmountLimits::new(min, max).map_err(|_: LimitsError| {
            ConfigError::new(
                attr::MIN_CENTS,
                "must be at least 500 cents and no more than the maximum",
            )
        })?;
        let presets = match text(attr::PRESETS) {
            None => defaults
                .presets
                .iter()
                .copied()
                .filter(|&p| limits.check(p).is_ok())
                .collect(),
            Some(list) => list
                .split([',', ' '])
                .filter(|item| !item.is_empty())
                .map(|item| {
                    item.parse::<u64>()
                        .ok()
                        .filter(|&cents| limits.check(cents).is_ok())
                        .ok_or(ConfigError::new(
                            attr::PRESETS,
                            "must list whole numbers of cents between the minimum and the maximum",
                        ))
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        let checkout_origins = match text(attr::CHECKOUT_ORIGINS) {
            None => defaults.checkout_origins,
            Some(list) => OriginAllowlist::new(list.split([',', ' ']).filter(|o| !o.is_empty()))
                .map_err(|_: UrlError| {
                    ConfigError::new(
                        attr::CHECKOUT_ORIGINS,
                        "must list origins such as https://checkout.stripe.com, separated by \
                         spaces or commas; http only on loopback",
                    )
                })?,
        };
        let timeout_ms = match text(attr::TIMEOUT_MS) {
            None => defaults.timeout_ms,
            Some(v) => v.parse().ok().filter(|&ms| ms >= 1_000).ok_or_else(|| {
                ConfigError::new(
                    attr::TIMEOUT_MS,
                    "must be a whole number of milliseconds, at least 1000",
                )
            })?,
        };
        Ok(Self {
            organization,
            api_path: text(attr::API_PATH).unwrap_or(defaults.api_path),
            balance_path: text(attr::BALANCE_PATH).unwrap_or(defaults.balance_path),
            presets,
            limits,
            locale: text(attr::LOCALE),
            currency: text(attr::CURRENCY).unwrap_or(defaults.currency),
            return_url: text(attr::RETURN_URL),
            checkout_origins,
            timeout_ms,
        })
    }
}

/// The attribute names, as an embedder writes them.
pub mod attr {
    pub const ORGANIZATION_ID: &str = "data-organization-id";
    pub const API_PATH: &str = "data-api-path";
    pub const BALANCE_PATH: &str = "data-balance-path";
    pub const PRESETS: &str = "data-presets";
    pub const MIN_CENTS: &str = "data-min-cents";
    pub const MAX_CENTS: &str = "data-max-cents";
    pub const LOCALE: &str = "data-locale";
    pub const CURRENCY: &str = "data-currency";
    pub const RETURN_URL: &str = "data-return-url";
    pub const CHECKOUT_ORIGINS: &str = "data-checkout-origins";
    pub const TIMEOUT_MS: &str = "data-timeout-ms";
}

impl ConfigError {
    fn new(attribute: &'static str, expected: &'static str) -> Self {
        Self {
            attribute,
            expected,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.attribute, self.expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> Result<WidgetConfig, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        WidgetConfig::from_attributes(|name| map.get(name).cloned())
    }

    #[test]
    fn no_attributes_give_the_defaults() {
        let config = read(&[]).expect("defaults are valid");
        assert_eq!(config.api_path, DEFAULT_API_PATH);
        assert_eq!(config.presets, DEFAULT_PRESETS);
        assert_eq!(config.limits, AmountLimits::default());
        assert_eq!(config.checkout_origins, OriginAllowlist::stripe());
        assert!(config.organization.is_none());
    }

    #[test]
    fn reads_every_option() {
        let config = read(&[
            (attr::ORGANIZATION_ID, "7dHk2mPqRsTuVwXyZaBcDe"),
            (attr::API_PATH, "/billing/api/checkout"),
            (attr::PRESETS, "1000, 2000"),
            (attr::MIN_CENTS, "1000"),
            (attr::MAX_CENTS, "50000"),
            (attr::LOCALE, "de-DE"),
            (attr::RETURN_URL, "https://shop.example/billing"),
            (
                attr::CHECKOUT_ORIGINS,
                "https://checkout.stripe.com http://127.0.0.1:9100",
            ),
            (attr::TIMEOUT_MS, "5000"),
        ])
        .expect("valid");
        assert_eq!(
            config.organization.map(|o| o.to_string()).as_deref(),
            Some("7dHk2mPqRsTuVwXyZaBcDe")
        );
        assert_eq!(config.presets, [1000, 2000]);
        assert_eq!(
            config.limits,
            AmountLimits::new(1000, 50_000).expect("valid")
        );
        assert_eq!(config.checkout_origins.origins().len(), 2);
        assert_eq!(config.timeout_ms, 5000);
        assert_eq!(config.locale.as_deref(), Some("de-DE"));
    }

    #[test]
    fn names_the_attribute_that_is_wrong() {
        let fails = |pairs: &[(&str, &str)]| read(pairs).expect_err("invalid").attribute;
        assert_eq!(
            fails(&[(attr::ORGANIZATION_ID, "not-an-id")]),
            attr::ORGANIZATION_ID
        );
        assert_eq!(fails(&[(attr::MIN_CENTS, "100")]), attr::MIN_CENTS);
        assert_eq!(fails(&[(attr::MAX_CENTS, "ten")]), attr::MAX_CENTS);
        assert_eq!(fails(&[(attr::PRESETS, "2500 400")]), attr::PRESETS);
        assert_eq!(
            fails(&[(attr::CHECKOUT_ORIGINS, "http://evil.example")]),
            attr::CHECKOUT_ORIGINS
        );
        assert_eq!(fails(&[(attr::TIMEOUT_MS, "10")]), attr::TIMEOUT_MS);
    }

    #[test]
    fn default_presets_outside_narrow_limits_are_dropped() {
        let config = read(&[(attr::MIN_CENTS, "4000")]).expect("valid");
        assert_eq!(config.presets, [5_000, 10_000]);
    }
}
