//! The options as an embedder gives them, before they are checked: from a JS object
//! (`mount(element, options)`), or from the attributes of the element the widget lives in
//! (`<closient-checkout min-cents="1000">`, or `data-min-cents` on the Trunk page's element).
//! Both readers fill the one `Options` struct that `WidgetConfig::from_options` checks.

use wasm_bindgen::{JsCast, JsValue};

/// Every option, by the name each source spells it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionName {
    OrganizationId,
    Token,
    ApiPath,
    BalancePath,
    Presets,
    MinCents,
    MaxCents,
    Name,
    Locale,
    Currency,
    ReturnUrl,
    CheckoutOrigins,
    TimeoutMs,
    Theme,
    Messages,
}

/// `(option, JS name, attribute name)`; `messages` has no attribute.
const NAMES: [(OptionName, &str, &str); 15] = [
    (
        OptionName::OrganizationId,
        "organizationId",
        "organization-id",
    ),
    (OptionName::Token, "token", "token"),
    (OptionName::ApiPath, "apiPath", "api-path"),
    (OptionName::BalancePath, "balancePath", "balance-path"),
    (OptionName::Presets, "presets", "presets"),
    (OptionName::MinCents, "minCents", "min-cents"),
    (OptionName::MaxCents, "maxCents", "max-cents"),
    (OptionName::Name, "name", "name"),
    (OptionName::Locale, "locale", "locale"),
    (OptionName::Currency, "currency", "currency"),
    (OptionName::ReturnUrl, "returnUrl", "return-url"),
    (
        OptionName::CheckoutOrigins,
        "checkoutOrigins",
        "checkout-origins",
    ),
    (OptionName::TimeoutMs, "timeoutMs", "timeout-ms"),
    (OptionName::Theme, "theme", "theme"),
    (OptionName::Messages, "messages", ""),
];

impl OptionName {
    /// Every option, in the order the docs list them.
    pub fn all() -> impl Iterator<Item = Self> {
        NAMES.iter().map(|n| n.0)
    }

    pub fn js_name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(name, ..)| *name == self)
            .map_or("", |n| n.1)
    }

    pub fn attribute(self) -> &'static str {
        NAMES
            .iter()
            .find(|(name, ..)| *name == self)
            .map_or("", |n| n.2)
    }

    fn from_js_name(key: &str) -> Option<Self> {
        NAMES.iter().find(|(_, js, _)| *js == key).map(|n| n.0)
    }
}

/// An option that cannot be used, and what it must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionError {
    pub option: OptionName,
    pub expected: &'static str,
}

impl OptionError {
    pub const fn new(option: OptionName, expected: &'static str) -> Self {
        Self { option, expected }
    }
}

/// Each option as given, `None` when left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub organization_id: Option<String>,
    pub token: Option<String>,
    pub api_path: Option<String>,
    pub balance_path: Option<String>,
    pub presets: Option<Vec<u64>>,
    pub min_cents: Option<u64>,
    pub max_cents: Option<u64>,
    pub name: Option<String>,
    pub locale: Option<String>,
    pub currency: Option<String>,
    pub return_url: Option<String>,
    pub checkout_origins: Option<Vec<String>>,
    pub timeout_ms: Option<u64>,
    pub theme: Option<String>,
    /// `(key, text)` pairs; a short list, searched in order.
    pub messages: Option<Vec<(String, String)>>,
}

const CENTS: &str = "must be a whole number of cents";
const MILLIS: &str = "must be a whole number of milliseconds";
const TEXT: &str = "must be a string";
const PRESETS: &str = "must list whole numbers of cents, as an array or separated by spaces";
const ORIGINS: &str = "must list origins, as an array of strings or separated by spaces";
const MESSAGES: &str = "must be an object of strings, by message key";

impl Options {
    /// Reads a JS options object. An unknown key or a value of the wrong type is refused,
    /// naming the option; `null` and `undefined` leave an option out.
    pub fn from_js(value: &JsValue) -> Result<Self, String> {
        if value.is_null_or_undefined() {
            return Ok(Self::default());
        }
        let object = value
            .dyn_ref::<js_sys::Object>()
            .filter(|_| !value.is_function() && !js_sys::Array::is_array(value))
            .ok_or("the options must be an object")?;
        let mut options = Self::default();
        for entry in js_sys::Object::entries(object).iter() {
            let key = js_sys::Reflect::get_u32(&entry, 0)
                .ok()
                .and_then(|key| key.as_string())
                .unwrap_or_default();
            let value = js_sys::Reflect::get_u32(&entry, 1).unwrap_or(JsValue::UNDEFINED);
            let Some(option) = OptionName::from_js_name(&key) else {
                return Err(format!(
                    "unknown option `{key}`; the options are {}",
                    NAMES.map(|n| n.1).join(", ")
                ));
            };
            if !value.is_null_or_undefined() {
                options
                    .set_js(option, &value)
                    .map_err(|e| format!("{} {}", e.option.js_name(), e.expected))?;
            }
        }
        Ok(options)
    }

    fn set_js(&mut self, option: OptionName, value: &JsValue) -> Result<(), OptionError> {
        let error = |expected| OptionError::new(option, expected);
        let text = || value.as_string().ok_or(error(TEXT));
        let whole = |expected| {
            serde_wasm_bindgen::from_value::<u64>(value.clone()).map_err(|_| error(expected))
        };
        // A list may come as an array or as the attribute's text form.
        let list = |expected| match value.as_string() {
            Some(text) => Ok(split_list(&text)),
            None => serde_wasm_bindgen::from_value::<Vec<String>>(value.clone())
                .or_else(|_| {
                    serde_wasm_bindgen::from_value::<Vec<u64>>(value.clone())
                        .map(|cents| cents.iter().map(u64::to_string).collect())
                })
                .map_err(|_| error(expected)),
        };
        match option {
            OptionName::OrganizationId => self.organization_id = Some(text()?),
            OptionName::Token => self.token = Some(text()?),
            OptionName::ApiPath => self.api_path = Some(text()?),
            OptionName::BalancePath => self.balance_path = Some(text()?),
            OptionName::Name => self.name = Some(text()?),
            OptionName::Locale => self.locale = Some(text()?),
            OptionName::Currency => self.currency = Some(text()?),
            OptionName::ReturnUrl => self.return_url = Some(text()?),
            OptionName::Theme => self.theme = Some(text()?),
            OptionName::MinCents => self.min_cents = Some(whole(CENTS)?),
            OptionName::MaxCents => self.max_cents = Some(whole(CENTS)?),
            OptionName::TimeoutMs => self.timeout_ms = Some(whole(MILLIS)?),
            OptionName::Presets => self.presets = Some(cents_list(&list(PRESETS)?, option)?),
            OptionName::CheckoutOrigins => self.checkout_origins = Some(list(ORIGINS)?),
            OptionName::Messages => {
                self.messages = Some(text_entries(value).ok_or(error(MESSAGES))?)
            }
        }
        Ok(())
    }

    /// Reads the attributes `prefix` + each option's attribute name; `get` answers one by name.
    /// Blank values leave an option out.
    pub fn from_attributes(
        prefix: &str,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, OptionError> {
        let mut options = Self::default();
        for (option, _, attribute) in NAMES {
            if attribute.is_empty() {
                continue;
            }
            let Some(text) = get(&format!("{prefix}{attribute}"))
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
            else {
                continue;
            };
            let number = |expected| {
                text.parse::<u64>()
                    .map_err(|_| OptionError::new(option, expected))
            };
            match option {
                OptionName::OrganizationId => options.organization_id = Some(text),
                OptionName::Token => options.token = Some(text),
                OptionName::ApiPath => options.api_path = Some(text),
                OptionName::BalancePath => options.balance_path = Some(text),
                OptionName::Name => options.name = Some(text),
                OptionName::Locale => options.locale = Some(text),
                OptionName::Currency => options.currency = Some(text),
                OptionName::ReturnUrl => options.return_url = Some(text),
                OptionName::Theme => options.theme = Some(text),
                OptionName::MinCents => options.min_cents = Some(number(CENTS)?),
                OptionName::MaxCents => options.max_cents = Some(number(CENTS)?),
                OptionName::TimeoutMs => options.timeout_ms = Some(number(MILLIS)?),
                OptionName::Presets => {
                    options.presets = Some(cents_list(&split_list(&text), option)?);
                }
                OptionName::CheckoutOrigins => options.checkout_origins = Some(split_list(&text)),
                OptionName::Messages => {}
            }
        }
        Ok(options)
    }

    /// `newer`'s options where it gives them, these elsewhere: what `update` does.
    pub fn merged(self, newer: Self) -> Self {
        Self {
            organization_id: newer.organization_id.or(self.organization_id),
            token: newer.token.or(self.token),
            api_path: newer.api_path.or(self.api_path),
            balance_path: newer.balance_path.or(self.balance_path),
            presets: newer.presets.or(self.presets),
            min_cents: newer.min_cents.or(self.min_cents),
            max_cents: newer.max_cents.or(self.max_cents),
            name: newer.name.or(self.name),
            locale: newer.locale.or(self.locale),
            currency: newer.currency.or(self.currency),
            return_url: newer.return_url.or(self.return_url),
            checkout_origins: newer.checkout_origins.or(self.checkout_origins),
            timeout_ms: newer.timeout_ms.or(self.timeout_ms),
            theme: newer.theme.or(self.theme),
            messages: newer.messages.or(self.messages),
        }
    }
}

/// The entries of a plain object whose values are all strings.
fn text_entries(value: &JsValue) -> Option<Vec<(String, String)>> {
    let object = value
        .dyn_ref::<js_sys::Object>()
        .filter(|_| !js_sys::Array::is_array(value))?;
    js_sys::Object::entries(object)
        .iter()
        .map(|entry| {
            let text = |index| js_sys::Reflect::get_u32(&entry, index).ok()?.as_string();
            Some((text(0)?, text(1)?))
        })
        .collect()
}

/// Items separated by spaces or commas.
fn split_list(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

fn cents_list(items: &[String], option: OptionName) -> Result<Vec<u64>, OptionError> {
    items
        .iter()
        .map(|item| item.parse().map_err(|_| OptionError::new(option, PRESETS)))
        .collect()
}
